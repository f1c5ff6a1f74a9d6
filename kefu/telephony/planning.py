"""Seat planning per 30-minute slot (排班需求): the call forecast of a day, the average
handling time of the last weeks, and the seats Erlang C asks for to answer the service level
(KEFU_SERVICE_LEVEL_PERCENT % within KEFU_SERVICE_LEVEL_SECONDS seconds), with the back-test
that says how far the forecast can be trusted. Floor watchers only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import calendar
from kefu.core.calendar import start_of_day
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import one_sheet
from kefu.telephony import erlang, forecast
from kefu.telephony.floor import require_floor_watcher
from kefu.telephony.ladder import average_handling_seconds

AHT_DAYS = 28  # the handling time is averaged over the last four weeks
MAX_DAYS_AHEAD = 62


@dataclass(frozen=True)
class SlotPlan:
    start: str  # "HH:MM"
    calls: float
    seats: int  # on the phones
    scheduled: int  # to schedule, after shrinkage
    service_level: float  # achieved with ``seats``
    occupancy: float


@dataclass(frozen=True)
class DayPlan:
    date: dt.date
    as_of: dt.date
    day: forecast.DayForecast
    aht_seconds: float
    slots: list[SlotPlan]

    @property
    def calls(self) -> float:
        return self.day.total

    @property
    def peak_seats(self) -> int:
        return max((s.seats for s in self.slots), default=0)

    @property
    def seat_hours(self) -> float:
        """Scheduled seat-hours of the day (each slot is half an hour)."""
        return sum(s.scheduled for s in self.slots) / 2


def parse_day(text: str | None) -> dt.date:
    """The day asked for ("YYYY-MM-DD"; empty: tomorrow), from today up to two months ahead.
    Raises ServiceError(INVALID) with a message for people otherwise."""
    today = timezone.localdate()
    if not text:
        return today + dt.timedelta(days=1)
    day = calendar.parse_day(text)
    if not today <= day <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ServiceError(
            Code.INVALID, _("只能计划今天起 %(days)d 天内的日期") % {"days": MAX_DAYS_AHEAD}
        )
    return day


def plan_day(actor, day: dt.date) -> DayPlan:
    """The seats ``day`` needs per slot, from the history before today (or before ``day``
    when that is today). Floor watchers only."""
    [plan] = plan_days(actor, day, 1)
    return plan


def plan_days(actor, first: dt.date, days: int) -> list[DayPlan]:
    """The seats each of ``days`` days from ``first`` needs per slot, from the history
    before today (or before ``first`` when that is today). Floor watchers only."""
    require_floor_watcher(actor)
    as_of = min(first, timezone.localdate())
    made = forecast.explain("calls", first, days, as_of=as_of)
    now = timezone.now()
    aht = average_handling_seconds(now, since=start_of_day(as_of - dt.timedelta(days=AHT_DAYS)))
    return [
        DayPlan(date=d.date, as_of=as_of, day=d, aht_seconds=aht, slots=_slots(d, aht))
        for d in made
    ]


def _slots(made: forecast.DayForecast, aht: float) -> list[SlotPlan]:
    slots = []
    for index, calls in enumerate(made.slots):
        need = erlang.required_seats(
            calls,
            aht_seconds=aht,
            slot_minutes=forecast.SLOT_MINUTES,
            service_level=settings.TELEPHONY_SERVICE_PERCENT / 100,
            target_seconds=settings.TELEPHONY_SERVICE_SECONDS,
        )
        slots.append(
            SlotPlan(
                start=forecast.slot_start(index),
                calls=calls,
                seats=need.seats,
                scheduled=need.scheduled,
                service_level=need.service_level,
                occupancy=need.occupancy,
            )
        )
    return slots


def backtest(actor, weeks: int = 4) -> forecast.Backtest:
    """The forecast's back-test over the last ``weeks`` weeks (floor watchers only)."""
    require_floor_watcher(actor)
    return forecast.backtest("calls", weeks=weeks)


def plan_workbook(plan: DayPlan) -> bytes:
    """The day's plan as an .xlsx sheet, one row per slot."""
    header = [
        _("时段"),
        _("预测来电"),
        _("平均处理时长(秒)"),
        _("在线席位"),
        _("排班人数"),
        _("预计服务水平"),
        _("预计占用率"),
    ]
    rows = [
        [
            s.start,
            round(s.calls, 1),
            round(plan.aht_seconds),
            s.seats,
            s.scheduled,
            round(s.service_level, 3),
            round(s.occupancy, 3),
        ]
        for s in plan.slots
    ]
    rows.append([_("合计"), round(plan.calls, 1), "", "", plan.seat_hours, "", ""])
    return one_sheet(str(plan.date), header, rows)
