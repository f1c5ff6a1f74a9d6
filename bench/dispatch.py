#!/usr/bin/env python
"""Kefu dispatch benchmark: dispatch latency under a burst of work orders.

    .venv/bin/python bench/dispatch.py --db postgres [--orders 1000] [--agents 4] [--workers 4]
    .venv/bin/python bench/dispatch.py --db sqlite   [--orders 1000] [--agents 4] [--workers 4]

A fresh database (SQLite in /tmp/kefu-bench-dispatch-sqlite, or DROP/CREATE of the PostgreSQL
database `kefu_bench_dispatch`), migrated, with the demo organization, field staff with phones
and the dispatch desks. A real background worker (`kefu worker`: huey, SQLite storage for
SQLite, Redis at 127.0.0.1:6379/15 for PostgreSQL) sends the SMS through the log gateway.

`--agents` threads then create and confirm `--orders` work orders as fast as they can, through
the same service the desk and the API call (each dispatch writes the order, its tracking, two
dispatch messages — the field staff member and the dispatcher's copy — and their deliveries,
and queues the sending after commit). The script waits until every message has left the
gateway and reports, per order, the dispatch latency (confirming the order → the field staff
member's SMS sent): median, p95, worst, and how many within the 3 minutes DOMAIN §3 allows.
Loopback and the local database only; the client shares the 2 cores with the worker and the
database.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kefu_bench_dispatch")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    p.add_argument("--orders", type=int, default=1000)
    p.add_argument("--agents", type=int, default=4, help="threads creating orders at once")
    p.add_argument("--workers", type=int, default=4, help="huey worker threads sending SMS")
    p.add_argument("--timeout", type=int, default=900, help="seconds to wait for the SMS")
    return p.parse_args()


def fresh_database(args, data: Path, url: str) -> None:
    data.mkdir(parents=True, exist_ok=True)
    for name in ("kefu.sqlite3", "kefu.sqlite3-wal", "kefu.sqlite3-shm", "huey.sqlite3", "sms.log"):
        (data / name).unlink(missing_ok=True)
    if args.db == "postgres":
        import psycopg

        dbname = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()


def main() -> None:
    args = parse_args()
    data = Path(f"/tmp/kefu-bench-dispatch-{args.db}")
    url = args.pg_url if args.db == "postgres" else f"sqlite:///{data / 'kefu.sqlite3'}"
    fresh_database(args, data, url)
    env = dict(
        KEFU_DATA_DIR=str(data),
        DATABASE_URL=url,
        KEFU_SECRET_KEY="kefu-bench-secret-key-not-for-production",
        KEFU_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="kefu.settings",
    )
    os.environ.update(env)
    os.environ.pop("KEFU_HUEY_IMMEDIATE", None)
    if args.db == "postgres":
        os.environ["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    from kefu.accounts.models import Branch
    from kefu.demo import seed_organization
    from kefu.dispatch import services
    from kefu.dispatch.models import DispatchDesk, DispatchMessage
    from kefu.dispatch.schemas import OrderIn

    seed_organization()
    users = {u.username: u for u in get_user_model().objects.select_related("staff")}
    DispatchDesk.objects.get_or_create(
        branch=Branch.objects.get(code="hq"),
        defaults={"dispatcher": users["lead"], "manager": users["head"]},
    )
    fitters = ["fitter", "fitter2"]
    worker_log = open(data / "worker.log", "w")  # noqa: SIM115 - kept open for the worker
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/kefu"), "worker", "--workers", str(args.workers)],
        env=os.environ.copy(),
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    time.sleep(3)  # the consumer is up and polling before the burst starts
    try:
        errors: list[str] = []
        per_agent = [args.orders // args.agents] * args.agents
        per_agent[0] += args.orders - sum(per_agent)
        agents = ["agent", "agent2", "lead", "supervisor"]

        def burst(index: int, count: int) -> None:
            actor = users[agents[index % len(agents)]]
            try:
                for n in range(count):
                    services.create_order(
                        OrderIn(
                            kind="repair",
                            department="repair",
                            customer_name="王先生",
                            customer_phone=f"135{index:02d}{n:06d}",
                            address=f"幸福里片区建设路{n % 200 + 1}号",
                            goods="厨房水管爆裂,水漫到客厅",
                            hint="客户在家",
                        ),
                        actor=actor,
                        assignee=fitters[n % 2],
                        dispatch=True,
                    )
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                close_old_connections()

        threads = [threading.Thread(target=burst, args=(i, c)) for i, c in enumerate(per_agent)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst_seconds = time.perf_counter() - t0
        if errors:
            print("errors while creating orders:", errors[:5])
        total = DispatchMessage.objects.count()
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            unsent = DispatchMessage.objects.exclude(state="sent").count()
            if unsent == 0:
                break
            time.sleep(1)
        drained_seconds = time.perf_counter() - t0
        rows = list(
            DispatchMessage.objects.filter(role="assignee").values_list("confirmed_at", "sent_at")
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
    sent = [(s - c).total_seconds() for c, s in rows if s is not None]
    sent.sort()
    within = sum(1 for s in sent if s <= 180)
    command = " ".join(
        shlex.quote(a) for a in [".venv/bin/python", "bench/dispatch.py", *sys.argv[1:]]
    )
    p95 = sent[max(0, int(len(sent) * 0.95) - 1)] if sent else float("nan")
    print()
    print(f"== Kefu dispatch benchmark ({args.db}, {args.workers} worker threads)")
    print(f"{'orders created and dispatched':<44} {len(rows):,} by {args.agents} agents")
    print(
        f"{'time to create and dispatch them':<44} {burst_seconds:.1f} s "
        f"({len(rows) / burst_seconds:,.0f} orders/s)"
    )
    print(f"{'dispatch SMS (field staff + dispatcher copy)':<44} {total:,}")
    print(f"{'all SMS sent after':<44} {drained_seconds:.1f} s from the first order")
    if sent:
        print(
            f"{'latency, confirm → SMS sent (field staff)':<44} median {statistics.median(sent):.1f} s"
            f", p95 {p95:.1f} s, worst {sent[-1]:.1f} s"
        )
    print(
        f"{'within 3 minutes':<44} {within:,} of {len(rows):,}"
        f" ({100 * within / len(rows) if rows else 0:.1f} %)"
    )
    print(f"command: {command}")


if __name__ == "__main__":
    main()
