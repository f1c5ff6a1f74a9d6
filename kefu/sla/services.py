"""Choosing a request's time-limit policy and computing its deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
        for policy in Policy.objects.filter(is_active=True)
        .select_related("ticket_type")
        .prefetch_related("targets")
        if (policy.ticket_type_id is None or policy.ticket_type.code == ticket_type)
        and policy.severity in ("", severity)
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
