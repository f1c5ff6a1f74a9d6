"""The center's working calendar: which days are worked, and deadlines counted on them.

Which days are working days, in this order:

1. a CalendarDay row decides its date: a holiday (法定节假日) or the center's closure is a day
   off, a make-up day (调休上班) is worked;
2. in a year an administrator entered (CalendarYear), every other day follows the week;
3. in a year the ``chinese_calendar`` package knows (2004–2026 in 1.11.0), the package decides;
4. any other year follows the week (Monday–Friday) and is reported in ``unknown_years``, so the
   admin dashboard can ask for its schedule. No computation fails because of the year.

Deadlines (all times aware, in the center's zone):

- ``add_business_time``: counts only minutes inside business hours (default 08:30–17:30, no
  lunch break) on working days; what does not fit carries to the next working day's opening. A
  start outside business hours counts from the next opening. A deadline that falls exactly on
  closing time stays there.
- ``add_working_days``: the event's day does not count; ends at close of business of the N-th
  working day after it (民法典 arts. 201, 203).
- ``add_calendar_days``: ends at 23:59:59 of the N-th day after the event, holidays or not.
- ``business_time_between``: the business time inside a span (how long a paused clock
  stood still, on a business-time target).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

import chinese_calendar
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import refcache
from kefu.core.errors import Code, ServiceError
from kefu.core.models import CalendarDay, CalendarYear
from kefu.core.schemas import FIRST_YEAR, LAST_YEAR, within_years, years_message

logger = logging.getLogger(__name__)

OPENING = dt.time(8, 30)
CLOSING = dt.time(17, 30)
# A calendar with no working day in a year is a data error; never loop forever on one.
MAX_DAYS_SEARCHED = 400


@dataclass
class BusinessHours:
    opening: dt.time = OPENING
    closing: dt.time = CLOSING

    def __post_init__(self) -> None:
        if not self.opening < self.closing:
            raise ValueError("opening must be before closing")


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _read_year(year: int) -> tuple[dict[dt.date, str], bool]:
    """The year's dated rows, and whether an administrator entered its schedule (kept per
    process: kefu.core.refcache; every deadline of every intake reads it)."""
    days = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
    return days, CalendarYear.objects.filter(year=year).exists()


@dataclass
class WorkingCalendar:
    """Reads the calendar tables a year at a time; keep one for a batch of computations."""

    hours: BusinessHours = field(default_factory=BusinessHours)
    unknown_years: set[int] = field(default_factory=set)
    _days: dict[int, dict[dt.date, str]] = field(default_factory=dict, repr=False)
    _entered: dict[int, bool] = field(default_factory=dict, repr=False)

    def _load(self, year: int) -> dict[dt.date, str]:
        if year not in self._days:
            self._days[year], self._entered[year] = refcache.get(
                ("calendar_year", year), lambda: _read_year(year)
            )
        return self._days[year]

    def is_working_day(self, day: dt.date) -> bool:
        kind = self._load(day.year).get(day)
        if kind is not None:
            return kind == "makeup"
        if not self._entered[day.year]:
            try:
                return bool(chinese_calendar.is_workday(day))  # the package is untyped
            except NotImplementedError:
                if day.year not in self.unknown_years:
                    logger.warning("no official schedule for %s: weekends only", day.year)
                    self.unknown_years.add(day.year)
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after ``day``."""
        for _step in range(MAX_DAYS_SEARCHED):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {MAX_DAYS_SEARCHED} days after {day}")

    # ------------------------------------------------------------------------------ deadlines

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())

    def add_business_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """``start`` plus ``duration`` counted inside business hours of working days (nothing
        to add: ``start`` itself, even outside business hours)."""
        if duration <= dt.timedelta():
            return start
        local = timezone.localtime(start)
        day, now = local.date(), local.time().replace(tzinfo=None)
        if not self.is_working_day(day) or now >= self.hours.closing:
            day, now = self.next_working_day(day), self.hours.opening
        now = max(now, self.hours.opening)
        left = duration
        while True:
            cursor = self._at(day, now)
            room = self._at(day, self.hours.closing) - cursor
            if left <= room:
                return cursor + left
            left -= room
            day, now = self.next_working_day(day), self.hours.opening

    def business_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """How much of ``start``–``end`` falls inside business hours of working days."""
        if end <= start:
            return dt.timedelta()
        first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
        total = dt.timedelta()
        day = first
        while day <= last:
            if self.is_working_day(day):
                opening = max(self._at(day, self.hours.opening), start)
                closing = min(self._at(day, self.hours.closing), end)
                if closing > opening:
                    total += closing - opening
            day += dt.timedelta(days=1)
        return total

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Close of business of the ``days``-th working day after ``start``'s day."""
        day = timezone.localtime(start).date()
        for _step in range(days):
            day = self.next_working_day(day)
        return self._at(day, self.hours.closing)

    @staticmethod
    def add_calendar_days(start: dt.datetime, days: int) -> dt.datetime:
        """23:59:59 of the ``days``-th day after ``start``'s day, holidays or not."""
        day = timezone.localtime(start).date() + dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def start_of_day(day: dt.date | dt.datetime) -> dt.datetime:
    """Midnight (aware, in the center's zone) of ``day``, or of an instant's local day."""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date()
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def years_without_schedule(today: dt.date | None = None) -> list[int]:
    """This year and the next, where neither an administrator nor the package gave a schedule.

    The next year is asked for from November on: the State Council publishes it then, and
    December deadlines already reach into it.
    """
    today = today or timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    entered = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    return [y for y in years if y not in entered and not _package_knows(y)]


# ----------------------------------------------------------------------------- month view

WORKDAY = "workday"  # 工作日
RESTDAY = "restday"  # 休息日 (a weekend)
# CalendarDay.Kind: "holiday" 法定节假日, "makeup" 调休上班, "closure" 中心停业
_PACKAGE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    kind: str  # WORKDAY, RESTDAY or a CalendarDay.Kind value
    name: str  # the holiday's name, "" for an ordinary day
    working: bool  # what the deadlines count (WorkingCalendar.is_working_day)
    in_month: bool


def describe_day(calendar: WorkingCalendar, day: dt.date, names: dict[dt.date, str]) -> DayInfo:
    """What ``day`` is, by the same rule the deadlines use; ``names`` holds the CalendarDay
    names of the dates around it."""
    working = calendar.is_working_day(day)
    kind = calendar._load(day.year).get(day)
    name = names.get(day, "")
    if kind is None and not calendar._entered[day.year] and day.year not in calendar.unknown_years:
        _is_holiday, english = chinese_calendar.get_holiday_detail(day)
        name = _PACKAGE_NAMES.get(english, english or "")
        if working and day.weekday() >= 5:
            kind = CalendarDay.Kind.MAKEUP
        elif not working and english:
            kind = CalendarDay.Kind.HOLIDAY
        else:
            name = ""
    if kind is None:
        kind = WORKDAY if working else RESTDAY
    return DayInfo(date=day, kind=str(kind), name=name, working=working, in_month=True)


def month_weeks(
    year: int, month: int, calendar: WorkingCalendar | None = None
) -> list[list[DayInfo]]:
    """The weeks (Monday–Sunday) that cover ``month``, each day described as the deadlines
    count it; days of the neighbouring months have ``in_month`` False."""
    calendar = calendar or WorkingCalendar()
    first = dt.date(year, month, 1)
    start = first - dt.timedelta(days=first.weekday())
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    end = following + dt.timedelta(days=(7 - following.weekday()) % 7)
    names = dict(
        CalendarDay.objects.filter(date__gte=start, date__lt=end).values_list("date", "name")
    )
    weeks: list[list[DayInfo]] = []
    day = start
    while day < end:
        info = describe_day(calendar, day, names)
        if day.month != month:
            info = DayInfo(info.date, info.kind, info.name, info.working, in_month=False)
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append(info)
        day += dt.timedelta(days=1)
    return weeks


# ------------------------------------------------------------------------- days and months


def parse_day(text: str, *, field: str = "date") -> dt.date:
    """``"2026-12-08"`` → the date, in the years inputs may name (kefu.core.schemas). INVALID
    (``field``) with words otherwise."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ServiceError(Code.INVALID, _("日期格式应为 YYYY-MM-DD"), field=field) from None
    if not within_years(day):
        raise ServiceError(Code.INVALID, years_message(), field=field)
    return day


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | dt.date | None) -> dt.date:
    """``"2025-11"`` (or a date) → 2025-11-01. INVALID (field ``month``) otherwise."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    found = _MONTH.match(str(value or "").strip())
    year, number = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= number <= 12):
        raise ServiceError(Code.INVALID, _("月份格式无效,应如 2025-11"), field="month")
    return dt.date(year, number, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)
