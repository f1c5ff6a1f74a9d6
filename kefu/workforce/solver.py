"""The roster solver (排班): which shift each agent works on each day of a period, made by
OR-Tools CP-SAT.

The period is ``days`` days of 48 half-hour slots each, laid end to end: slot ``t`` is day
``t // 48``, half hour ``t % 48``. A shift that starts late in the evening runs on into the next
day's slots; past the period's last slot it covers nothing here. What the shifts of the day
before the period (the last roster's night shift) still cover comes in as ``carry_in``.

Hard rules, for every agent:
- at most one shift a day, none on a day the agent is away (leave, training);
- at least ``min_rest_minutes`` between the end of one shift and the start of the next, the
  agent's last shift before the period included (``Agent.free_from``);
- at least ``days_off_per_week`` days without a shift in each 7-day week of the period (a
  shorter last week keeps the same share, rounded down);
- on average no more than ``max_week_minutes`` a week over the period.

Soft goals, in this order (the weights make each one matter more than all below it together
for any realistic roster): cover the seats needed in every slot; then the reserve seats on
top; then agents' wishes (a weekday off, no night shifts); then spread the shifts evenly;
then no more seats than asked for. Where the seats needed cannot be covered, the shortfall
per slot is in the result: the roster is never refused for it.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

SLOTS_PER_DAY = 48
SLOT_MINUTES = 30

W_NEED = 10_000  # one seat-slot of the needed seats left uncovered
W_RESERVE = 300  # one seat-slot of the reserve left uncovered
W_WISH = 40  # one wish not honoured (one day)
W_SPREAD = 20  # one shift between the busiest and the least busy agent
W_EXCESS = 1  # one seat-slot above what was asked for


@dataclass(frozen=True)
class Shift:
    """A shift template: starts ``start_minute`` after midnight (a whole half hour) and lasts
    ``minutes`` (whole half hours), worked time."""

    key: str
    start_minute: int
    minutes: int
    night: bool = False  # a night shift, for agents who wish for none

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < 24 * 60 or self.start_minute % SLOT_MINUTES:
            raise ValueError(f"shift {self.key}: start must be a half hour of the day")
        if not SLOT_MINUTES <= self.minutes <= 16 * 60 or self.minutes % SLOT_MINUTES:
            raise ValueError(f"shift {self.key}: length must be whole half hours, at most 16 h")

    @property
    def first_slot(self) -> int:
        return self.start_minute // SLOT_MINUTES

    @property
    def slots(self) -> int:
        return self.minutes // SLOT_MINUTES


@dataclass(frozen=True)
class Agent:
    key: int
    away_days: frozenset[int] = frozenset()  # day indexes with no shift at all
    wished_off_days: frozenset[int] = frozenset()  # day indexes the agent would like off
    avoids_night: bool = False
    free_from: int = 0  # minutes from the period's start before which no shift may start


@dataclass(frozen=True)
class Rules:
    max_week_minutes: int = 40 * 60
    min_rest_minutes: int = 12 * 60
    days_off_per_week: int = 2


@dataclass
class Solution:
    status: str  # "optimal", "feasible" or "unknown" (no roster found in the time allowed)
    days: int
    shifts: dict[tuple[int, int], str]  # (agent key, day index) -> shift key
    need: list[int]
    reserve: list[int]
    covered: list[int]
    seconds: float
    wishes: int = 0  # wishes asked (agent-days)
    wishes_honoured: int = 0
    objective: float = 0.0
    minutes: dict[int, int] = field(default_factory=dict)  # agent key -> minutes rostered

    @property
    def shortfall(self) -> list[int]:
        """Seats needed and not covered, per slot."""
        return [max(0, n - c) for n, c in zip(self.need, self.covered, strict=True)]

    @property
    def reserve_shortfall(self) -> list[int]:
        return [
            max(0, n + r - max(c, n))
            for n, r, c in zip(self.need, self.reserve, self.covered, strict=True)
        ]


def _away_in(agent: Agent, first: int, length: int) -> int:
    """The agent's days away (leave) among ``length`` days from day ``first``."""
    return sum(1 for d in range(first, first + length) if d in agent.away_days)


def cover(shifts: dict[tuple[int, int], str], templates: Sequence[Shift], days: int) -> list[int]:
    """The seats each slot of the period gets from ``shifts`` (without any carry-in)."""
    by_key = {s.key: s for s in templates}
    covered = [0] * (days * SLOTS_PER_DAY)
    for (_agent, day), key in shifts.items():
        shift = by_key[key]
        first = day * SLOTS_PER_DAY + shift.first_slot
        for t in range(first, min(first + shift.slots, len(covered))):
            covered[t] += 1
    return covered


def solve(
    need: Sequence[int],
    agents: Sequence[Agent],
    templates: Sequence[Shift],
    *,
    reserve: Sequence[int] | None = None,
    carry_in: Sequence[int] = (),
    after: Sequence[int] = (),
    rules: Rules = Rules(),
    time_limit: float = 30.0,
    workers: int | None = None,
    seed: int = 0,
) -> Solution:
    """The roster that best covers ``need`` (seats per slot, a whole number of days) with the
    ``agents`` on the ``templates``, plus ``reserve`` seats on top where it can, within
    ``time_limit`` seconds. ``after`` is the seats needed in the slots after the period (the
    next day's first hours), which only the period's last shifts running on can cover: so the
    last night is worth a night shift. Raises ValueError for input of the wrong shape."""
    if not need or len(need) % SLOTS_PER_DAY:
        raise ValueError("need must hold 48 slots for each day")
    days = len(need) // SLOTS_PER_DAY
    reserve = list(reserve) if reserve is not None else [0] * len(need)
    if len(reserve) != len(need) or min(need) < 0 or min(reserve) < 0:
        raise ValueError("reserve must match need; seats are never negative")
    if len(carry_in) > len(need):
        raise ValueError("carry_in is longer than the period")
    if len(after) > SLOTS_PER_DAY or min(after, default=0) < 0:
        raise ValueError("after holds at most a day of seats, never negative")
    if not templates:
        raise ValueError("no shift templates")
    if len({a.key for a in agents}) != len(agents):
        raise ValueError("agents must have distinct keys")
    started = time.perf_counter()
    period = len(need)
    need = list(need) + list(after)
    reserve = reserve + [0] * len(after)
    slots = len(need)
    carry = list(carry_in) + [0] * (slots - len(carry_in))
    model = cp_model.CpModel()

    # x[a, d, k]: agent a works shift k on day d.
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for a, agent in enumerate(agents):
        for d in range(days):
            if d in agent.away_days:
                continue
            for k, shift in enumerate(templates):
                if d * 24 * 60 + shift.start_minute < agent.free_from:
                    continue
                x[a, d, k] = model.new_bool_var(f"x{a}_{d}_{k}")

    def day_vars(a: int, d: int) -> list[cp_model.IntVar]:
        return [x[a, d, k] for k in range(len(templates)) if (a, d, k) in x]

    for a, agent in enumerate(agents):
        for d in range(days):
            model.add_at_most_one(day_vars(a, d))
        # Rest between shifts on consecutive days.
        for d in range(days - 1):
            for k, first in enumerate(templates):
                if (a, d, k) not in x:
                    continue
                ends = first.start_minute + first.minutes
                for k2, second in enumerate(templates):
                    if (a, d + 1, k2) in x and 24 * 60 + second.start_minute - ends < (
                        rules.min_rest_minutes
                    ):
                        model.add_bool_or([x[a, d, k].Not(), x[a, d + 1, k2].Not()])
        # Days off in each week, besides the days away (leave is no rest day); a shorter last
        # week keeps the same share.
        for week_start in range(0, days, 7):
            length = min(7, days - week_start)
            off = math.floor(rules.days_off_per_week * length / 7)
            work = [v for d in range(week_start, week_start + length) for v in day_vars(a, d)]
            if work:
                model.add(sum(work) <= max(0, length - _away_in(agent, week_start, length) - off))
        # Average week hours over the period.
        cap = rules.max_week_minutes * days // 7
        model.add(
            sum(
                templates[k].minutes * x[a, d, k]
                for d in range(days)
                for k in range(len(templates))
                if (a, d, k) in x
            )
            <= cap
        )

    # Coverage: the seats of each slot, through the count of agents per day and shift.
    per_shift: dict[tuple[int, int], cp_model.LinearExprT] = {}
    for d in range(days):
        for k in range(len(templates)):
            chosen = [x[a, d, k] for a in range(len(agents)) if (a, d, k) in x]
            if chosen:
                per_shift[d, k] = cp_model.LinearExpr.sum(chosen)
    covering: list[list[tuple[int, int]]] = [[] for _ in range(slots)]
    for d, k in per_shift:
        begin = d * SLOTS_PER_DAY + templates[k].first_slot
        for t in range(begin, min(begin + templates[k].slots, slots)):
            covering[t].append((d, k))
    short_need: list[cp_model.IntVar] = []
    short_reserve: list[cp_model.IntVar] = []
    excess = []
    big = len(agents) + max(carry, default=0) + max(need) + max(reserve) + 1
    for t in range(slots):
        seats = cp_model.LinearExpr.sum([per_shift[dk] for dk in covering[t]]) + carry[t]
        s = model.new_int_var(0, need[t], f"s{t}")
        model.add(seats + s >= need[t])
        short_need.append(s)
        if reserve[t] > 0:
            r = model.new_int_var(0, reserve[t], f"r{t}")
            model.add(seats + s + r >= need[t] + reserve[t])
            short_reserve.append(r)
        e = model.new_int_var(0, big, f"e{t}")
        model.add(seats - e <= need[t] + reserve[t])
        excess.append(e)

    # Wishes: a day off asked for, no night shifts.
    unmet_wishes = []
    wishes = 0
    for a, agent in enumerate(agents):
        for d in agent.wished_off_days:
            if 0 <= d < days:
                wishes += 1
                unmet_wishes.extend(day_vars(a, d))
        if agent.avoids_night:
            for d in range(days):
                if d in agent.away_days:
                    continue
                wishes += 1
                unmet_wishes.extend(
                    x[a, d, k] for k, s in enumerate(templates) if s.night and (a, d, k) in x
                )

    # Spread: the busiest agent against the least busy, in shifts.
    counts = []
    for a in range(len(agents)):
        count = model.new_int_var(0, days, f"n{a}")
        model.add(count == sum(v for d in range(days) for v in day_vars(a, d)))
        counts.append(count)
    most = model.new_int_var(0, days, "most")
    least = model.new_int_var(0, days, "least")
    if counts:
        model.add_max_equality(most, counts)
        model.add_min_equality(least, counts)

    hint = _greedy(need, reserve, carry, agents, templates, rules, days)
    for index, var in x.items():
        model.add_hint(var, index in hint)

    model.minimize(
        W_NEED * sum(short_need)
        + W_RESERVE * sum(short_reserve)
        + W_WISH * sum(unmet_wishes)
        + W_SPREAD * (most - least)
        + W_EXCESS * sum(excess)
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers or max(8, os.cpu_count() or 1)
    solver.parameters.random_seed = seed
    code = solver.solve(model)
    status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible"}.get(code, "unknown")
    shifts: dict[tuple[int, int], str] = {}
    if status != "unknown":
        for (a, d, k), var in x.items():
            if solver.boolean_value(var):
                shifts[agents[a].key, d] = templates[k].key
    covered = [c + n for c, n in zip(cover(shifts, templates, days), carry[:period], strict=True)]
    by_key = {s.key: s for s in templates}
    minutes = {agent.key: 0 for agent in agents}
    for (key, _day), shift_key in shifts.items():
        minutes[key] += by_key[shift_key].minutes
    honoured = wishes - sum(
        1 for v in unmet_wishes if status != "unknown" and solver.boolean_value(v)
    )
    return Solution(
        status=status,
        days=days,
        shifts=shifts,
        need=need[:period],
        reserve=reserve[:period],
        covered=covered,
        seconds=time.perf_counter() - started,
        wishes=wishes,
        wishes_honoured=honoured,
        objective=solver.objective_value if status != "unknown" else 0.0,
        minutes=minutes,
    )


def _greedy(
    need: Sequence[int],
    reserve: Sequence[int],
    carry: Sequence[int],
    agents: Sequence[Agent],
    templates: Sequence[Shift],
    rules: Rules,
    days: int,
) -> set[tuple[int, int, int]]:
    """A quick roster within every hard rule, for the solver to start from: day by day, each
    free agent in turn (the fewest shifts so far first) takes the shift that covers the most
    seats still missing, while any is missing. Returns the chosen (agent, day, shift)."""
    missing = [n + r - c for n, r, c in zip(need, reserve, carry, strict=True)]
    cap = rules.max_week_minutes * days // 7
    worked = [0] * len(agents)
    shifts_done = [0] * len(agents)
    last_end = [agent.free_from - rules.min_rest_minutes for agent in agents]
    per_week: dict[tuple[int, int], int] = {}
    chosen: set[tuple[int, int, int]] = set()
    for d in range(days):
        week = d // 7
        length = min(7, days - week * 7)
        off = math.floor(rules.days_off_per_week * length / 7)
        for a in sorted(range(len(agents)), key=lambda i: (shifts_done[i], i)):
            agent = agents[a]
            allowed = length - _away_in(agent, week * 7, length) - off
            if d in agent.away_days or per_week.get((a, week), 0) >= allowed:
                continue
            best, best_gain = -1, 0
            for k, shift in enumerate(templates):
                start = d * 24 * 60 + shift.start_minute
                if (
                    start < agent.free_from
                    or start - last_end[a] < rules.min_rest_minutes
                    or worked[a] + shift.minutes > cap
                    or (shift.night and agent.avoids_night)
                    or d in agent.wished_off_days
                ):
                    continue
                first = d * SLOTS_PER_DAY + shift.first_slot
                gain = sum(
                    1
                    for t in range(first, min(first + shift.slots, len(missing)))
                    if missing[t] > 0
                )
                if gain > best_gain:
                    best, best_gain = k, gain
            if best < 0 or best_gain * 2 < templates[best].slots:
                continue  # nothing worth covering: a day off
            shift = templates[best]
            first = d * SLOTS_PER_DAY + shift.first_slot
            for t in range(first, min(first + shift.slots, len(missing))):
                missing[t] -= 1
            chosen.add((a, d, best))
            worked[a] += shift.minutes
            shifts_done[a] += 1
            last_end[a] = d * 24 * 60 + shift.start_minute + shift.minutes
            per_week[a, week] = per_week.get((a, week), 0) + 1
    return chosen
