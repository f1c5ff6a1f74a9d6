#!/usr/bin/env python
"""Kefu complaint benchmark: the time-limit sweep and the monthly complaint statistics on a
large center.

    .venv/bin/python bench/complaints.py --db postgres --tickets 1000000 --open 50000
    .venv/bin/python bench/complaints.py --db sqlite --tickets 100000 --open 5000

Loads the center with bench/run.py's bulk loader (same data set, same --seed; --reuse keeps an
already loaded database), then adds the complaint layer: a complaint record for every complaint
ticket, stored deadlines for every complaint (met or late for the finished ones), and running
deadlines for --open open tickets, due over the next seven days with a burst of --burst due in
one minute (a district's outage). Then it measures, each a median over --runs:

- the sweep that the worker runs every minute (warnings, breaches with their timeline rows and
  notifications, escalation steps), minute after minute, and in the burst minute;
- the monthly complaint statistics (page figures and the Excel workbook) of a busy month.

It prints the figures and the exact command. Runs over loopback and the local database only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--tickets", type=int, default=100_000)
    p.add_argument("--open", type=int, default=5_000, help="open tickets with running clocks")
    p.add_argument("--burst", type=int, default=500, help="deadlines due in one minute")
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kefu_bench")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    p.add_argument("--seed", type=int, default=2025)
    return p.parse_args()


ARGS = parse_args()
# bench/run.py reads its arguments when imported: hand it the loader's share of ours.
_argv = sys.argv
sys.argv = [
    "run.py",
    "--db",
    ARGS.db,
    "--tickets",
    str(ARGS.tickets),
    "--pg-url",
    ARGS.pg_url,
    "--seed",
    str(ARGS.seed),
    *(["--data-dir", ARGS.data_dir] if ARGS.data_dir else []),
]
sys.path.insert(0, str(ROOT / "bench"))
import run as base  # noqa: E402

sys.argv = _argv
log = base.log


def ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"


def load_database() -> None:
    reuse = False
    if ARGS.reuse:
        base.django_setup()
        from kefu.tickets.models import Ticket

        try:
            reuse = Ticket.objects.count() >= ARGS.tickets
        except Exception:  # noqa: BLE001 - no schema yet
            reuse = False
        if reuse:
            import subprocess

            subprocess.run(
                [str(base.VENV_BIN / "kefu"), "migrate", "-v0"], env=base.ENV, check=True, cwd=ROOT
            )
    if not reuse:
        base.fresh_database()
        base.django_setup()
        from kefu.demo import seed_organization

        seed_organization()
        base.load(random.Random(ARGS.seed))
    log("reused the loaded database" if reuse else "loaded")


def load_complaints(now: dt.datetime) -> None:
    """Complaint records and stored deadlines, written as the services would write them."""
    from django.db import connection

    from kefu.complaints.models import Category, CollectiveGroup, Complaint, Plan
    from kefu.notify.models import Delivery, Notification
    from kefu.sla.models import Deadline, Policy
    from kefu.tickets.models import OPEN_STATUSES, Ticket, TicketEvent

    rng = random.Random(ARGS.seed + 7)
    t0 = time.perf_counter()
    # Start from a clean complaint layer (a --reuse run may have one): plain DELETEs, since
    # the ORM's cascade collection binds every id as a parameter.
    with connection.cursor() as cur:
        for model in (Notification, Delivery, Deadline, Plan, Complaint, CollectiveGroup):
            cur.execute(f'DELETE FROM "{model._meta.db_table}"')
        cur.execute(
            f"DELETE FROM \"{TicketEvent._meta.db_table}\" WHERE kind IN ('sla', 'complaint')"
        )
    categories = list(Category.objects.values_list("id", flat=True))
    policy = Policy.objects.get(name="投诉·一般")
    complaint_tickets = Ticket.objects.filter(type__code="complaint").values_list(
        "id", "area_id", "received_at", "status", "resolved_at"
    )
    classes = ["responsible"] * 6 + ["not_responsible"] * 3 + ["assist"]
    rows, deadline_rows = [], []
    for tid, area_id, received, status, _resolved in complaint_tickets.iterator(chunk_size=20000):
        is_open = status in OPEN_STATUSES
        major = rng.random() < 0.08
        rows.append(
            [
                tid,
                area_id,
                received,
                is_open,
                rng.choice(categories),
                "customer",
                False,
                "" if is_open and rng.random() < 0.3 else rng.choice(classes),
                "decided",
                "major" if major else "general",
                ["loss_injury"] if major else [],
                False,
                "",
                "",
                "",
                "",
                0,
                "",
                "",
            ]
        )
        if not is_open:
            for code, name, minutes in (
                ("transmit", "转至责任部门", 10),
                ("react", "部门响应", 20),
                ("result", "处理结果", 120),
            ):
                due = received + dt.timedelta(minutes=minutes)
                met = received + dt.timedelta(minutes=minutes * rng.uniform(0.2, 1.3))
                state = "met" if met <= due else "late"
                deadline_rows.append(
                    [
                        tid,
                        policy.id,
                        code,
                        name,
                        "received",
                        received,
                        due,
                        due,
                        state,
                        met,
                        0,
                        dt.timedelta(0),
                    ]
                )
    columns = [
        "ticket_id",
        "area_id",
        "received_at",
        "is_open",
        "category_id",
        "source",
        "loss_or_injury",
        "complaint_class",
        "determination",
        "severity",
        "reasons",
        "severity_overridden",
        "explanation",
        "reply_text",
        "confirmation",
        "confirmation_note",
        "unsatisfied_count",
        "cause",
        "corrective_action",
    ]
    base.Writer(Complaint, columns).write(iter(rows))
    log(f"complaints: {len(rows)} in {time.perf_counter() - t0:.1f}s")

    # Running clocks: --open open tickets, due over the next week, --burst of them in minute 30.
    t0 = time.perf_counter()
    open_tickets = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .order_by("-id")
        .values_list("id", "branch_id", "type_id")[: ARGS.open]
    )
    if len(open_tickets) < ARGS.open:
        log(f"only {len(open_tickets)} open tickets in the data set")
    burst_at = now + dt.timedelta(minutes=30)
    for i, (tid, branch_id, type_id) in enumerate(open_tickets):
        if i < ARGS.burst:
            due = burst_at + dt.timedelta(seconds=rng.uniform(0, 59))
        else:
            due = now + dt.timedelta(minutes=rng.uniform(60, 7 * 24 * 60))
        start = due - dt.timedelta(hours=2)
        warn = start + (due - start) * 0.8
        if warn <= now:
            warn = due
        deadline_rows.append(
            [
                tid,
                branch_id,
                type_id,
                policy.id,
                "result",
                "处理结果",
                "received",
                start,
                due,
                warn,
                "pending",
                None,
                0,
                dt.timedelta(0),
            ]
        )
    base.Writer(
        Deadline,
        [
            "ticket_id",
            "branch_id",
            "ticket_type_id",
            "policy_id",
            "code",
            "name",
            "start",
            "started_at",
            "due_at",
            "warn_at",
            "state",
            "met_at",
            "escalation_level",
            "paused_for",
        ],
    ).write(iter(deadline_rows))
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for model in (Complaint, Deadline):
                cur.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
        else:
            cur.execute("ANALYZE")
    log(
        f"deadlines: {len(deadline_rows)} ({len(open_tickets)} running) in {time.perf_counter() - t0:.1f}s"
    )


def measure_sweep(now: dt.datetime) -> list[tuple[str, str]]:
    """The worker's minute, as it comes: the burst's warnings (minute 6), its breaches (minute
    30), then ordinary minutes an hour and a half in, when the week's clocks fall due a few a
    minute; each after an untimed sweep that clears what fell due before it."""
    from kefu.sla.escalation import escalate
    from kefu.sla.models import Deadline
    from kefu.sla.services import sweep

    def minute(n: int) -> dt.datetime:
        return now + dt.timedelta(minutes=n)

    figures = []
    sweep(minute(5))
    t0 = time.perf_counter()
    warned, breached = sweep(minute(7))
    figures.append(
        (
            f"sweep, burst of warnings ({warned} warned)",
            f"{(time.perf_counter() - t0) * 1000:.0f} ms",
        )
    )
    sweep(minute(29))
    t0 = time.perf_counter()
    warned, breached = sweep(minute(31))
    figures.append(
        (
            f"sweep, burst of breaches ({breached} breached)",
            f"{(time.perf_counter() - t0) * 1000:.0f} ms",
        )
    )
    sweep(minute(89))
    escalate(minute(89))
    samples, counts = [], []
    for n in range(90, 90 + ARGS.runs):
        t0 = time.perf_counter()
        warned, breached = sweep(minute(n))
        escalated = escalate(minute(n))
        samples.append(time.perf_counter() - t0)
        counts.append(warned + breached + escalated)
    figures.append(
        (
            f"sweep + escalation, an ordinary minute ({statistics.median(counts):.0f} rows acted on)",
            ms(samples),
        )
    )
    empty = []
    for _ in range(ARGS.runs):
        t0 = time.perf_counter()
        sweep(now - dt.timedelta(days=365))
        escalate(now - dt.timedelta(days=365))
        empty.append(time.perf_counter() - t0)
    figures.append(("sweep + escalation, nothing due", ms(empty)))
    running = Deadline.objects.filter(state__in=["pending", "breached"]).count()
    figures.append(
        ("running deadlines / all stored", f"{running:,} / {Deadline.objects.count():,}")
    )
    return figures


def measure_reports(now: dt.datetime) -> list[tuple[str, str]]:
    try:
        from kefu.reports import services as reports
    except ImportError:
        return []
    from kefu.tickets.models import Ticket

    busiest = (
        Ticket.objects.filter(type__code="complaint")
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    month = (busiest or now).astimezone(now.tzinfo).date().replace(day=1)
    figures = []
    samples = []
    for _ in range(max(3, ARGS.runs // 3)):
        t0 = time.perf_counter()
        stats = reports.monthly_statistics(month)
        samples.append(time.perf_counter() - t0)
    figures.append((f"monthly statistics {month:%Y-%m} ({stats.total} complaints)", ms(samples)))
    samples = []
    for _ in range(3):
        t0 = time.perf_counter()
        reports.monthly_workbook(stats)
        samples.append(time.perf_counter() - t0)
    figures.append(("monthly statistics as Excel (from the figures)", ms(samples)))
    return figures


def main() -> None:
    t_begin = time.perf_counter()
    load_database()
    from django.utils import timezone

    now = timezone.now().replace(second=0, microsecond=0)
    load_complaints(now)
    figures = [
        ("tickets", f"{ARGS.tickets:,}"),
        ("open tickets with running clocks", f"{ARGS.open:,}"),
    ]
    figures += measure_sweep(now)
    figures += measure_reports(now)
    command = " ".join(
        shlex.quote(a) for a in [".venv/bin/python", "bench/complaints.py", *sys.argv[1:]]
    )
    print()
    print(f"== Kefu complaint benchmark ({ARGS.db}), {time.perf_counter() - t_begin:.0f} s")
    for name, value in figures:
        print(f"{name:<62} {value}")
    print(f"command: {command}")


if __name__ == "__main__":
    main()
