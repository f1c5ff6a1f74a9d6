#!/usr/bin/env python
"""Kefu CTI event path without HTTP: how many events a second one process applies.

    .venv/bin/python bench/cti_inprocess.py [--agents 100] [--rounds 3] [--seconds 300]

Creates a fresh SQLite database in /tmp/kefu-bench-cti-inprocess, migrates, seeds the demo
organization and --agents phone agents; then, --rounds times, posts one simulated call-center
day of --seconds (kefu.telephony.simulator, 2,400 calls an hour, breaks and wrap-ups) to the CTI
endpoint through Django's test client, form-encoded as a PBX sends them — the whole request
path (middleware, the API, the services, the database) without sockets, the HTTP server or a
client competing for the cores. Prints events/s per round, the median and the exact command:
the ceiling the HTTP benchmark (bench/cti_floor.py) is measured against.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode

import common

TOKEN = "bench-cti-token"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--agents", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=300)
    return p.parse_args()


def main() -> None:
    args = parse_args()
    data_dir = Path("/tmp/kefu-bench-cti-inprocess")
    env = common.bench_env(data_dir, common.sqlite_url(data_dir)) | {"KEFU_CTI_TOKEN": TOKEN}
    common.fresh_database(env)
    common.setup_django(env)

    from django.test import Client

    from kefu.accounts.models import Role
    from kefu.accounts.services import create_staff
    from kefu.demo import seed_organization
    from kefu.telephony.simulator import CallCenter, Scenario

    seed_organization()
    names = []
    for n in range(1, args.agents + 1):
        names.append(f"b{n:03d}")
        create_staff(
            username=names[-1],
            password="x-bench-x",
            employee_no=f"7{n:03d}",
            display_name=f"坐席{n:03d}",
            role=Role.AGENT,
        )
    client = Client()
    rates = []
    for round_ in range(args.rounds):
        scenario = Scenario(
            agents=names,
            calls_per_hour=2400,
            duration_seconds=args.seconds,
            break_share=0.2,
            queue="q0",
        )
        events = list(CallCenter(scenario, seed=round_, run_id=f"round{round_}").events())
        began = time.perf_counter()
        for event in events:
            reply = client.post(
                f"/api/v1/cti/{TOKEN}",
                urlencode(event.params, doseq=True),
                content_type="application/x-www-form-urlencoded",
            )
            if reply.status_code != 200:
                raise SystemExit(f"{event.event}: {reply.status_code} {reply.content[:200]!r}")
        rates.append(len(events) / (time.perf_counter() - began))
    print()
    print(f"events/s per round ({len(events)} events each): {[round(r, 1) for r in rates]}")
    print(f"median: {statistics.median(rates):.1f} events/s")
    print(f"command: {common.command_line()}")


if __name__ == "__main__":
    main()
