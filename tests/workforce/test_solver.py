"""The roster solver, checked from outside: every result is recounted here from the shifts
alone (coverage per slot, hours, rest, days off, wishes) with arithmetic of its own, not with
the solver's helpers."""

from __future__ import annotations

import math

import pytest

from kefu.workforce.solver import Agent, Rules, Shift, solve

DAY = 24 * 60
EARLY = Shift("E", 7 * 60, 8 * 60)  # 07:00–15:00
LATE = Shift("L", 15 * 60, 8 * 60)  # 15:00–23:00
NIGHT = Shift("N", 23 * 60, 8 * 60, night=True)  # 23:00–07:00 next day
TEMPLATES = [EARLY, LATE, NIGHT]


def need_profile(days: int, day_seats: int, night_seats: int) -> list[int]:
    """``day_seats`` from 07:00 to 23:00, ``night_seats`` otherwise, every day."""
    one = [day_seats if 14 <= slot < 46 else night_seats for slot in range(48)]
    return one * days


def recount(result, templates, days: int, carry=()) -> list[int]:
    """Seats per slot, counted minute by minute from each shift's start and length."""
    minutes = [0] * (days * DAY)
    by_key = {t.key: t for t in templates}
    for (_agent, day), key in result.shifts.items():
        shift = by_key[key]
        start = day * DAY + shift.start_minute
        for m in range(start, min(start + shift.minutes, days * DAY)):
            minutes[m] += 1
    seats = [minutes[slot * 30] for slot in range(days * 48)]
    for t, n in enumerate(carry):
        seats[t] += n
    return seats


def check_rules(result, agents, templates, days: int, rules: Rules) -> None:
    by_key = {t.key: t for t in templates}
    for agent in agents:
        mine = sorted(
            (day * DAY + by_key[key].start_minute, by_key[key].minutes, day)
            for (who, day), key in result.shifts.items()
            if who == agent.key
        )
        # one shift a day at most, and never on a day away
        assert len({day for *_, day in mine}) == len(mine)
        assert not {day for *_, day in mine} & agent.away_days
        # rest between consecutive shifts, and after the last shift before the period
        for (start, length, _d), (next_start, _l, _d2) in zip(mine, mine[1:], strict=False):
            assert next_start - (start + length) >= rules.min_rest_minutes, (agent.key, mine)
        if mine:
            assert mine[0][0] >= agent.free_from
        # days off per week
        for week in range(0, days, 7):
            length = min(7, days - week)
            worked = sum(1 for *_, d in mine if week <= d < week + length)
            assert worked <= length - math.floor(rules.days_off_per_week * length / 7)
        # the average week
        assert sum(length for _s, length, _d in mine) <= rules.max_week_minutes * days / 7
        assert result.minutes[agent.key] == sum(length for _s, length, _d in mine)


def test_a_week_with_enough_agents_is_fully_covered_within_every_rule():
    days = 7
    need = need_profile(days, day_seats=3, night_seats=1)
    agents = [Agent(n) for n in range(12)]
    rules = Rules()

    result = solve(need, agents, TEMPLATES, rules=rules, time_limit=20, workers=2)

    assert result.status in ("optimal", "feasible")
    seats = recount(result, TEMPLATES, days)
    assert seats == result.covered
    # Day 1 00:00–07:00 can only come from a night shift of the day before the period.
    uncoverable = set(range(14))
    for t, (n, s) in enumerate(zip(need, seats, strict=True)):
        if t not in uncoverable:
            assert s >= n, (t, n, s)
    assert result.shortfall == [max(0, n - s) for n, s in zip(need, seats, strict=True)]
    assert sum(result.shortfall) == sum(need[t] for t in uncoverable)
    check_rules(result, agents, TEMPLATES, days, rules)


def test_the_night_before_the_period_covers_the_first_morning_and_rests_its_agent():
    days = 7
    need = need_profile(days, day_seats=2, night_seats=1)
    carry = [1] * 14  # last roster's night shift runs until 07:00
    agents = [Agent(0, free_from=19 * 60)] + [Agent(n) for n in range(1, 10)]

    result = solve(need, agents, TEMPLATES, carry_in=carry, time_limit=20, workers=2)

    assert sum(result.shortfall) == 0
    assert recount(result, TEMPLATES, days, carry) == result.covered
    assert result.shifts.get((0, 0)) in (None, "N")  # free from 19:00: only the night shift
    check_rules(result, agents, TEMPLATES, days, Rules())


def test_too_few_agents_leave_a_shortfall_that_the_result_reports_slot_by_slot():
    days = 7
    need = need_profile(days, day_seats=4, night_seats=2)
    agents = [Agent(n) for n in range(5)]  # 5 agents x 5 shifts = 25 shifts for 56 needed
    rules = Rules()

    result = solve(need, agents, TEMPLATES, time_limit=10, workers=2)

    seats = recount(result, TEMPLATES, days)
    short = [max(0, n - s) for n, s in zip(need, seats, strict=True)]
    assert result.shortfall == short
    assert sum(short) > 0
    # Everyone works what the rules allow: 5 shifts each.
    assert all(result.minutes[a.key] == 5 * 8 * 60 for a in agents)
    check_rules(result, agents, TEMPLATES, days, rules)


def test_wishes_are_honoured_when_the_seats_allow_and_away_days_always():
    days = 14
    need = need_profile(days, day_seats=2, night_seats=1)
    agents = [
        Agent(0, wished_off_days=frozenset({5, 6, 12, 13})),
        Agent(1, avoids_night=True),
        Agent(2, away_days=frozenset(range(0, 7))),
    ] + [Agent(n) for n in range(3, 12)]

    result = solve(need, agents, TEMPLATES, time_limit=20, workers=2)

    assert not any(day in {5, 6, 12, 13} for (who, day) in result.shifts if who == 0)
    assert not any(k == "N" for (who, _day), k in result.shifts.items() if who == 1)
    assert result.wishes == 4 + 14
    assert result.wishes_honoured == result.wishes
    check_rules(result, agents, TEMPLATES, days, Rules())


def test_the_reserve_is_added_where_agents_are_left_and_counted_apart():
    days = 7
    need = need_profile(days, day_seats=2, night_seats=1)
    reserve = [1 if 20 <= t % 48 < 30 else 0 for t in range(days * 48)]  # 10:00–15:00
    agents = [Agent(n) for n in range(14)]

    result = solve(need, agents, TEMPLATES, reserve=reserve, time_limit=20, workers=2)

    seats = recount(result, TEMPLATES, days)
    assert all(seats[t] >= need[t] + reserve[t] for t in range(14, days * 48))
    assert result.reserve_shortfall[14:] == [0] * (days * 48 - 14)
    check_rules(result, agents, TEMPLATES, days, Rules())


@pytest.mark.parametrize(
    ("need", "kwargs", "message"),
    [
        ([1] * 47, {}, "48 slots"),
        ([], {}, "48 slots"),
        ([1] * 48, {"reserve": [0] * 47}, "reserve"),
        ([-1] * 48, {}, "negative"),
        ([1] * 48, {"carry_in": [0] * 49}, "carry_in"),
    ],
)
def test_input_of_the_wrong_shape_is_refused(need, kwargs, message):
    with pytest.raises(ValueError, match=message):
        solve(need, [Agent(1)], TEMPLATES, time_limit=1, **kwargs)


@pytest.mark.parametrize(
    ("start", "minutes"), [(7 * 60 + 15, 480), (-30, 480), (24 * 60, 480), (420, 475), (420, 0)]
)
def test_a_shift_off_the_half_hour_grid_is_refused(start, minutes):
    with pytest.raises(ValueError):
        Shift("X", start, minutes)


def test_agents_with_the_same_key_are_refused():
    with pytest.raises(ValueError, match="distinct"):
        solve([1] * 48, [Agent(1), Agent(1)], TEMPLATES, time_limit=1)


def test_the_morning_after_the_period_makes_its_last_night_worth_a_shift():
    """One agent, night shifts only, six of the seven nights. Every night of the period needs
    a seat from 23:00, and the mornings up to 07:00 too, but for Tuesday's (one slot only).
    Without the morning after the period, Sunday night covers two slots and Monday night three:
    Monday is taken. With it, Sunday covers sixteen and is taken instead."""
    need = [0] * (7 * 48)
    for day in range(7):
        need[day * 48 + 46] = need[day * 48 + 47] = 1
        for slot in range(14) if day >= 2 else range(1) if day == 1 else ():
            need[day * 48 + slot] = 1
    rules = Rules(days_off_per_week=1, max_week_minutes=48 * 60)

    without = solve(need, [Agent(0)], [NIGHT], rules=rules, time_limit=10, workers=2)
    with_after = solve(
        need, [Agent(0)], [NIGHT], after=[1] * 14, rules=rules, time_limit=10, workers=2
    )

    assert sorted(day for _a, day in without.shifts) == [0, 1, 2, 3, 4, 5]
    assert sorted(day for _a, day in with_after.shifts) == [1, 2, 3, 4, 5, 6]
    assert len(with_after.covered) == 7 * 48  # the period's own slots only
    check_rules(with_after, [Agent(0)], [NIGHT], 7, rules)
    with pytest.raises(ValueError, match="after"):
        solve(need, [Agent(0)], [NIGHT], after=[1] * 49, time_limit=1)


def test_days_on_leave_are_not_the_weeks_rest_days():
    # one agent, seats every day of a week, on leave Monday and Tuesday: two more days of rest
    need = need_profile(7, day_seats=1, night_seats=0)
    agent = Agent(0, away_days=frozenset({0, 1}))
    result = solve(need, [agent], TEMPLATES, time_limit=5, workers=2)
    worked = sorted(day for (_who, day) in result.shifts)
    assert len(worked) == 3 and not {0, 1} & set(worked)
