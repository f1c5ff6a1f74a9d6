#!/usr/bin/env python
"""Kefu roster benchmark: the CP-SAT roster for 60 agents over 4 weeks of 48 half-hour slots.

    .venv/bin/python bench/roster.py [--agents 60] [--weeks 4] [--calls-per-day 2400]
                                     [--limits 15,30,60] [--workers 0]

The seats needed per slot come from Erlang C (kefu.telephony.erlang: 80 % in 20 s, 180 s
handling, 85 % maximum occupancy, 30 % shrinkage) over a day of two peaks (10:00 and 15:00),
--calls-per-day calls on a weekday, 60 % on Saturdays and Sundays, 40 % more on the first three
days of a month; a reserve of 10 % on top. Five shift templates (07:30, 09:00, 12:00 and 15:30
for 8 hours, a night shift from 23:30). A seventh of the agents wish for one weekday off, a
fifth for no night shifts. The solver runs once per time limit in --limits; each run prints its
status, wall time, the seat-hours needed and left uncovered, the reserve left uncovered, the
wishes honoured and the spread of hours, after recounting coverage and every rule from the
shifts alone. Prints the exact command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

from kefu.telephony.erlang import required_seats  # noqa: E402
from kefu.workforce.solver import Agent, Rules, Shift, solve  # noqa: E402

SHIFTS = [
    Shift("早", 7 * 60 + 30, 480),
    Shift("中", 9 * 60, 480),
    Shift("午", 12 * 60, 480),
    Shift("晚", 15 * 60 + 30, 480),
    Shift("夜", 23 * 60 + 30, 480, night=True),
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--agents", type=int, default=60)
    p.add_argument("--weeks", type=int, default=4)
    p.add_argument("--calls-per-day", type=int, default=2400)
    p.add_argument("--limits", default="15,30,60")
    p.add_argument("--workers", type=int, default=0, help="0: the solver's default")
    return p.parse_args()


def day_shape() -> list[float]:
    weights = [
        0.15
        + math.exp(-(((slot / 2 + 0.25 - 10) / 2.2) ** 2))
        + 0.8 * math.exp(-(((slot / 2 + 0.25 - 15) / 2.5) ** 2))
        + (0.3 if 8 <= slot / 2 < 20 else 0)
        for slot in range(48)
    ]
    return [w / sum(weights) for w in weights]


def seats_needed(first: dt.date, days: int, calls_per_day: int) -> list[int]:
    shape = day_shape()
    need = []
    for n in range(days):
        day = first + dt.timedelta(days=n)
        level = 0.6 if day.weekday() >= 5 else 1.0
        if day.day <= 3:
            level *= 1.4
        for share in shape:
            need.append(required_seats(calls_per_day * level * share, aht_seconds=180).scheduled)
    return need


def check(result, agents, rules: Rules, days: int) -> list[int]:
    """Recount coverage minute by minute and check every rule; the coverage per slot."""
    by_key = {s.key: s for s in SHIFTS}
    minutes = [0] * (days * 1440)
    for agent in agents:
        mine = sorted(
            (d * 1440 + by_key[k].start_minute, by_key[k].minutes, d)
            for (who, d), k in result.shifts.items()
            if who == agent.key
        )
        for (s, length, _d), (s2, _l, _d2) in zip(mine, mine[1:], strict=False):
            assert s2 - (s + length) >= rules.min_rest_minutes
        for week in range(0, days, 7):
            assert sum(1 for *_, d in mine if week <= d < week + 7) <= 7 - rules.days_off_per_week
        assert sum(length for _s, length, _d in mine) <= rules.max_week_minutes * days / 7
        for s, length, _d in mine:
            for m in range(s, min(s + length, len(minutes))):
                minutes[m] += 1
    covered = [minutes[t * 30] for t in range(days * 48)]
    assert covered == result.covered, "the solver's coverage differs from the recount"
    return covered


def main() -> None:
    args = parse_args()
    days = args.weeks * 7
    first = dt.date(2027, 3, 1)  # a Monday, a month start
    need = seats_needed(first, days, args.calls_per_day)
    reserve = [math.ceil(n * 0.1) if n else 0 for n in need]
    agents = [
        Agent(
            n,
            wished_off_days=frozenset(d for d in range(days) if d % 7 == n % 7)
            if n % 7 == 0
            else frozenset(),
            avoids_night=n % 5 == 0,
        )
        for n in range(args.agents)
    ]
    rules = Rules()
    print(
        f"{args.agents} agents x {args.weeks} weeks x 48 slots; {len(SHIFTS)} shift templates; "
        f"seat-hours needed {sum(need) / 2:.0f}, reserve {sum(reserve) / 2:.0f}, "
        f"capacity at 40 h/week {args.agents * 40 * args.weeks}"
    )
    for limit in [float(x) for x in args.limits.split(",")]:
        started = time.perf_counter()
        result = solve(
            need,
            agents,
            SHIFTS,
            reserve=reserve,
            rules=rules,
            time_limit=limit,
            workers=args.workers or None,
        )
        wall = time.perf_counter() - started
        check(result, agents, rules, days)
        hours = [m / 60 for m in result.minutes.values()]
        print(
            f"limit {limit:5.0f} s: {result.status:8s} wall {wall:6.1f} s  "
            f"short {sum(result.shortfall) / 2:6.1f} seat-h  "
            f"reserve short {sum(result.reserve_shortfall) / 2:6.1f} seat-h  "
            f"wishes {result.wishes_honoured}/{result.wishes}  "
            f"hours per agent {min(hours):.0f}–{max(hours):.0f}"
        )
    print("command: .venv/bin/python bench/roster.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    os.environ.setdefault("KEFU_DEBUG", "1")
    os.environ.setdefault("KEFU_DATA_DIR", "/tmp/kefu-bench-roster")
    django.setup()
    main()
