"""Choosing a request's time-limit policy and computing its deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import overload

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.core import refcache
from kefu.core.calendar import BusinessHours, WorkingCalendar
from kefu.core.errors import Code, ServiceError
from kefu.core.realtime import AGENTS_GROUP, department_group, publish_on_commit, user_group
from kefu.core.said import said
from kefu.sla import escalation
from kefu.sla.models import ComplaintClass, Deadline, Policy, Severity, Target
from kefu.tickets.models import Channel, Priority, Ticket, TicketEvent, TicketType
from kefu.tickets.timeline import record_event

# The target that says when a ticket must reach its department: the default start of the
# targets counted from dispatch, when the ticket has not been dispatched yet.
TRANSMIT = "transmit"


@dataclass
class DueTime:
    """A target's due time in a preview (nothing stored)."""

    code: str
    name: str
    start: str
    clock: str
    amount: int
    due: dt.datetime


@dataclass
class Preview:
    policy: Policy | None
    deadlines: list[DueTime]
    unknown_years: list[int]  # counted Monday–Friday for want of an official schedule


def active_policies() -> list[Policy]:
    """Every active policy with its type and targets, kept per process (refcache); shared
    between requests, so read, never changed."""
    return refcache.get(
        "sla:policies",
        lambda: list(
            Policy.objects.filter(is_active=True)
            .select_related("ticket_type")
            .prefetch_related("targets")
        ),
    )


def choose_policy(
    ticket_type: str,
    *,
    severity: str = "",
    complaint_class: str = "",
    channel: str = "",
    priority: str = "",
) -> Policy | None:
    """The active policy matching the most of type, severity, class, channel and priority."""
    matching = [
        policy
        for policy in active_policies()
        if (policy.ticket_type is None or policy.ticket_type.code == ticket_type)
        and policy.severity in ("", severity)
        and policy.complaint_class in ("", complaint_class)
        and policy.channel in ("", channel)
        and policy.priority in ("", priority)
    ]
    return max(matching, key=lambda p: (p.specificity, -p.id), default=None)


def _calendar(policy: Policy) -> WorkingCalendar:
    return WorkingCalendar(hours=BusinessHours(policy.opening, policy.closing))


def _due(target: Target, start: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    match target.clock:
        case Target.Clock.MINUTES:
            return start + dt.timedelta(minutes=target.amount)
        case Target.Clock.BUSINESS_MINUTES:
            return calendar.add_business_time(start, dt.timedelta(minutes=target.amount))
        case Target.Clock.WORKING_DAYS:
            return calendar.add_working_days(start, target.amount)
        case _:
            return calendar.add_calendar_days(start, target.amount)


def compute_deadlines(
    policy: Policy,
    *,
    received_at: dt.datetime,
    dispatched_at: dt.datetime | None = None,
    resolved_at: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[DueTime]:
    """Every target of ``policy`` whose start is known, with its due time.

    Targets counted from dispatch start at ``dispatched_at``, or, before dispatch, at the
    latest moment the ticket may reach the department (the ``transmit`` target's due time).
    Targets counted from resolution appear once ``resolved_at`` is given.
    """
    calendar = calendar or _calendar(policy)
    targets = list(policy.targets.all())
    starts: dict[str, dt.datetime | None] = {
        Target.Start.RECEIVED: received_at,
        Target.Start.RESOLVED: resolved_at,
    }
    if dispatched_at is None:
        transmit = next((t for t in targets if t.code == TRANSMIT), None)
        dispatched_at = _due(transmit, received_at, calendar) if transmit else received_at
    starts[Target.Start.DISPATCHED] = dispatched_at
    deadlines = []
    for target in targets:
        start = starts[target.start]
        if start is None:
            continue
        due = timezone.localtime(_due(target, start, calendar))
        deadlines.append(
            DueTime(target.code, target.name, target.start, target.clock, target.amount, due)
        )
    return deadlines


@overload
def _aware(value: dt.datetime, field: str) -> dt.datetime: ...
@overload
def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None: ...
def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if (
        not dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        <= value
        <= dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    ):
        raise ServiceError(Code.INVALID, _("时间超出范围"), field=field)
    return value


def preview(
    *,
    ticket_type: str,
    received_at: dt.datetime,
    severity: str = "",
    complaint_class: str = "",
    channel: str = "",
    priority: str = "",
    dispatched_at: dt.datetime | None = None,
    resolved_at: dt.datetime | None = None,
) -> Preview:
    """The deadlines a request would get: what the agent promises the customer."""
    if not TicketType.objects.filter(code=ticket_type).exists():
        raise ServiceError(Code.INVALID, _("诉求类型无效:%s") % ticket_type[:30], field="type")
    for value, choices, field in (
        (severity, Severity.values, "severity"),
        (complaint_class, ComplaintClass.values, "complaint_class"),
        (channel, Channel.values, "channel"),
        (priority, Priority.values, "priority"),
    ):
        if value and value not in choices:
            raise ServiceError(Code.INVALID, _("取值无效:%s") % value[:30], field=field)
    received_at = _aware(received_at, "received_at")
    dispatched_at = _aware(dispatched_at, "dispatched_at")
    resolved_at = _aware(resolved_at, "resolved_at")
    for later, field in ((dispatched_at, "dispatched_at"), (resolved_at, "resolved_at")):
        if later is not None and later < received_at:
            raise ServiceError(Code.INVALID, _("不能早于受理时间"), field=field)
    policy = choose_policy(
        ticket_type,
        severity=severity or Severity.GENERAL,  # a complaint is general until found major
        complaint_class=complaint_class,
        channel=channel,
        priority=priority,
    )
    if policy is None:
        return Preview(None, [], [])
    calendar = _calendar(policy)
    deadlines = compute_deadlines(
        policy,
        received_at=received_at,
        dispatched_at=dispatched_at,
        resolved_at=resolved_at,
        calendar=calendar,
    )
    return Preview(policy, deadlines, sorted(calendar.unknown_years))


RESULT = "result"  # the target that says when the customer has the result


def promised_result(
    ticket_type: str,
    *,
    received_at: dt.datetime,
    severity: str = Severity.GENERAL,
    complaint_class: str = "",
    channel: str = "",
    priority: str = "",
) -> dt.datetime | None:
    """When the customer is promised the result (及时将处理期限告知客户), or None when no
    policy sets a result target for such a request."""
    policy = choose_policy(
        ticket_type,
        severity=severity,
        complaint_class=complaint_class,
        channel=channel,
        priority=priority,
    )
    if policy is None:
        return None
    deadlines = compute_deadlines(policy, received_at=received_at)
    return next((d.due for d in deadlines if d.code == RESULT), None)


# ------------------------------------------------------------------------------ on tickets

# What each ticket action fulfils, and which targets start with it.
MEETS = {"dispatch": "transmit", "start": "react", "resolve": "result", "follow_up": "callback"}
STARTS = {"dispatch": Target.Start.DISPATCHED, "resolve": Target.Start.RESOLVED}
ENDS = {"cancel", "close", "merge"}


def _ticket_policy(ticket) -> Policy | None:
    """The policy for the ticket as it stands: a complaint's severity and class choose too."""
    severity, complaint_class = Severity.GENERAL, ""
    # A complaint's own record (kefu.complaints); a missing one reads as None.
    complaint = getattr(ticket, "complaint", None) if ticket.type.code == "complaint" else None
    if complaint is not None:
        severity, complaint_class = complaint.severity, complaint.complaint_class
    return choose_policy(
        ticket.type.code,
        severity=severity,
        complaint_class=complaint_class,
        channel=ticket.channel,
        priority=ticket.priority,
    )


def _open_targets(ticket, policy: Policy, start: str, at: dt.datetime, calendar) -> list:
    rows = []
    for target in policy.targets.all():
        if target.start != start:
            continue
        due = _due(target, at, calendar)
        warn = at + (due - at) * policy.warn_percent / 100
        rows.append(
            Deadline(
                ticket=ticket,
                branch_id=ticket.branch_id,
                ticket_type_id=ticket.type_id,
                policy=policy,
                code=target.code,
                name=target.name,
                start=start,
                started_at=at,
                due_at=due,
                warn_at=warn,
            )
        )
    return rows


def _fulfil(row: Deadline, at: dt.datetime) -> None:
    row.state = Deadline.State.MET if at <= row.due_at else Deadline.State.LATE
    row.met_at = at


RUNNING = (Deadline.State.PENDING, Deadline.State.BREACHED)


def keep_due(ticket, rows: list[Deadline] | None = None, *, new: bool = False) -> None:
    """Keep ``Ticket.due_at`` (the queues' 下一期限): while the ticket is open, the earliest due
    time of its running clocks that are not paused (a breached one is overdue); else none.
    ``rows`` are the ticket's deadlines when the caller holds them all. Written whatever the
    ``ticket`` object says (another object of the same row may have moved it), but for a
    ``new`` ticket with no clock. Every function here that starts, stops, pauses or moves a clock
    calls it."""
    due = None
    if ticket.is_open:
        if rows is None:
            rows = list(Deadline.objects.filter(ticket_id=ticket.pk, state__in=RUNNING))
        due = min(
            (r.due_at for r in rows if r.state in RUNNING and r.paused_at is None), default=None
        )
    if due is not None or not new:
        Ticket.objects.filter(pk=ticket.pk).update(due_at=due)
    ticket.due_at = due


def on_intake(ticket) -> list:
    """The deadlines a new ticket starts with (and those its dispatch at intake starts)."""
    policy = _ticket_policy(ticket)
    if policy is None:
        return []
    calendar = _calendar(policy)
    rows = _open_targets(ticket, policy, Target.Start.RECEIVED, ticket.received_at, calendar)
    if ticket.department_id:  # dispatched at intake: the transmit target is met there and then
        rows += _open_targets(ticket, policy, Target.Start.DISPATCHED, ticket.created_at, calendar)
        for row in rows:
            if row.code == MEETS["dispatch"]:
                _fulfil(row, ticket.created_at)
    rows = Deadline.objects.bulk_create(rows)
    keep_due(ticket, rows, new=True)
    return sorted(rows, key=lambda row: row.due_at)  # as stored


def on_transition(ticket, action: str, at: dt.datetime) -> None:
    """Mark what ``action`` fulfils, start the targets it starts, stop all when it ends; pause
    and resume the clocks that wait while the customer is asked to confirm."""
    _on_transition(ticket, action, at)
    keep_due(ticket)


def _on_transition(ticket, action: str, at: dt.datetime) -> None:
    rows = list(Deadline.objects.filter(ticket=ticket).select_related("policy"))
    running = (Deadline.State.PENDING, Deadline.State.BREACHED)
    if action == "request_confirmation":
        _pause(ticket, rows, at)
    elif any(row.paused_at for row in rows):
        _resume(ticket, rows, at)  # before anything is judged met or late against the due time
    for row in rows:
        if action in ENDS and row.state in running:
            # Nothing is owed any more: a running clock stops, a breach stays on record and
            # climbs the chain no further.
            if row.state == Deadline.State.PENDING:
                row.state = Deadline.State.CANCELLED
            row.next_escalation_at = None
            row.save(update_fields=["state", "next_escalation_at"])
            continue
        elif action == "reopen" and row.start == Target.Start.RESOLVED and row.state in running:
            row.state, row.next_escalation_at = Deadline.State.CANCELLED, None  # due again later
            row.save(update_fields=["state", "next_escalation_at"])
            continue
        elif row.code == MEETS.get(action) and row.state in running:
            _fulfil(row, at)
        elif action == "resolve" and row.state in running and row.start != Target.Start.RESOLVED:
            # Resolved without the step this clock waited for (the center answered it without
            # a department): nothing is owed any more, a breach on record stays one.
            if row.state == Deadline.State.PENDING:
                row.state = Deadline.State.CANCELLED
            row.next_escalation_at = None
            row.save(update_fields=["state", "next_escalation_at"])
            continue
        else:
            continue
        row.save(update_fields=["state", "met_at"])
    if action == "reopen":
        _restart_rework(ticket, rows, at)
    if action not in STARTS:
        return
    policy = rows[0].policy if rows else _ticket_policy(ticket)
    if policy is None:
        return
    known = {row.code: row for row in rows}  # a second dispatch (transfer) keeps the first clock
    new = _open_targets(ticket, policy, STARTS[action], at, _calendar(policy))
    for row in new:
        # Counted from each resolution: a callback owed again after rework starts again.
        if row.code in known and row.start == Target.Start.RESOLVED:
            _restart(known[row.code], row.due_at, row.warn_at, at)
    Deadline.objects.bulk_create([row for row in new if row.code not in known])


def _restart(row: Deadline, due: dt.datetime, warn: dt.datetime, at: dt.datetime) -> None:
    """Run ``row``'s clock again from ``at`` (its earlier result is on the timeline)."""
    row.started_at, row.due_at, row.warn_at, row.state = at, due, warn, Deadline.State.PENDING
    row.met_at = row.warned_at = row.breached_at = row.next_escalation_at = row.paused_at = None
    row.escalation_level, row.paused_for = 0, dt.timedelta()
    row.save()


def _restart_rework(ticket, rows: list[Deadline], at: dt.datetime) -> None:
    """Reopened (the customer is not satisfied): the department owes a new result, in the
    result target's time again, counted from now."""
    row = next((r for r in rows if r.code == RESULT), None)
    if row is None:
        return
    target = next((t for t in row.policy.targets.all() if t.code == RESULT), None)
    if target is None:
        return
    due = _due(target, at, _calendar(row.policy))
    previous = Deadline.State(row.state).label
    _restart(row, due, at + (due - at) * row.policy.warn_percent / 100, at)
    record_event(
        ticket,
        actor=None,
        kind=TicketEvent.Kind.SLA,
        action="restarted",
        note=said(
            gettext_noop("重新处理:%(name)s 重新计时(上次:%(previous)s),期限 %(due)s"),
            labels={"name": row.name},
            previous=previous,
            due=timezone.localtime(due).strftime("%m-%d %H:%M"),
        ),
        data={"target": row.code},
    )


def _pause(ticket, rows: list[Deadline], at: dt.datetime) -> None:
    paused = [
        row
        for row in rows
        if row.state == Deadline.State.PENDING
        and row.policy.pause_for_customer
        and row.start != Target.Start.RESOLVED
    ]
    for row in paused:
        row.paused_at = at
        row.save(update_fields=["paused_at"])
    if paused:
        record_event(
            ticket,
            actor=None,
            kind=TicketEvent.Kind.SLA,
            action="paused",
            note=said(
                gettext_noop("等待客户确认,%(names)s 暂停计时"),
                names="、".join(row.name for row in paused),
            ),
            data={"targets": [row.code for row in paused]},
        )


def _extend(due: dt.datetime, span: dt.timedelta, clock: str, calendar) -> dt.datetime:
    """``due`` moved on by ``span`` on the target's clock."""
    if clock in (Target.Clock.BUSINESS_MINUTES, Target.Clock.WORKING_DAYS):
        return calendar.add_business_time(due, span)
    return due + span


def _resume(ticket, rows: list[Deadline], at: dt.datetime) -> None:
    """The clocks run again; each due time moves on by the pause, on the target's own clock
    (business time for business-time and working-day targets, wall time for the others)."""
    moved = []
    for row in rows:
        if row.paused_at is None:
            continue
        calendar = _calendar(row.policy)
        clock = next(
            (t.clock for t in row.policy.targets.all() if t.code == row.code),
            Target.Clock.MINUTES,
        )
        if clock in (Target.Clock.BUSINESS_MINUTES, Target.Clock.WORKING_DAYS):
            stood = calendar.business_time_between(row.paused_at, at)
        else:
            stood = at - row.paused_at
        due = _extend(row.due_at, stood, clock, calendar)
        row.warn_at = row.started_at + (due - row.started_at) * row.policy.warn_percent / 100
        row.due_at, row.paused_at, row.paused_for = due, None, row.paused_for + stood
        row.save(update_fields=["due_at", "warn_at", "paused_at", "paused_for"])
        moved.append(row)
    if moved:
        record_event(
            ticket,
            actor=None,
            kind=TicketEvent.Kind.SLA,
            action="resumed",
            note="；".join(
                _("%(name)s 恢复计时,期限顺延至 %(due)s")
                % {"name": row.name, "due": timezone.localtime(row.due_at).strftime("%m-%d %H:%M")}
                for row in moved
            ),
            data={"targets": [row.code for row in moved]},
        )


def replan(ticket, at: dt.datetime) -> int:
    """The ticket's severity or complaint class changed: its running clocks move to the policy
    that applies now, counted from their original starts.

    A running target the new policy lacks is cancelled; one it adds starts from intake (or
    resolution) if that has happened. A breached target whose new due time is still ahead runs
    again (its breach stays on the timeline); fulfilled targets keep their record. Returns the
    number of rows changed or added. Call it inside the transaction that made the change.
    """
    policy = _ticket_policy(ticket)
    rows = list(Deadline.objects.filter(ticket=ticket))
    running = (Deadline.State.PENDING, Deadline.State.BREACHED)
    if policy is None:
        stopped = [row for row in rows if row.state == Deadline.State.PENDING]
        for row in stopped:
            row.state = Deadline.State.CANCELLED
            row.save(update_fields=["state"])
        keep_due(ticket, rows)
        return len(stopped)
    calendar = _calendar(policy)
    targets = {target.code: target for target in policy.targets.all()}
    changed = 0
    for row in rows:
        if row.state not in running:
            continue
        target = targets.get(row.code)
        if target is None:
            if row.state == Deadline.State.PENDING:
                row.state = Deadline.State.CANCELLED
                row.save(update_fields=["state"])
                changed += 1
            continue
        # From the original start, plus the time pauses already gave it.
        due = _extend(
            _due(target, row.started_at, calendar), row.paused_for, target.clock, calendar
        )
        row.policy, row.name, row.due_at = policy, target.name, due
        row.warn_at = row.started_at + (due - row.started_at) * policy.warn_percent / 100
        if row.warn_at > at:
            row.warned_at = None  # warn again before the new due time
        if row.state == Deadline.State.BREACHED and due > at:
            row.state, row.breached_at = Deadline.State.PENDING, None
            row.escalation_level, row.next_escalation_at = 0, None
        row.save(
            update_fields=[
                "policy",
                "name",
                "due_at",
                "warn_at",
                "warned_at",
                "state",
                "breached_at",
                "escalation_level",
                "next_escalation_at",
            ]
        )
        changed += 1
    known = {row.code for row in rows}
    new = _open_targets(ticket, policy, Target.Start.RECEIVED, ticket.received_at, calendar)
    if ticket.resolved_at is not None:
        new += _open_targets(ticket, policy, Target.Start.RESOLVED, ticket.resolved_at, calendar)
    added = Deadline.objects.bulk_create([row for row in new if row.code not in known])
    keep_due(ticket, rows + added)
    return changed + len(added)


PROMISE_POLICY = "承诺答复时限"


def _promise_policy() -> Policy:
    policy, _created = Policy.objects.get_or_create(
        name=PROMISE_POLICY, ticket_type=None, defaults={"is_active": False}
    )
    return policy


def start_promise(ticket, *, code: str, name: str, due: dt.datetime, at: dt.datetime) -> Deadline:
    """A time the agent promised the customer (an answer by 15:00), run as one more time limit
    of the ticket: warned at the ticket policy's share of the time, breached and escalated as
    its other deadlines. A ticket no policy covers (an inquiry) runs it under the center's
    promise policy (``PROMISE_POLICY``: never chosen for a ticket, it holds the warning share
    and the escalation pace an administrator may change)."""
    policy = _ticket_policy(ticket) or _promise_policy()
    warn = at + (due - at) * policy.warn_percent / 100
    row = Deadline.objects.create(
        ticket=ticket,
        branch_id=ticket.branch_id,
        ticket_type_id=ticket.type_id,
        policy=policy,
        code=code,
        name=name[:60],
        start=Target.Start.RECEIVED,
        started_at=at,
        due_at=due,
        warn_at=warn,
    )
    keep_due(ticket)
    return row


def fulfil_target(ticket, code: str, at: dt.datetime) -> int:
    """Record the ticket's running ``code`` clock as done at ``at`` (met or late), e.g. a
    callback that reached an unsatisfied customer."""
    rows = list(
        Deadline.objects.filter(
            ticket=ticket, code=code, state__in=(Deadline.State.PENDING, Deadline.State.BREACHED)
        )
    )
    for row in rows:
        _fulfil(row, at)
        row.next_escalation_at = None
        row.save(update_fields=["state", "met_at", "next_escalation_at"])
    if rows:
        keep_due(ticket)
    return len(rows)


def stop_target(ticket, code: str) -> int:
    """Stop the ticket's running ``code`` clock (e.g. no callback is due after all): it is
    cancelled and climbs no escalation chain. Returns the number of rows stopped."""
    stopped = Deadline.objects.filter(
        ticket=ticket, code=code, state__in=(Deadline.State.PENDING, Deadline.State.BREACHED)
    ).update(state=Deadline.State.CANCELLED, next_escalation_at=None)
    if stopped:
        keep_due(ticket)
    return stopped


SWEEP_BATCH = 500


def sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """Warn about deadlines near their end and mark the passed ones breached, once each.

    Rows are claimed a batch at a time — locked with SKIP LOCKED on PostgreSQL (SQLite has
    one writer at a time) and updated in one statement — so two sweeps never report one
    twice; a batch's timeline rows, live pushes, notifications and webhooks are written in the
    same transaction, in a fixed number of statements. Reads only the running rows (indexed by
    state and time), whatever the number of closed tickets. Returns (warned, breached).
    """
    now = now or timezone.now()
    warned = _sweep(
        now,
        "warning",
        Q(
            state=Deadline.State.PENDING,
            warned_at__isnull=True,
            warn_at__lte=now,
            due_at__gt=now,
            paused_at__isnull=True,
        ),
        {"warned_at": now},
    )
    breached = _sweep(
        now,
        "breach",
        Q(state=Deadline.State.PENDING, due_at__lte=now, paused_at__isnull=True),
        {"state": Deadline.State.BREACHED, "breached_at": now},
    )
    return warned, breached


def _sweep(now: dt.datetime, what: str, condition: Q, changes: dict) -> int:
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(condition)
                .select_related("ticket__assignee", "policy")
                .order_by("due_at", "id")[:SWEEP_BATCH]
            )
            if not rows:
                return done
            Deadline.objects.filter(pk__in=[row.pk for row in rows]).update(**changes)
            if what == "breach":
                escalation.start_chains(rows, now)
            _tell(rows, what, now)
        done += len(rows)
        if len(rows) < SWEEP_BATCH:
            return done


def _tell(rows: list[Deadline], what: str, now: dt.datetime) -> None:
    message = (
        _("%(name)s 即将超时(期限 %(due)s)")
        if what == "warning"
        else _("%(name)s 已超时(期限 %(due)s)")
    )
    events = []
    for row in rows:
        ticket = row.ticket
        due = timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M")
        note = message % {"name": row.name, "due": due}
        events.append(
            TicketEvent(
                ticket=ticket,
                at=now,
                kind=TicketEvent.Kind.SLA,
                action=what,
                note=note,
                data={"target": row.code},
            )
        )
        groups = [AGENTS_GROUP]
        if ticket.department_id:
            groups.append(department_group(ticket.department_id))
        if ticket.assignee_id:
            groups.append(user_group(ticket.assignee_id))
        payload = {"type": f"sla.{what}", "serial": ticket.serial, "target": row.code, "note": note}
        publish_on_commit(groups, payload)
    TicketEvent.objects.bulk_create(events)
    escalation.tell_many(rows, what)
