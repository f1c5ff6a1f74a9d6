"""Follow-up of dispatched orders (DOMAIN §3): the check after dispatch, and the chases of an
order past its due time. Every check and chase is written on the order's tracking record.

The check: ``DispatchDesk.check_after_minutes`` (60 without a desk) after each dispatch,
re-dispatch or rejection back to the field, the minute's sweep writes the order's state on
its tracking record; an order still only dispatched (nobody accepted it) is also put in the
inbox of its dispatcher and of the agent who dispatched it.

The chases happen at the desk's chase times (``DispatchDesk.chase_times``, 10:00 and 15:00
without a desk) on working days of the calendar; the first one is the first slot strictly
after the due time (an order due at 10:00 is not chased at 10:00, when it is not late yet)
and after the dispatch. At each chase of an order still in the field:

- the assignee (or the crew's leader) gets the ``workorder.chase`` SMS, every time;
- from the 2nd chase on, the order's dispatcher (else the desk's) is told too: in-app, and
  SMS / e-mail as the event's rule says;
- from the 3rd chase on, the branch manager (``DispatchDesk.manager``) gets
  ``workorder.escalate``.

Only orders in the field (dispatched, accepted, en route, on site) are chased: a pending or
returned order is on the center's own desk, not the field's, and leaving the field clears
the follow-up (``on_field_done``). ``chase_count`` is never reset: a re-dispatch or a
rejection back to the field does not make the order less late, so the next chase goes on
up the ladder (the new assignee still gets the SMS). A sweep that ran late chases once and
schedules the next slot after now: no burst of missed chases.

Sweeps claim each row with a conditional UPDATE (and skip rows locked by another worker on
PostgreSQL), so two workers never check or chase one order twice; the messages' keys carry
the order and the chase number, so a retried sweep sends nothing twice either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.services import display_name
from kefu.core.calendar import MAX_DAYS_SEARCHED, WorkingCalendar
from kefu.dispatch.models import FIELD_STATUSES, DispatchDesk, Status, TrackingRecord, WorkOrder
from kefu.dispatch.tracking import record_tracking
from kefu.notify.services import Alert, notify_many, send_sms

CHECK_BATCH = 200
CHASE_BATCH = 200
DEFAULT_CHECK_MINUTES = 60
DEFAULT_CHASE_CLOCK = (dt.time(10, 0), dt.time(15, 0))
# From this chase on the dispatcher is told, from the next one the branch manager.
TELL_DISPATCHER_FROM = 2
ESCALATE_FROM = 3


# ---------------------------------------------------------------------------------- scheduling


def on_dispatched(order: WorkOrder, at: dt.datetime, *, desk: DispatchDesk | None) -> None:
    """Schedule the check after a (re-)dispatch and the first chase after the due time, by
    the branch's ``desk`` (None: the defaults); fields are set on ``order``, unsaved (the
    caller saves). ``chase_count`` is kept."""
    minutes = desk.check_after_minutes if desk is not None else DEFAULT_CHECK_MINUTES
    order.check_at = at + dt.timedelta(minutes=minutes)
    order.next_chase_at = (
        next_chase_slot(max(order.due_at, at), desk) if order.due_at is not None else None
    )


def on_field_done(order: WorkOrder) -> None:
    """Stop checks and chases of an order that left the field (completed, returned, ...)."""
    order.check_at = None
    order.next_chase_at = None


def desk_for(
    branch_id: int, cache: dict[int, DispatchDesk | None] | None = None
) -> DispatchDesk | None:
    if cache is not None and branch_id in cache:
        return cache[branch_id]
    desk = (
        DispatchDesk.objects.select_related("dispatcher", "manager")
        .filter(branch_id=branch_id)
        .first()
    )
    if cache is not None:
        cache[branch_id] = desk
    return desk


def chase_clock(desk: DispatchDesk | None) -> list[dt.time]:
    return (desk.chase_clock() if desk is not None else []) or list(DEFAULT_CHASE_CLOCK)


def next_chase_slot(
    after: dt.datetime, desk: DispatchDesk | None, calendar: WorkingCalendar | None = None
) -> dt.datetime:
    """The first of ``desk``'s chase times on a working day strictly after ``after``."""
    calendar = calendar or WorkingCalendar()
    zone = timezone.get_current_timezone()
    times = chase_clock(desk)
    day = timezone.localtime(after).date()
    for _day in range(MAX_DAYS_SEARCHED):
        if calendar.is_working_day(day):
            for time in times:
                slot = dt.datetime.combine(day, time, tzinfo=zone)
                if slot > after:
                    return slot
        day += dt.timedelta(days=1)
    raise ValueError(f"no working day within {MAX_DAYS_SEARCHED} days after {after}")


# ---------------------------------------------------------------------------------- words


def overdue_text(late: dt.timedelta) -> str:
    """How late, as an SMS says it: 45分钟, 2小时, 1天3小时 (rounded down, at least 1分钟)."""
    minutes = max(int(late.total_seconds() // 60), 1)
    if minutes < 60:
        return _("%d分钟") % minutes
    hours = minutes // 60
    if hours < 24:
        return _("%d小时") % hours
    days, hours = divmod(hours, 24)
    if hours:
        return _("%(days)d天%(hours)d小时") % {"days": days, "hours": hours}
    return _("%d天") % days


def _employee_no(user) -> str:
    staff = getattr(user, "staff", None) if user is not None else None
    return staff.employee_no if staff is not None else ""


def _phone(user) -> str:
    staff = getattr(user, "staff", None) if user is not None else None
    return staff.phone if staff is not None else ""


def _state_words(status: str) -> str:
    words: dict[str, str] = {
        Status.DISPATCHED: _("仍未接单"),
        Status.ACCEPTED: _("已接单"),
        Status.EN_ROUTE: _("已出发"),
        Status.ON_SITE: _("已到场"),
    }
    return words.get(status, "")


# ---------------------------------------------------------------------------------- sweeps


def _claim(row: WorkOrder, fields: tuple[str, ...], changes: dict) -> bool:
    """Take ``row`` for this worker: one UPDATE that matches only while ``fields`` still hold
    what was read. False when another worker took it first."""
    match = {name: getattr(row, name) for name in fields}
    return WorkOrder.objects.filter(pk=row.pk, **match).update(**changes) == 1


def _due_rows(condition: dict, order_by: str, batch: int) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(**condition)
        .select_related(
            "assignee__staff", "crew", "dispatcher__staff", "dispatched_by__staff", "ticket"
        )
        .order_by(order_by, "id")[:batch]
    )


def run_checks(now: dt.datetime | None = None) -> int:
    """Check the orders whose check time has come: a CHECK line on each one's tracking
    record, and an in-app ``workorder.check`` to its dispatcher and dispatching agent when
    nobody accepted it yet. Each order is checked once per dispatch, whatever the number of
    workers. An order no longer in the field only has its check cleared. Returns how many
    orders were checked."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            rows = _due_rows({"check_at__lte": now}, "check_at", CHECK_BATCH)
            alerts = []
            for row in rows:
                if not _claim(row, ("check_at",), {"check_at": None, "updated_at": now}):
                    continue
                checked = row.check_at
                assert checked is not None, "picked by its check time"
                if row.status not in FIELD_STATUSES:
                    continue
                who = display_name(row.assignee) or (row.crew.name if row.crew is not None else "")
                note = _("派工后检查:%(who)s%(state)s") % {
                    "who": who,
                    "state": _state_words(row.status),
                }
                told = []
                if row.status == Status.DISPATCHED:
                    told = [u for u in (row.dispatcher, row.dispatched_by) if u is not None]
                    told = list({u.pk: u for u in told}.values())
                    if told:
                        note += _(",已提醒%s") % "、".join(display_name(u) for u in told)
                        alerts.append(
                            Alert(
                                "workorder.check",
                                told,
                                _check_context(row, who),
                                f"workorder.check:{row.serial}:{checked.isoformat()}",
                                row.ticket,
                            )
                        )
                record_tracking(
                    row,
                    actor=None,
                    kind=TrackingRecord.Kind.CHECK,
                    action="check",
                    note=note,
                    at=now,
                    data={"status": row.status, "told": [u.username for u in told]},
                )
                done += 1
            if alerts:
                notify_many(alerts)
        if len(rows) < CHECK_BATCH:
            return done


def _check_context(row: WorkOrder, who: str) -> dict:
    due = timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M") if row.due_at else ""
    return {
        "serial": row.serial,
        "state": row.get_status_display(),
        "who": who,
        "due": due,
        "path": reverse("workorder", args=[row.serial]),
    }


def chase_overdue(now: dt.datetime | None = None) -> int:
    """Chase the orders whose chase slot has come and that are still in the field past their
    due time (see the module's docstring for who is told at which chase), each chase a CHASE
    line on the order's tracking record, and schedule the next slot. An order that left the
    field or is not late (its due time moved) is only rescheduled or cleared. Each slot
    chases an order once, whatever the number of workers. Returns how many were chased."""
    now = now or timezone.now()
    calendar = WorkingCalendar()
    desks: dict[int, DispatchDesk | None] = {}
    done = 0
    while True:
        with transaction.atomic():
            rows = _due_rows({"next_chase_at__lte": now}, "next_chase_at", CHASE_BATCH)
            alerts = []
            for row in rows:
                desk = desk_for(row.branch_id, desks)
                # In the field with a due time: chased when past it, else only rescheduled.
                due_at = row.due_at if row.status in FIELD_STATUSES else None
                late = due_at is not None and due_at < now
                following = None
                if due_at is not None:
                    following = next_chase_slot(max(now, due_at), desk, calendar)
                changes: dict[str, Any] = {"next_chase_at": following, "updated_at": now}
                if late:
                    changes["chase_count"] = F("chase_count") + 1
                if not _claim(row, ("next_chase_at", "chase_count"), changes) or not late:
                    continue
                row.chase_count += 1
                row.next_chase_at = following
                alerts += _chase(row, desk, now)
                done += 1
            if alerts:
                notify_many(alerts)
        if len(rows) < CHASE_BATCH:
            return done


def _chase(row: WorkOrder, desk: DispatchDesk | None, now: dt.datetime) -> list:
    """Send the ``row.chase_count``-th chase of ``row``, write it on the tracking record and
    return the staff alerts to create with the batch's."""
    count = row.chase_count
    assert row.due_at is not None, "chased only when past its due time"
    late = now - row.due_at
    assignee = display_name(row.assignee) or (row.crew.name if row.crew is not None else "")
    context = {
        "serial": row.serial,
        # The number the customer knows: the ticket's when the order came from one.
        "order_no": row.ticket.serial if row.ticket is not None else row.serial,
        "overdue": overdue_text(late),
        "agent_no": _employee_no(row.dispatched_by),
        "who": assignee,
        "chases": count,
        "due": timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M"),
        "path": reverse("workorder", args=[row.serial]),
    }
    key = f"workorder.chase:{row.serial}:{count}"
    parts = [
        _("第%(count)d次催办:已超过完成时间%(late)s") % {"count": count, "late": context["overdue"]}
    ]
    phone = _phone(row.assignee)
    sms = None
    if phone:
        sms = send_sms(phone, event="workorder.chase", context=context, key=key, ticket=row.ticket)
    if sms is not None:
        parts.append(_("短信催办%(who)s(%(phone)s)") % {"who": assignee, "phone": phone})
    else:
        parts.append(_("%s无可用手机号,未发短信") % (assignee or _("外勤人员")))
    alerts = []
    told: list[str] = []
    if count >= TELL_DISPATCHER_FROM:
        dispatcher = row.dispatcher or (desk.dispatcher if desk is not None else None)
        if dispatcher is not None:
            alerts.append(Alert("workorder.chase", [dispatcher], context, key, row.ticket))
            parts.append(_("通知调度员%s") % display_name(dispatcher))
            told.append(dispatcher.username)
        else:
            parts.append(_("未设置调度员"))
    if count >= ESCALATE_FROM:
        manager = desk.manager if desk is not None else None
        if manager is not None:
            alerts.append(
                Alert(
                    "workorder.escalate",
                    [manager],
                    context,
                    f"workorder.escalate:{row.serial}:{count}",
                    row.ticket,
                )
            )
            parts.append(_("上报分公司经理%s") % display_name(manager))
            told.append(manager.username)
        else:
            parts.append(_("未设置分公司经理"))
    record_tracking(
        row,
        actor=None,
        kind=TrackingRecord.Kind.CHASE,
        action="escalate" if count >= ESCALATE_FROM else "chase",
        note=";".join(parts),
        at=now,
        data={
            "count": count,
            "overdue_minutes": int(late.total_seconds() // 60),
            "sms": phone if sms is not None else "",
            "told": told,
            "next": row.next_chase_at.isoformat() if row.next_chase_at else None,
        },
    )
    return alerts
