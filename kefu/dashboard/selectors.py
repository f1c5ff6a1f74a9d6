"""Reads for the wall screen (大屏): the active notices and the floor's figures right now —
the telephone floor, tickets, time limits, work orders, phone calls owed, today's dispatch
SMS latency.

Tickets and work orders are those the viewer may see (a branch's team lead sees the
branch); notices are public and shown to everyone. The number of queries does not grow with
the data: one per block, each an aggregate with ``Count(..., filter=Q(...))``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kefu.accounts import org
from kefu.accounts.models import ServiceArea
from kefu.accounts.scope import scope_of
from kefu.core import charts
from kefu.core.calendar import start_of_day
from kefu.dispatch import models as dispatch_models
from kefu.dispatch.access import visible_orders
from kefu.dispatch.latency import today_summary
from kefu.dispatch.models import CallTask
from kefu.dispatch.sending import OPEN_CALLS
from kefu.notices.models import Notice, NoticeUpdate
from kefu.sla.models import Deadline
from kefu.telephony.floor import Floor, get_floor
from kefu.telephony.ladder import active_steps
from kefu.telephony.models import LadderStep
from kefu.tickets.access import visible_tickets
from kefu.tickets.models import OPEN_STATUSES as TICKET_OPEN
from kefu.tickets.models import Priority

OrderStatus = dispatch_models.Status
# An order is overdue when its due time passed before it was completed, closed or cancelled.
ORDER_NOT_DONE = (OrderStatus.PENDING, *dispatch_models.FIELD_STATUSES, OrderStatus.RETURNED)


def can_see_wall(actor) -> bool:
    """Center staff (agents, team leads, supervisors, the general manager, quality, admin)
    see the wall; department and field staff do not."""
    scope = scope_of(actor)
    return not scope.nothing and scope.is_center


@dataclass(frozen=True)
class TicketFigures:
    open: int
    received_today: int
    breached_open: int  # open tickets with a time limit the sweep marked breached
    urgent_open: int


@dataclass(frozen=True)
class OrderFigures:
    pending: int
    dispatched: int
    accepted: int
    en_route: int
    on_site: int
    completed: int  # done in the field, waiting for the center's 销账
    returned: int
    overdue: int
    calls_open: int  # phone calls owed because a dispatch SMS did not go out

    @property
    def in_field(self) -> int:
        return self.dispatched + self.accepted + self.en_route + self.on_site


@dataclass(frozen=True)
class LatencyFigures:
    """Today's dispatch SMS: from confirming the order to the SMS leaving the gateway."""

    count: int
    within_3min: int
    within_3min_pct: float | None
    median_seconds: float | None
    p95_seconds: float | None


@dataclass(frozen=True)
class Phones:
    """The telephone floor as the wall shows it: kefu.telephony.floor's figures and the
    emergency-staffing steps in force."""

    floor: Floor
    steps: list[LadderStep]


def get_phones(actor, *, now: dt.datetime | None = None) -> Phones:
    return Phones(floor=get_floor(actor, now=now), steps=active_steps())


@dataclass(frozen=True)
class Wall:
    at: dt.datetime
    scope_label: str
    notices: list[Notice]
    tickets: TicketFigures
    orders: OrderFigures
    latency: LatencyFigures
    phones: Phones
    intake_chart: SafeString


def list_active_notices() -> list[Notice]:
    """Published notices, soonest start first, each with ``update_count``, ``latest_update``
    (the text of its newest progress line, or None) and its areas by name. Two queries."""
    updates = NoticeUpdate.objects.filter(notice=OuterRef("pk")).order_by("-at", "-id")
    return list(
        Notice.objects.filter(state=Notice.State.PUBLISHED)
        .annotate(
            update_count=Count("updates"),
            latest_update=Subquery(updates.values("text")[:1]),
        )
        .prefetch_related(Prefetch("areas", queryset=ServiceArea.objects.order_by("name")))
        .order_by("starts_at", "id")
    )


def count_tickets(actor, *, now: dt.datetime) -> TicketFigures:
    """One query over the open tickets and today's, as ``actor`` may see them."""
    today = start_of_day(now)
    is_open = Q(status__in=TICKET_OPEN)
    breached = Exists(Deadline.objects.filter(ticket=OuterRef("pk"), state=Deadline.State.BREACHED))
    # Only open and today's rows can count: the OR keeps the scan on the indexed few
    # instead of the whole history.
    row = (
        visible_tickets(actor)
        .filter(is_open | Q(received_at__gte=today))
        .aggregate(
            open=Count("pk", filter=is_open),
            received_today=Count("pk", filter=Q(received_at__gte=today)),
            breached_open=Count("pk", filter=is_open & Q(breached)),
            urgent_open=Count("pk", filter=is_open & Q(priority=Priority.URGENT)),
        )
    )
    return TicketFigures(**row)


def chart_intake_today(actor, *, now: dt.datetime) -> SafeString:
    """Today's intake per hour of the center's day so far, as ``actor`` may see it (the same
    tickets as the 今日受理 tile): one grouped query, drawn as bars."""
    local = timezone.localtime(now)
    rows = (
        visible_tickets(actor)
        .filter(received_at__gte=start_of_day(now), received_at__lte=now)
        .annotate(hour=ExtractHour("received_at", tzinfo=timezone.get_default_timezone()))
        .values("hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_hour = {row["hour"]: row["n"] for row in rows}
    hours = range(local.hour + 1)
    series = [charts.Series(_("今日受理"), [per_hour.get(h, 0) for h in hours])]
    labels = [f"{h:02d}" for h in hours]
    return charts.bars(_("今日受理·按时段"), labels, series, whole=True, size=(900, 180))


def count_orders(actor, *, now: dt.datetime) -> OrderFigures:
    """One query over the open work orders ``actor`` may see, one over the open call tasks."""
    by_status = {
        status.value: Count("pk", filter=Q(status=status))
        for status in (
            OrderStatus.PENDING,
            OrderStatus.DISPATCHED,
            OrderStatus.ACCEPTED,
            OrderStatus.EN_ROUTE,
            OrderStatus.ON_SITE,
            OrderStatus.COMPLETED,
            OrderStatus.RETURNED,
        )
    }
    row = (
        visible_orders(actor)
        .filter(status__in=dispatch_models.OPEN_STATUSES)
        .aggregate(
            **by_status,
            overdue=Count("pk", filter=Q(status__in=ORDER_NOT_DONE, due_at__lt=now)),
        )
    )
    calls_open = CallTask.objects.filter(
        state__in=OPEN_CALLS, order__in=visible_orders(actor)
    ).count()
    return OrderFigures(**row, calls_open=calls_open)


def summarize_latency(actor, *, now: dt.datetime) -> LatencyFigures:
    """kefu.dispatch.latency's summary of the orders dispatched today that ``actor`` may see."""
    summary = today_summary(visible_orders(actor), now=now)
    return LatencyFigures(
        count=summary["count"],
        within_3min=summary["within"],
        within_3min_pct=summary["within_pct"],
        median_seconds=summary.get("median_seconds"),
        p95_seconds=summary.get("p95_seconds"),
    )


def scope_label(actor) -> str:
    """The part of the center the figures cover: the whole center, or a branch's name."""
    scope = scope_of(actor)
    if scope.branch_id is None:
        return _("全中心")
    return org.branch(scope.branch_id).name


def get_wall(actor, *, now: dt.datetime | None = None) -> Wall:
    """Everything the wall shows, for a viewer ``can_see_wall`` accepted. Five queries (a branch's
    name is kept per process), plus what ``latency_summary`` runs."""
    now = now or timezone.now()
    return Wall(
        at=now,
        scope_label=scope_label(actor),
        notices=list_active_notices(),
        tickets=count_tickets(actor, now=now),
        intake_chart=chart_intake_today(actor, now=now),
        orders=count_orders(actor, now=now),
        latency=summarize_latency(actor, now=now),
        phones=get_phones(actor, now=now),
    )
