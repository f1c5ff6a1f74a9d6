"""The "five tables" (五表) of a month, as the center's management reads them:

1. 席位表 — seats per half-hour slot (on the phones and to schedule, the month's average and
   peak) and the daily average of seat-hours, from the seat plan;
2. 预测话务量与可承接量 — per day, the calls forecast against the calls the rostered agents can
   take (their seats after shrinkage, at the maximum occupancy and the handling time);
3. 上月实际话务量与人员 — per day of the month before, the calls that came (those the blacklist
   rejected left out, as on the floor), were answered and were given up, the agents who were
   on the phones (any state but 离线) and their hours, calls answered per agent;
4. 实际与预测话务量 — per past day of the month, the calls forecast one day ahead against those
   that came, and the error;
5. 实际与预测人均话务量 — per agent over the month's past days, the calls their rostered shifts
   were expected to take (each slot's forecast shared among the agents rostered in it) against
   the calls they answered.

The seat plan and the forecast are those of kefu.telephony (planning, forecast); the roster is
the published one. Floor watchers (team leads, supervisors, quality, management, admins).
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import math
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.services import display_name
from kefu.core.calendar import parse_month, previous_month, start_of_day
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import workbook
from kefu.telephony import erlang, forecast, planning
from kefu.telephony.floor import require_floor_watcher
from kefu.telephony.models import AgentSpan, AgentState, CallRecord
from kefu.workforce.models import Roster, RosterShift
from kefu.workforce.services import approved_days

SLOTS = forecast.SLOTS_PER_DAY
SLOT = dt.timedelta(minutes=forecast.SLOT_MINUTES)
MONTHS_BACK = 24
MONTHS_AHEAD = 2


def month_asked(text: str | None) -> dt.date:
    """'YYYY-MM' (empty: this month) → its first day; from two years back to two months
    ahead. ServiceError(INVALID, field month) with words otherwise."""
    this = timezone.localdate().replace(day=1)
    if not text:
        return this
    first = parse_month(text)
    months = (first.year - this.year) * 12 + first.month - this.month
    if not -MONTHS_BACK <= months <= MONTHS_AHEAD:
        raise ServiceError(
            Code.INVALID,
            _("只能查看前 %(back)d 个月到后 %(ahead)d 个月")
            % {"back": MONTHS_BACK, "ahead": MONTHS_AHEAD},
            field="month",
        )
    return first


def _month_days(first: dt.date) -> list[dt.date]:
    length = month_calendar.monthrange(first.year, first.month)[1]
    return [first + dt.timedelta(days=n) for n in range(length)]


@dataclass(frozen=True)
class SlotSeats:
    start: str
    seats: float  # on the phones, the month's average
    scheduled: float  # to schedule, the month's average
    peak: int  # to schedule, the month's highest


@dataclass(frozen=True)
class DayCapacity:
    date: dt.date
    forecast: float
    rostered_hours: float
    capacity: float  # calls the rostered agents can take

    @property
    def ratio(self) -> float | None:
        return self.capacity / self.forecast if self.forecast else None


@dataclass(frozen=True)
class DayActual:
    date: dt.date
    calls: int
    answered: int
    abandoned: int
    agents: int
    hours: float

    @property
    def per_agent(self) -> float | None:
        return self.answered / self.agents if self.agents else None


@dataclass(frozen=True)
class DayAccuracy:
    date: dt.date
    forecast: float
    actual: int
    error: float | None  # |forecast - actual| / actual


@dataclass(frozen=True)
class AgentLoad:
    user_id: int
    name: str
    rostered_hours: float
    expected: float
    answered: int

    @property
    def ratio(self) -> float | None:
        return self.answered / self.expected if self.expected else None


@dataclass(frozen=True)
class FiveTables:
    month: dt.date
    previous: dt.date
    aht_seconds: float
    seats: list[SlotSeats]
    daily_seat_hours: float
    capacity: list[DayCapacity]
    actual: list[DayActual]
    accuracy: list[DayAccuracy]
    agents: list[AgentLoad]


def _slots_of(shift: RosterShift, start: dt.datetime, total: int) -> range:
    """The slots (from ``start``, at most ``total``) the shift covers."""
    first = max(0, math.floor((shift.starts_at - start) / SLOT))
    return range(first, min(total, math.ceil((shift.ends_at - start) / SLOT)))


def _rostered(days: list[dt.date]) -> tuple[dict[int, list[int]], list[RosterShift]]:
    """Agents rostered per slot of the period (slot 0 is the first day's 00:00), from the
    published shifts, and those shifts."""
    start = start_of_day(days[0])
    end = start_of_day(days[-1] + dt.timedelta(days=1))
    counts: dict[int, list[int]] = {}
    shifts = list(
        RosterShift.objects.filter(
            roster__status=Roster.Status.PUBLISHED, starts_at__lt=end, ends_at__gt=start
        ).select_related("user__staff")
    )
    # A shift on a day of approved leave (approved after publishing) is not worked.
    away = approved_days({s.user_id for s in shifts}, days[0] - dt.timedelta(days=1), days[-1])
    shifts = [s for s in shifts if s.day not in away.get(s.user_id, ())]
    total = len(days) * SLOTS
    per_slot = [0] * total
    for shift in shifts:
        for t in _slots_of(shift, start, total):
            per_slot[t] += 1
    for index, day in enumerate(days):
        counts[day.toordinal()] = per_slot[index * SLOTS : (index + 1) * SLOTS]
    return counts, shifts


def _actuals(first: dt.date) -> list[DayActual]:
    days = _month_days(first)
    start, end = start_of_day(days[0]), start_of_day(days[-1] + dt.timedelta(days=1))
    zone = timezone.get_current_timezone()
    calls: dict[dt.date, dict[str, int]] = {
        row["day"]: {"n": row["n"], "answered": row["answered"], "ended": row["ended"]}
        for row in CallRecord.objects.filter(
            direction=CallRecord.Direction.IN, started_at__gte=start, started_at__lt=end
        )
        .exclude(screening=CallRecord.Screening.REJECTED)  # as the floor counts them
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(
            n=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            ended=Count("id", filter=Q(answered_at__isnull=True, state=CallRecord.State.ENDED)),
        )
        .order_by()
    }
    agents: dict[dt.date, set[int]] = {}
    hours: dict[dt.date, float] = {}
    now = timezone.now()
    for span in AgentSpan.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start), started_at__lt=end
    ).exclude(state=AgentState.State.OFFLINE):
        began, ended = max(span.started_at, start), min(span.ended_at or now, end)
        while began < ended:
            day = timezone.localdate(began)
            midnight = start_of_day(day + dt.timedelta(days=1))
            part = min(ended, midnight)
            agents.setdefault(day, set()).add(span.user_id)
            hours[day] = hours.get(day, 0.0) + (part - began).total_seconds() / 3600
            began = part
    return [
        DayActual(
            date=day,
            calls=calls.get(day, {}).get("n", 0),
            answered=calls.get(day, {}).get("answered", 0),
            abandoned=calls.get(day, {}).get("ended", 0),
            agents=len(agents.get(day, ())),
            hours=round(hours.get(day, 0.0), 2),
        )
        for day in days
    ]


def _accuracy(first: dt.date, days: list[dt.date]) -> list[DayAccuracy]:
    """One-day-ahead forecasts of the month's days before today, against what came."""
    until = min(days[-1] + dt.timedelta(days=1), timezone.localdate())
    if until <= first:
        return []
    weeks = math.ceil((until - first).days / 7)
    check = forecast.backtest("calls", weeks=weeks, as_of=until)
    return [
        DayAccuracy(
            date=row.date, forecast=row.forecast, actual=row.actual, error=row.forecast_error
        )
        for row in check.days
        if row.date >= first
    ]


def five_tables(actor, first: dt.date) -> FiveTables:
    require_floor_watcher(actor)
    days = _month_days(first)
    plans = planning.plan_days(actor, first, len(days))
    aht = plans[0].aht_seconds
    seats = [
        SlotSeats(
            start=forecast.slot_start(s),
            seats=round(sum(p.slots[s].seats for p in plans) / len(plans), 2),
            scheduled=round(sum(p.slots[s].scheduled for p in plans) / len(plans), 2),
            peak=max(p.slots[s].scheduled for p in plans),
        )
        for s in range(SLOTS)
    ]
    rostered, shifts = _rostered(days)
    per_seat = (1 - erlang.SHRINKAGE) * erlang.MAX_OCCUPANCY * SLOT.total_seconds() / aht
    capacity = [
        DayCapacity(
            date=p.date,
            forecast=round(p.calls, 1),
            rostered_hours=sum(rostered[p.date.toordinal()]) / 2,
            capacity=round(sum(rostered[p.date.toordinal()]) * per_seat, 1),
        )
        for p in plans
    ]
    previous = previous_month(first)
    return FiveTables(
        month=first,
        previous=previous,
        aht_seconds=aht,
        seats=seats,
        daily_seat_hours=round(sum(p.seat_hours for p in plans) / len(plans), 1),
        capacity=capacity,
        actual=_actuals(previous),
        accuracy=_accuracy(first, days),
        agents=_agent_loads(days, plans, rostered, shifts),
    )


def _agent_loads(days, plans, rostered, shifts) -> list[AgentLoad]:
    """Each agent's share of the forecast calls in the slots of their shifts (shared among the
    agents rostered in each slot) against the calls they answered, over the past days."""
    today = timezone.localdate()
    past = [d for d in days if d < today]
    if not past:
        return []
    start = start_of_day(days[0])
    forecast_slots = [c for p in plans for c in p.day.slots]
    per_slot = [n for d in days for n in rostered[d.toordinal()]]
    expected: dict[int, float] = {}
    minutes: dict[int, int] = {}
    names: dict[int, str] = {}
    end_past = (past[-1] - days[0]).days * SLOTS + SLOTS
    for shift in shifts:
        if shift.day >= today or shift.day < days[0]:
            continue
        slots = _slots_of(shift, start, end_past)
        share = sum(forecast_slots[t] / per_slot[t] for t in slots if per_slot[t])
        expected[shift.user_id] = expected.get(shift.user_id, 0.0) + share
        minutes[shift.user_id] = minutes.get(shift.user_id, 0) + len(slots) * 30
        names[shift.user_id] = display_name(shift.user)
    answered = dict(
        CallRecord.objects.filter(
            direction=CallRecord.Direction.IN,
            agent__isnull=False,
            answered_at__gte=start,
            answered_at__lt=start_of_day(past[-1] + dt.timedelta(days=1)),
        )
        .values("agent")
        .annotate(n=Count("id"))
        .values_list("agent", "n")
    )
    missing = set(answered) - set(names)
    for user in get_user_model().objects.filter(pk__in=missing).select_related("staff"):
        names[user.pk] = display_name(user)
    return sorted(
        (
            AgentLoad(
                user_id=user_id,
                name=name,
                rostered_hours=minutes.get(user_id, 0) / 60,
                expected=round(expected.get(user_id, 0.0), 1),
                answered=answered.get(user_id, 0),
            )
            for user_id, name in names.items()
        ),
        key=lambda a: (-a.answered, a.name),
    )


def tables_workbook(t: FiveTables) -> bytes:
    def pct(value: float | None) -> float | str:
        return round(value, 3) if value is not None else ""

    return workbook(
        [
            (
                _("席位表"),
                [_("时段"), _("在线席位(月均)"), _("排班人数(月均)"), _("排班人数(最高)")],
                [[s.start, s.seats, s.scheduled, s.peak] for s in t.seats]
                + [[_("日均排班人·小时"), "", t.daily_seat_hours, ""]],
            ),
            (
                _("预测与可承接"),
                [_("日期"), _("预测来电"), _("排班人·小时"), _("可承接来电"), _("可承接/预测")],
                [
                    [d.date.isoformat(), d.forecast, d.rostered_hours, d.capacity, pct(d.ratio)]
                    for d in t.capacity
                ],
            ),
            (
                _("上月实际与人员"),
                [
                    _("日期"),
                    _("来电"),
                    _("接通"),
                    _("放弃"),
                    _("在线坐席"),
                    _("在线小时"),
                    _("人均接通"),
                ],
                [
                    [
                        d.date.isoformat(),
                        d.calls,
                        d.answered,
                        d.abandoned,
                        d.agents,
                        d.hours,
                        pct(d.per_agent),
                    ]
                    for d in t.actual
                ],
            ),
            (
                _("实际与预测"),
                [_("日期"), _("预测来电"), _("实际来电"), _("误差")],
                [
                    [d.date.isoformat(), round(d.forecast, 1), d.actual, pct(d.error)]
                    for d in t.accuracy
                ],
            ),
            (
                _("人均实际与预测"),
                [_("坐席"), _("排班小时"), _("预计接听"), _("实际接通"), _("实际/预计")],
                [
                    [a.name, a.rostered_hours, a.expected, a.answered, pct(a.ratio)]
                    for a in t.agents
                ],
            ),
        ]
    )
