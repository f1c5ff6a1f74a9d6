"""Choosing a request's time-limit policy and computing its deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.calendar import BusinessHours, WorkingCalendar
from kefu.core.errors import Code, ServiceError
from kefu.sla.models import ComplaintClass, Policy, Severity, Target
from kefu.tickets.models import Channel, TicketType

# The target that says when a ticket must reach its department: the default start of the
# targets counted from dispatch, when the ticket has not been dispatched yet.
TRANSMIT = "transmit"


@dataclass
class Deadline:
    code: str
    name: str
    start: str
    clock: str
    amount: int
    due: dt.datetime


@dataclass
class Preview:
    policy: Policy | None
    deadlines: list[Deadline]
    unknown_years: list[int]  # counted Monday–Friday for want of an official schedule


def choose_policy(
    ticket_type: str, *, severity: str = "", complaint_class: str = "", channel: str = ""
) -> Policy | None:
    """The active policy matching the most of type, severity, class and channel."""
    matching = [
        policy
        for policy in Policy.objects.filter(
            Q(ticket_type__isnull=True) | Q(ticket_type__code=ticket_type), is_active=True
        )
        .select_related("ticket_type")
        .prefetch_related("targets")
        if policy.severity in ("", severity)
        and policy.complaint_class in ("", complaint_class)
        and policy.channel in ("", channel)
    ]
    return max(matching, key=lambda p: (p.specificity, -p.id), default=None)


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
) -> list[Deadline]:
    """Every target of ``policy`` whose start is known, with its due time.

    Targets counted from dispatch start at ``dispatched_at``, or, before dispatch, at the
    latest moment the ticket may reach the department (the ``transmit`` target's due time).
    Targets counted from resolution appear once ``resolved_at`` is given.
    """
    calendar = calendar or WorkingCalendar(hours=BusinessHours(policy.opening, policy.closing))
    targets = list(policy.targets.all())
    starts = {Target.Start.RECEIVED: received_at, Target.Start.RESOLVED: resolved_at}
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
            Deadline(target.code, target.name, target.start, target.clock, target.amount, due)
        )
    return deadlines


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
    )
    if policy is None:
        return Preview(None, [], [])
    calendar = WorkingCalendar(hours=BusinessHours(policy.opening, policy.closing))
    deadlines = compute_deadlines(
        policy,
        received_at=received_at,
        dispatched_at=dispatched_at,
        resolved_at=resolved_at,
        calendar=calendar,
    )
    return Preview(policy, deadlines, sorted(calendar.unknown_years))


# ------------------------------------------------------------------------------ on tickets

# What each ticket action fulfils, and which targets start with it.
MEETS = {"dispatch": "transmit", "start": "react", "resolve": "result", "follow_up": "callback"}
STARTS = {"dispatch": Target.Start.DISPATCHED, "resolve": Target.Start.RESOLVED}
ENDS = {"cancel", "close", "merge"}


def _ticket_policy(ticket) -> Policy | None:
    # Severity and complaint class come with the complaints process; until then a complaint
    # is general.
    return choose_policy(ticket.type.code, severity=Severity.GENERAL, channel=ticket.channel)


def _open_targets(ticket, policy: Policy, start: str, at: dt.datetime, calendar) -> list:
    from kefu.sla.models import Deadline

    rows = []
    for target in policy.targets.all():
        if target.start != start:
            continue
        due = _due(target, at, calendar)
        warn = at + (due - at) * policy.warn_percent / 100
        rows.append(
            Deadline(
                ticket=ticket,
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


def _meet(ticket, code: str, at: dt.datetime) -> None:
    from kefu.sla.models import Deadline

    pending = Deadline.objects.filter(
        ticket=ticket, code=code, state__in=[Deadline.State.PENDING, Deadline.State.BREACHED]
    )
    pending.filter(due_at__gte=at).update(state=Deadline.State.MET, met_at=at)
    pending.filter(due_at__lt=at).update(state=Deadline.State.LATE, met_at=at)


def on_intake(ticket) -> list:
    """The deadlines a new ticket starts with (and those its dispatch at intake starts)."""
    from kefu.sla.models import Deadline

    policy = _ticket_policy(ticket)
    if policy is None:
        return []
    calendar = WorkingCalendar(hours=BusinessHours(policy.opening, policy.closing))
    at = ticket.received_at
    rows = _open_targets(ticket, policy, Target.Start.RECEIVED, at, calendar)
    if ticket.department_id:  # dispatched at intake: the transmit target is met there and then
        rows += _open_targets(ticket, policy, Target.Start.DISPATCHED, ticket.created_at, calendar)
        for row in rows:
            if row.code == MEETS["dispatch"]:
                row.state, row.met_at = Deadline.State.MET, ticket.created_at
    return sorted(Deadline.objects.bulk_create(rows), key=lambda row: row.due_at)  # as stored


def on_transition(ticket, action: str, at: dt.datetime) -> None:
    """Mark what ``action`` fulfils and start the targets it starts."""
    from kefu.sla.models import Deadline

    if action in ENDS:
        Deadline.objects.filter(ticket=ticket, state=Deadline.State.PENDING).update(
            state=Deadline.State.CANCELLED
        )
        return
    if action in MEETS:
        _meet(ticket, MEETS[action], at)
    if action in STARTS:
        existing = Deadline.objects.filter(ticket=ticket).select_related("policy").first()
        policy = existing.policy if existing else _ticket_policy(ticket)
        if policy is None:
            return
        calendar = WorkingCalendar(hours=BusinessHours(policy.opening, policy.closing))
        known = set(Deadline.objects.filter(ticket=ticket).values_list("code", flat=True))
        rows = [
            row
            for row in _open_targets(ticket, policy, STARTS[action], at, calendar)
            if row.code not in known  # a second dispatch (transfer) keeps the first clock
        ]
        Deadline.objects.bulk_create(rows)


def sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """Warn about deadlines near their end and mark the passed ones breached, once each.

    Each row is claimed with a conditional update, so two sweeps never report one twice.
    Returns (warned, breached).
    """
    from kefu.sla.models import Deadline
    from kefu.tickets.models import TicketEvent

    now = now or timezone.now()
    warned = breached = 0
    due_soon = Deadline.objects.filter(
        state=Deadline.State.PENDING, warned_at__isnull=True, warn_at__lte=now, due_at__gt=now
    ).select_related("ticket")
    for row in due_soon[:1000]:
        if Deadline.objects.filter(pk=row.pk, warned_at__isnull=True).update(warned_at=now):
            _tell(row, TicketEvent.Kind.SLA, "warning", now)
            warned += 1
    passed = Deadline.objects.filter(state=Deadline.State.PENDING, due_at__lte=now)
    for row in passed.select_related("ticket")[:1000]:
        claimed = Deadline.objects.filter(pk=row.pk, state=Deadline.State.PENDING).update(
            state=Deadline.State.BREACHED, breached_at=now
        )
        if claimed:
            _tell(row, TicketEvent.Kind.SLA, "breach", now)
            breached += 1
    return warned, breached


def _tell(row, kind: str, what: str, now: dt.datetime) -> None:
    from kefu.core.realtime import AGENTS_GROUP, department_group, publish_on_commit, user_group
    from kefu.tickets.models import TicketEvent

    ticket = row.ticket
    note = (
        _("%(name)s 即将超时(期限 %(due)s)")
        if what == "warning"
        else _("%(name)s 已超时(期限 %(due)s)")
    ) % {"name": row.name, "due": timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M")}
    TicketEvent.objects.create(
        ticket=ticket, at=now, kind=kind, action=what, note=note, data={"target": row.code}
    )
    groups = [AGENTS_GROUP]
    if ticket.department_id:
        groups.append(department_group(ticket.department_id))
    if ticket.assignee_id:
        groups.append(user_group(ticket.assignee_id))
    payload = {"type": f"sla.{what}", "serial": ticket.serial, "target": row.code, "note": note}
    publish_on_commit(groups, payload)
