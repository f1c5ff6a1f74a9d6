"""The volume forecast and its back-test, on a synthetic call history with a known pattern:
a weekday level, a slot shape for working and rest days, +50 % on days 1–3 of the month,
+30 % on the first working day after a long holiday, rest-day volume on the 2026 National Day
holiday (10-01..10-07) and working-day volume on its make-up Saturday (10-10)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from kefu.core.calendar import WorkingCalendar, start_of_day
from kefu.telephony import forecast as fc
from kefu.telephony.models import CallRecord, ForecastEvent
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

FIRST = dt.date(2026, 7, 27)  # a Monday
AS_OF = dt.date(2026, 11, 4)  # the back-test's four weeks: 10-07 .. 11-03
BASE = 240  # calls on an ordinary Wednesday
WEEKDAY_LEVEL = {0: 1.3, 1: 1.1, 2: 1.0, 3: 1.0, 4: 0.95}
MAKEUP_LEVEL = 1.0
REST_LEVEL = 0.5
MONTH_START = 1.5
AFTER_HOLIDAY = 1.3


def _shape(peaks: list[tuple[float, float, float]], floor: float) -> list[float]:
    hours = [slot / 2 + 0.25 for slot in range(48)]
    weights = [
        floor + sum(h * math.exp(-(((hour - at) / width) ** 2)) for at, width, h in peaks)
        for hour in hours
    ]
    return [w / sum(weights) for w in weights]


WORKING_SHAPE = _shape([(10, 2, 1.0), (15, 2.5, 0.8)], 0.15)
REST_SHAPE = _shape([(11, 3, 0.7)], 0.3)


def expected_day(calendar: WorkingCalendar, day: dt.date) -> tuple[float, list[float]]:
    working = calendar.is_working_day(day)
    if working:
        level = WEEKDAY_LEVEL.get(day.weekday(), MAKEUP_LEVEL)
        if not any(calendar.is_working_day(day - dt.timedelta(days=n)) for n in (1, 2, 3)):
            level *= AFTER_HOLIDAY
    else:
        level = REST_LEVEL
    if day.day <= 3:
        level *= MONTH_START
    return BASE * level, WORKING_SHAPE if working else REST_SHAPE


def make_calls(first: dt.date, end: dt.date, *, seed: int = 7, prefix: str = "fc") -> int:
    """Inbound calls from ``first`` up to ``end``, Poisson around the known pattern."""
    rng = np.random.default_rng(seed)
    calendar = WorkingCalendar()
    rows = []
    day = first
    while day < end:
        volume, shape = expected_day(calendar, day)
        midnight = start_of_day(day)
        for slot, share in enumerate(shape):
            n = int(rng.poisson(volume * share))
            for i in range(n):
                at = midnight + dt.timedelta(minutes=30 * slot, seconds=1800 * i // n)
                rows.append(call(f"{prefix}-{day}-{slot}-{i}", at))
        day += dt.timedelta(days=1)
    CallRecord.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def call(call_id: str, at: dt.datetime, **fields) -> CallRecord:
    values = {"direction": "in", "from_number": "13800138000", "to_number": "96116"}
    values |= {"state": "ended", "customer_number": "13800138000"} | fields
    return CallRecord(call_id=call_id, started_at=at, **values)


@pytest.fixture
def calls():
    return make_calls(FIRST, AS_OF)


def local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return start_of_day(day) + dt.timedelta(hours=hour, minutes=minute)


def test_history_counts_offered_inbound_calls_per_local_slot():
    day = dt.date(2026, 9, 14)
    CallRecord.objects.bulk_create(
        [
            call("a", local(day, 0, 0)),
            call("b", local(day, 10, 29)),
            call("c", local(day, 10, 30)),
            call("d", local(day, 23, 59)),
            call("e", local(day, 24, 0)),  # the next day's first slot
            call("out", local(day, 10, 0), direction="out"),
            call("rejected", local(day, 10, 0), screening="rejected"),
            call("flagged", local(day, 10, 0), screening="flagged"),
        ]
    )

    counts = fc.history("calls", day, day + dt.timedelta(days=2))

    assert sorted(counts) == [day, day + dt.timedelta(days=1)]
    assert {s: n for s, n in enumerate(counts[day]) if n} == {0: 1, 20: 2, 21: 1, 47: 1}
    assert {s: n for s, n in enumerate(counts[day + dt.timedelta(days=1)]) if n} == {0: 1}


def test_forecast_recovers_weekday_levels_and_slot_shape(calls):
    week = fc.explain("calls", dt.date(2026, 9, 14), 6, as_of=dt.date(2026, 9, 14))

    by_day = {f.date.weekday(): f for f in week}
    for weekday, level in WEEKDAY_LEVEL.items():
        assert by_day[weekday].day_type == ("周一", "周二", "周三", "周四", "周五")[weekday]
        # A level is the median of 3–4 Poisson days (sd about 4.5 % at 240 a day): 3 sd.
        assert by_day[weekday].total == pytest.approx(BASE * level, rel=0.135)
    assert by_day[0].total / by_day[2].total == pytest.approx(1.3, abs=0.12)
    assert by_day[5].day_type == "休息日"
    assert by_day[5].total == pytest.approx(BASE * REST_LEVEL, rel=0.1)
    for f, truth in ((by_day[2], WORKING_SHAPE), (by_day[5], REST_SHAPE)):
        shares = [n / f.total for n in f.slots]
        assert sum(abs(a - b) for a, b in zip(shares, truth, strict=True)) < 0.12
        # The peak slot, give or take one (the rest day's true peak at 11:00 straddles two).
        peak = max(range(48), key=shares.__getitem__)
        assert abs(peak - max(range(48), key=truth.__getitem__)) <= 1


def test_month_start_factor_is_learned_from_history(calls):
    [first_of_month] = fc.explain("calls", dt.date(2026, 11, 2), 1, as_of=dt.date(2026, 11, 2))
    [ordinary] = fc.explain("calls", dt.date(2026, 11, 9), 1, as_of=dt.date(2026, 11, 2))

    assert first_of_month.month_start == pytest.approx(MONTH_START, abs=0.12)
    assert ordinary.month_start == 1
    assert first_of_month.total / ordinary.total == pytest.approx(first_of_month.month_start)


def test_makeup_saturday_is_forecast_as_a_working_day(calls):
    makeup, saturday = dt.date(2026, 10, 10), dt.date(2026, 10, 17)

    [worked] = fc.explain("calls", makeup, 1, as_of=makeup)
    [rest] = fc.explain("calls", saturday, 1, as_of=makeup)

    assert worked.day_type == "工作日"  # too few working Saturdays: the working-day level
    assert worked.total == pytest.approx(BASE * MAKEUP_LEVEL, rel=0.1)
    assert rest.day_type == "休息日"
    assert rest.total == pytest.approx(BASE * REST_LEVEL, rel=0.1)


def test_first_working_day_after_national_day_gets_the_learned_holiday_factor(calls):
    [after] = fc.explain("calls", dt.date(2026, 10, 8), 1, as_of=dt.date(2026, 10, 8))

    # learned from 09-28, the first working day after the Mid-autumn Festival weekend
    assert after.after_holiday == pytest.approx(AFTER_HOLIDAY, abs=0.15)
    assert after.total == pytest.approx(BASE * AFTER_HOLIDAY, rel=0.15)


def test_event_uplift_multiplies_exactly_its_days_and_slots(calls, agent):
    days = [AS_OF + dt.timedelta(days=n) for n in range(3)]
    before = fc.forecast("calls", AS_OF, 3)
    ForecastEvent.objects.create(
        name="电费账单", starts_on=days[1], ends_on=days[1], uplift_percent=40,
        slots=["10:00", "10:30"], created_by=agent,
    )  # fmt: skip
    ForecastEvent.objects.create(
        name="停电通知", starts_on=days[2], ends_on=days[2], uplift_percent=-50
    )
    ForecastEvent.objects.create(
        name="已取消", starts_on=days[0], ends_on=days[2], uplift_percent=300, is_active=False
    )

    after = fc.forecast("calls", AS_OF, 3)

    assert after[days[0]] == before[days[0]]
    for slot in range(48):
        factor = 1.4 if slot in (20, 21) else 1.0
        assert after[days[1]][slot] == pytest.approx(before[days[1]][slot] * factor)
        assert after[days[2]][slot] == pytest.approx(before[days[2]][slot] * 0.5)


def test_forecast_uses_only_the_data_before_as_of(calls):
    before = fc.forecast("calls", AS_OF, 7)
    naive_before = fc.seasonal_naive("calls", AS_OF, 7)

    make_calls(AS_OF, AS_OF + dt.timedelta(days=7), seed=1, prefix="later")

    assert fc.forecast("calls", AS_OF, 7) == before
    assert fc.seasonal_naive("calls", AS_OF, 7) == naive_before
    assert fc.forecast("calls", AS_OF, 7, as_of=AS_OF + dt.timedelta(days=7)) != before


def test_seasonal_naive_repeats_the_latest_known_same_weekday(calls):
    counts = fc.history("calls", AS_OF - dt.timedelta(days=7), AS_OF)

    naive = fc.seasonal_naive("calls", AS_OF, 14)

    for n in range(14):
        day = AS_OF + dt.timedelta(days=n)
        assert naive[day] == [float(c) for c in counts[day - dt.timedelta(days=7 + 7 * (n // 7))]]


def test_backtest_beats_seasonal_naive_on_month_starts_and_holidays(calls):
    result = fc.backtest("calls", weeks=4, as_of=AS_OF)

    assert [row.date for row in result.days][0] == dt.date(2026, 10, 7)
    assert len(result.days) == 28
    assert result.forecast_mape is not None and result.baseline_mape is not None
    assert result.forecast_slot_mape is not None and result.baseline_slot_mape is not None
    assert result.forecast_mape < result.baseline_mape / 2
    assert result.forecast_slot_mape < result.baseline_slot_mape
    assert result.slots_scored + result.slots_skipped == 28 * 48
    assert 0 < result.seconds < 10
    print(
        f"\nback-test {result.as_of} ({result.weeks} weeks, {calls} calls): daily MAPE "
        f"forecast {result.forecast_mape:.1%} / naive {result.baseline_mape:.1%}; slot MAPE "
        f"forecast {result.forecast_slot_mape:.1%} / naive {result.baseline_slot_mape:.1%} "
        f"({result.slots_skipped} zero slots skipped); {result.seconds:.2f} s"
    )
    for row in result.days:
        print(
            f"{row.date} {row.day_type} actual {row.actual} forecast {row.forecast:.0f} "
            f"({row.forecast_error:.1%}) naive {row.baseline:.0f} ({row.baseline_error:.1%})"
        )


def test_empty_history_forecasts_zeros():
    assert fc.forecast("calls", AS_OF, 2) == {
        AS_OF: [0.0] * 48,
        AS_OF + dt.timedelta(days=1): [0.0] * 48,
    }
    assert fc.seasonal_naive("calls", AS_OF, 1) == {AS_OF: [0.0] * 48}

    result = fc.backtest("calls", weeks=1, as_of=AS_OF)

    assert len(result.days) == 7
    assert result.forecast_mape is None and result.baseline_slot_mape is None
    assert result.slots_skipped == 7 * 48


def test_tickets_are_counted_per_channel(agent):
    day = dt.date(2026, 11, 10)
    for hour, channel in ((9, "web"), (9, "phone"), (14, "web"), (14, "email")):
        make_ticket(agent, channel=channel, received_at=local(day, hour, 10))

    web = fc.history("tickets", day, day + dt.timedelta(days=1), channel="web")
    every = fc.history("tickets", day, day + dt.timedelta(days=1))
    [tomorrow] = fc.forecast("tickets", day + dt.timedelta(days=1), 1, channel="web").values()

    assert {s: n for s, n in enumerate(web[day]) if n} == {18: 1, 28: 1}
    assert {s: n for s, n in enumerate(every[day]) if n} == {18: 2, 28: 2}
    # one day of history: too few for a weekday or for working days, so the level of any day
    assert sum(tomorrow) == pytest.approx(2)
    assert tomorrow[18] == pytest.approx(tomorrow[28]) and tomorrow[18] > tomorrow[23]
    with pytest.raises(ValueError):
        fc.history("calls", day, day, channel="web")
