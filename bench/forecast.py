#!/usr/bin/env python
"""Kefu forecast benchmark: the seat plan's forecast and its back-test over a call history.

    .venv/bin/python bench/forecast.py [--weeks 12] [--calls-per-day 2000] [--rounds 5] [--postgres]

Creates a fresh database (SQLite in /tmp/kefu-bench-forecast, or with --postgres the database
kefu_bench_forecast on 127.0.0.1), migrates, seeds the demo organization and --weeks weeks of
inbound calls before today (the demo's generator: weekday pattern, rest days and holidays,
month starts, about --calls-per-day on an ordinary Wednesday). Then times, --rounds times each
(median and p95): the four-week back-test (28 one-day-ahead forecasts, rolling origin), one
day's forecast, and one day's seat plan (forecast + handling time + Erlang C for 48 slots).
Prints the back-test's accuracy (daily-total and per-slot MAPE, next to "the same day last
week") and the exact command.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import common

log = common.make_log("forecast")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--weeks", type=int, default=12)
    p.add_argument("--calls-per-day", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--postgres", action="store_true")
    return p.parse_args()


def timed(rounds: int, work) -> list[float]:
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        samples.append(time.perf_counter() - began)
    return samples


def main() -> None:
    args = parse_args()
    data_dir = Path("/tmp/kefu-bench-forecast")
    url = (
        "postgres://postgres@127.0.0.1:5432/kefu_bench_forecast"
        if args.postgres
        else common.sqlite_url(data_dir)
    )
    env = common.bench_env(data_dir, url)
    common.fresh_database(env)
    common.setup_django(env)

    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from kefu import demo
    from kefu.telephony import forecast, planning
    from kefu.telephony.models import CallRecord

    demo.seed_organization()
    demo.CALLS_PER_DAY = args.calls_per_day
    demo.HISTORY_WEEKS = args.weeks
    began = time.perf_counter()
    demo._seed_call_history(random.Random(2025))
    calls = CallRecord.objects.count()
    log(f"{calls} calls over {args.weeks} weeks seeded in {time.perf_counter() - began:.1f} s")

    lead = get_user_model().objects.get(username="lead")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    results: dict[str, object] = {}

    def run_backtest():
        results["check"] = forecast.backtest("calls", weeks=4)

    back = timed(args.rounds, run_backtest)
    day = timed(args.rounds, lambda: forecast.forecast("calls", tomorrow, 1))
    plan = timed(args.rounds, lambda: planning.plan_day(lead, tomorrow))
    check = results["check"]
    print()
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; calls: {calls}")
    print(f"back-test, 4 weeks (28 days):  {common.stats(back)}")
    print(f"one day's forecast:            {common.stats(day)}")
    print(f"one day's seat plan:           {common.stats(plan)}")
    print(
        f"back-test MAPE, daily totals: forecast {check.forecast_mape:.3f}, "
        f"same day last week {check.baseline_mape:.3f}"
    )
    print(
        f"back-test MAPE, per slot ({check.slots_scored} slots scored, "
        f"{check.slots_skipped} with no call): forecast {check.forecast_slot_mape:.3f}, "
        f"same day last week {check.baseline_slot_mape:.3f}"
    )
    print(
        f"median back-test / one forecast: {statistics.median(back) / statistics.median(day):.1f}"
    )
    print(f"command: {common.command_line()}")


if __name__ == "__main__":
    main()
