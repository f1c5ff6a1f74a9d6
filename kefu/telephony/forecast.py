"""Volume forecast per 30-minute slot (calls offered, or tickets received), and its back-test.

A day has 48 slots of 30 minutes in the center's local time (slot 0 is 00:00–00:30). The
volume counted is the inbound calls the PBX offered (blacklist-rejected calls left out), or
the tickets received (all channels, or one).

The model, for day ``d`` and slot ``s``, from the history before ``as_of`` only::

    forecast(d, s) = level(type) × shape(type)[s] × month start × after holiday × events[s]

- **day type**: a working day (by the working calendar, so a 调休 make-up Saturday is a working
  day and the National Day week is rest) is typed by its weekday (Monday is busier); a rest
  day is "rest". A type with fewer than 3 ordinary days behind it falls back to "working day"
  (or, with no history of the kind at all, to any day).
- **level**: the daily volume of the type: the median of its ordinary days in the last
  4 weeks (at least 3 days, else its 3 most recent ones), so one odd day does not move it.
- **shape**: the type's share of the day in each slot, pooled over its ordinary days of the
  last 8 weeks and smoothed with the neighbouring slots (¼, ½, ¼, round the clock).
- **month start** (days 1–3, the billing peaks): the mean ratio of those days' volume to
  their type's level in the 4 weeks before them, over the last 8 weeks; 1 with no such day,
  never below 1 with fewer than 3.
- **after holiday** (the first working day after 3 or more rest days in a row): the mean
  ratio, learned the same way; 1 with no such day.
- **events**: each active ForecastEvent on the day multiplies its slots (all when none are
  named) by (1 + uplift / 100).

"Ordinary days" leave out month starts, days after a holiday and days with an event, so the
level and the shape are not pulled by them. Nothing else is fitted: every figure of a
forecast can be shown and checked by hand (``explain``).

The baseline (``seasonal_naive``) repeats the same weekday of the week before. The back-test
forecasts each day of the last weeks one day ahead, with only the data before it, and scores
both: MAPE of the daily totals, and MAPE of the slot counts over the slots whose actual count is
not 0 (a slot with no call has no percentage error; those slots are counted, not scored).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, When
from django.db.models.functions import ExtractHour, ExtractMinute, TruncDate
from django.utils import timezone

from kefu.core.calendar import WorkingCalendar, start_of_day
from kefu.telephony.models import CallRecord, ForecastEvent
from kefu.tickets.models import Ticket

Kind = Literal["calls", "tickets"]

SLOT_MINUTES = 30
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
SHAPE_WEEKS = 8  # the slot shape and the learned factors
LEVEL_WEEKS = 4  # the level
HISTORY_DAYS = 7 * (SHAPE_WEEKS + LEVEL_WEEKS)  # read before as_of: a factor's level looks back
MIN_DAYS = 3  # ordinary days a day type needs before it is used on its own
MONTH_START_DAYS = 3
LONG_HOLIDAY_DAYS = 3
SMOOTHING = (0.25, 0.5, 0.25)

DayKey = tuple[Any, ...]


# --------------------------------------------------------------------------------- history


def _source(kind: str, channel: str | None) -> tuple[QuerySet[Any], str]:
    if kind == "calls":
        if channel:
            raise ValueError("a channel applies to tickets only")
        calls = CallRecord.objects.filter(direction=CallRecord.Direction.IN).exclude(
            screening=CallRecord.Screening.REJECTED
        )
        return calls, "started_at"
    if kind == "tickets":
        tickets = Ticket.objects.all()
        if channel:
            tickets = tickets.filter(channel=channel)
        return tickets, "received_at"
    raise ValueError(f"unknown kind {kind!r}: calls or tickets")


def slot_start(index: int) -> str:
    """The start of the day's ``index``-th slot, "HH:MM" ("24:00" for the day's end)."""
    minutes = index * SLOT_MINUTES
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def history(
    kind: Kind | str, start: dt.date, end: dt.date, channel: str | None = None
) -> dict[dt.date, list[int]]:
    """The actual volume of every day from ``start`` up to (not including) ``end``, 48 slot
    counts a day (0 where nothing came), in local time. One query, grouped in the database.
    Raises ValueError for an unknown kind, or a channel given for calls."""
    rows, field = _source(kind, channel)
    zone = timezone.get_current_timezone()
    grouped = (
        rows.filter(**{f"{field}__gte": start_of_day(start), f"{field}__lt": start_of_day(end)})
        .annotate(
            fc_day=TruncDate(field, tzinfo=zone),
            fc_hour=ExtractHour(field, tzinfo=zone),
            fc_minute=ExtractMinute(field, tzinfo=zone),
        )
        .annotate(
            fc_slot=Case(
                When(fc_minute__gte=30, then=F("fc_hour") * 2 + 1),
                default=F("fc_hour") * 2,
                output_field=IntegerField(),
            )
        )
        .values_list("fc_day", "fc_slot")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {day: [0] * SLOTS_PER_DAY for day in _days(start, end)}
    for day, slot, n in grouped:
        if day in counts:
            counts[day][slot] += n
    return counts


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day < end:
        yield day
        day += dt.timedelta(days=1)


def _active_events(start: dt.date, end: dt.date) -> list[ForecastEvent]:
    """Active events touching ``start`` up to (not including) ``end``."""
    return list(
        ForecastEvent.objects.filter(
            Q(is_active=True) & Q(starts_on__lt=end) & Q(ends_on__gte=start)
        ).order_by("starts_on", "id")
    )


# ----------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class DayForecast:
    """One forecast day and the figures it was made of."""

    date: dt.date
    day_type: str  # "周一".."周日" for a working day, "工作日" (fallback), "休息日", "全部"
    level: float
    month_start: float  # 1 unless days 1–3
    after_holiday: float  # 1 unless the first working day after a long holiday
    events: list[str]  # names of the events applied
    slots: list[float]

    @property
    def total(self) -> float:
        return sum(self.slots)


_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _label(key: DayKey) -> str:
    match key:
        case ("work", int(weekday)):
            return _WEEKDAYS[weekday]
        case ("work",):
            return "工作日"
        case ("rest",):
            return "休息日"
    return "全部"


class _Model:
    """The model fitted on ``counts`` before ``as_of`` (see the module's docstring)."""

    def __init__(
        self,
        counts: dict[dt.date, list[int]],
        as_of: dt.date,
        calendar: WorkingCalendar,
        events: list[ForecastEvent],
        working: dict[dt.date, bool],
    ) -> None:
        self.as_of = as_of
        self.calendar = calendar
        self.events = events
        self._working = working
        first = min((d for d, c in counts.items() if d < as_of and any(c)), default=None)
        earliest = as_of - dt.timedelta(days=HISTORY_DAYS)
        self.known: dict[dt.date, list[int]] = (
            {}
            if first is None
            else {d: c for d, c in counts.items() if max(first, earliest) <= d < as_of}
        )
        self.totals = {d: sum(c) for d, c in self.known.items()}
        # Ordinary days per day type, oldest first.
        self.ordinary: dict[DayKey, list[dt.date]] = {}
        for day in sorted(self.known):
            if not self._special(day):
                for key in self._chain(day):
                    self.ordinary.setdefault(key, []).append(day)
        self._levels: dict[tuple[DayKey, dt.date], tuple[DayKey, float] | None] = {}
        self._shapes: dict[DayKey, list[float]] = {}
        self.month_start = self._learn(self._is_month_start, floor=True)
        self.after_holiday = self._learn(self._after_holiday, floor=False)

    # -- days

    def _is_working(self, day: dt.date) -> bool:
        if day not in self._working:
            self._working[day] = self.calendar.is_working_day(day)
        return self._working[day]

    @staticmethod
    def _is_month_start(day: dt.date) -> bool:
        return day.day <= MONTH_START_DAYS

    def _after_holiday(self, day: dt.date) -> bool:
        return self._is_working(day) and not any(
            self._is_working(day - dt.timedelta(days=back))
            for back in range(1, LONG_HOLIDAY_DAYS + 1)
        )

    def _has_event(self, day: dt.date) -> bool:
        return any(e.starts_on <= day <= e.ends_on for e in self.events)

    def _special(self, day: dt.date) -> bool:
        return self._is_month_start(day) or self._after_holiday(day) or self._has_event(day)

    def _chain(self, day: dt.date) -> list[DayKey]:
        """The day's type, then the types it falls back to."""
        if self._is_working(day):
            return [("work", day.weekday()), ("work",), ("all",)]
        return [("rest",), ("all",)]

    # -- level and shape

    def _level(self, day: dt.date, before: dt.date) -> tuple[DayKey, float] | None:
        """The type used for ``day`` and its level from the ordinary days before ``before``."""
        chain = self._chain(day)
        cached = self._levels.get((chain[0], before))
        if cached is not None or (chain[0], before) in self._levels:
            return cached
        found = None
        recent_from = before - dt.timedelta(weeks=LEVEL_WEEKS)
        for key in chain:
            days = [d for d in self.ordinary.get(key, []) if d < before]
            needed = 1 if key == ("all",) else MIN_DAYS
            recent = [d for d in days if d >= recent_from]
            sample = recent if len(recent) >= needed else days[-needed:]
            if len(sample) >= needed:
                found = (key, float(statistics.median(self.totals[d] for d in sample)))
                break
        self._levels[(chain[0], before)] = found
        return found

    def _shape(self, day: dt.date) -> list[float]:
        chain = self._chain(day)
        if chain[0] in self._shapes:
            return self._shapes[chain[0]]
        since = self.as_of - dt.timedelta(weeks=SHAPE_WEEKS)
        pooled = [0.0] * SLOTS_PER_DAY
        for key in chain:
            days = [d for d in self.ordinary.get(key, []) if d >= since]
            if len(days) >= (1 if key == ("all",) else MIN_DAYS):
                for d in days:
                    for slot, n in enumerate(self.known[d]):
                        pooled[slot] += n
                break
        shape = _smooth(pooled)
        self._shapes[chain[0]] = shape
        return shape

    def _learn(self, applies: Any, *, floor: bool) -> float:
        """The mean ratio of the days ``applies`` to to their type's level before them."""
        since = self.as_of - dt.timedelta(weeks=SHAPE_WEEKS)
        ratios = []
        for day in self.known:
            if day < since or not applies(day) or self._has_event(day):
                continue
            if self._is_month_start(day) and self._after_holiday(day):
                continue  # both at once: neither factor can be read from it
            level = self._level(day, before=day)
            if level is not None and level[1] > 0:
                ratios.append(self.totals[day] / level[1])
        if not ratios:
            return 1.0
        mean = statistics.fmean(ratios)
        return max(mean, 1.0) if floor and len(ratios) < MIN_DAYS else mean

    # -- the forecast

    def day(self, day: dt.date) -> DayForecast:
        level = self._level(day, before=self.as_of) if self.known else None
        if level is None:
            return DayForecast(day, _label(self._chain(day)[0]), 0.0, 1.0, 1.0, [], [0.0] * 48)
        key, volume = level
        month = self.month_start if self._is_month_start(day) else 1.0
        after = self.after_holiday if self._after_holiday(day) else 1.0
        factors = [volume * month * after] * SLOTS_PER_DAY
        applied = []
        for event in self.events:
            if event.starts_on <= day <= event.ends_on:
                applied.append(event.name)
                chosen = event.slot_indexes() or range(SLOTS_PER_DAY)
                for slot in chosen:
                    factors[slot] *= 1 + event.uplift_percent / 100
        shape = self._shape(day)
        slots = [f * share for f, share in zip(factors, shape, strict=True)]
        return DayForecast(day, _label(key), volume, month, after, applied, slots)


def _smooth(pooled: list[float]) -> list[float]:
    """Shares per slot, each averaged with its neighbours (round the clock); uniform when
    there is nothing to share."""
    total = sum(pooled)
    if total <= 0:
        return [1 / SLOTS_PER_DAY] * SLOTS_PER_DAY
    left, middle, right = SMOOTHING
    n = len(pooled)
    smoothed = [
        left * pooled[i - 1] + middle * pooled[i] + right * pooled[(i + 1) % n] for i in range(n)
    ]
    return [value / total for value in smoothed]


def _fit(
    kind: str, as_of: dt.date, start: dt.date, end: dt.date, channel: str | None
) -> tuple[dict[dt.date, list[int]], list[ForecastEvent]]:
    """The history the model reads before ``as_of``, and the active events from it up to
    ``end``."""
    earliest = min(start, as_of) - dt.timedelta(days=HISTORY_DAYS)
    counts = history(kind, earliest, as_of, channel)
    return counts, _active_events(earliest, max(end, as_of))


def explain(
    kind: Kind | str,
    start: dt.date,
    days: int,
    *,
    as_of: dt.date | None = None,
    channel: str | None = None,
) -> list[DayForecast]:
    """The forecast of ``days`` days from ``start`` with the figures each was made of, from
    the history before ``as_of`` (default: ``start``). Two queries and the calendar."""
    as_of = as_of or start
    end = start + dt.timedelta(days=days)
    counts, events = _fit(kind, as_of, as_of, end, channel)
    model = _Model(counts, as_of, WorkingCalendar(), events, {})
    return [model.day(day) for day in _days(start, end)]


def forecast(
    kind: Kind | str,
    start: dt.date,
    days: int,
    *,
    as_of: dt.date | None = None,
    channel: str | None = None,
) -> dict[dt.date, list[float]]:
    """48 slot forecasts for each of ``days`` days from ``start``, from the history before
    ``as_of`` (default: ``start``); zeros with no history."""
    return {f.date: f.slots for f in explain(kind, start, days, as_of=as_of, channel=channel)}


def _naive_day(counts: dict[dt.date, list[int]], first: dt.date | None, as_of: dt.date, day):
    back = day - dt.timedelta(days=7)
    while back >= as_of:
        back -= dt.timedelta(days=7)
    if first is None or back < first or back not in counts:
        return [0.0] * SLOTS_PER_DAY
    return [float(n) for n in counts[back]]


def _first_day(counts: dict[dt.date, list[int]], as_of: dt.date) -> dt.date | None:
    return min((d for d, c in counts.items() if d < as_of and any(c)), default=None)


def seasonal_naive(
    kind: Kind | str,
    start: dt.date,
    days: int,
    *,
    as_of: dt.date | None = None,
    channel: str | None = None,
) -> dict[dt.date, list[float]]:
    """The baseline: each day repeats the same weekday one week earlier, or the latest same
    weekday known before ``as_of`` (default: ``start``); zeros with no history."""
    as_of = as_of or start
    counts = history(kind, as_of - dt.timedelta(weeks=SHAPE_WEEKS), as_of, channel)
    first = _first_day(counts, as_of)
    end = start + dt.timedelta(days=days)
    return {day: _naive_day(counts, first, as_of, day) for day in _days(start, end)}


# ------------------------------------------------------------------------------- back-test


@dataclass(frozen=True)
class BacktestDay:
    """One day of the back-test. Errors are fractions (0.08 = 8 %); None where the actual
    volume is 0 (no percentage error)."""

    date: dt.date
    day_type: str
    actual: int
    forecast: float
    baseline: float
    forecast_error: float | None  # |forecast − actual| / actual, daily totals
    baseline_error: float | None
    forecast_slot_mape: float | None  # over the day's slots with calls
    baseline_slot_mape: float | None
    actual_slots: list[int]
    forecast_slots: list[float]
    baseline_slots: list[float]


@dataclass(frozen=True)
class Backtest:
    """The back-test's days and overall figures (fractions; None when nothing could be
    scored). Slot MAPEs are pooled over all scored slots of all days; ``slots_skipped``
    counts the slots left out because their actual count was 0."""

    kind: str
    channel: str | None
    as_of: dt.date
    weeks: int
    days: list[BacktestDay]
    forecast_mape: float | None
    baseline_mape: float | None
    forecast_slot_mape: float | None
    baseline_slot_mape: float | None
    slots_scored: int
    slots_skipped: int
    seconds: float


def _ape(predicted: float, actual: float) -> float:
    return abs(predicted - actual) / actual


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def backtest(
    kind: Kind | str = "calls",
    *,
    weeks: int = 4,
    as_of: dt.date | None = None,
    channel: str | None = None,
) -> Backtest:
    """Forecast each day of the ``weeks`` weeks before ``as_of`` (default: today) with only
    the data before that day (rolling origin, one day ahead), next to the seasonal-naive
    baseline, and score both. Two queries and the calendar, whatever the number of weeks."""
    began = time.perf_counter()
    as_of = as_of or timezone.localdate()
    first_tested = as_of - dt.timedelta(weeks=weeks)
    counts, events = _fit(kind, as_of, first_tested, as_of, channel)
    calendar = WorkingCalendar()
    working: dict[dt.date, bool] = {}  # the calendar's answers, shared by the days
    rows: list[BacktestDay] = []
    scored: dict[str, list[float]] = {"f": [], "b": [], "fs": [], "bs": []}
    skipped = 0
    for day in _days(first_tested, as_of):
        model = _Model(counts, day, calendar, events, working)
        predicted = model.day(day)
        baseline = _naive_day(counts, _first_day(counts, day), day, day)
        actual = counts[day]
        total = sum(actual)
        f_slots = [_ape(p, a) for p, a in zip(predicted.slots, actual, strict=True) if a]
        b_slots = [_ape(p, a) for p, a in zip(baseline, actual, strict=True) if a]
        skipped += actual.count(0)
        scored["fs"] += f_slots
        scored["bs"] += b_slots
        f_error = _ape(predicted.total, total) if total else None
        b_error = _ape(sum(baseline), total) if total else None
        if total:
            scored["f"].append(f_error or 0.0)
            scored["b"].append(b_error or 0.0)
        rows.append(
            BacktestDay(
                date=day,
                day_type=predicted.day_type,
                actual=total,
                forecast=predicted.total,
                baseline=sum(baseline),
                forecast_error=f_error,
                baseline_error=b_error,
                forecast_slot_mape=_mean(f_slots),
                baseline_slot_mape=_mean(b_slots),
                actual_slots=actual,
                forecast_slots=predicted.slots,
                baseline_slots=baseline,
            )
        )
    return Backtest(
        kind=str(kind),
        channel=channel,
        as_of=as_of,
        weeks=weeks,
        days=rows,
        forecast_mape=_mean(scored["f"]),
        baseline_mape=_mean(scored["b"]),
        forecast_slot_mape=_mean(scored["fs"]),
        baseline_slot_mape=_mean(scored["bs"]),
        slots_scored=len(scored["fs"]),
        slots_skipped=skipped,
        seconds=time.perf_counter() - began,
    )
