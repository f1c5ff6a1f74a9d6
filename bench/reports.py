#!/usr/bin/env python
"""Kefu report benchmark: the report layer (kefu.reports.catalog's nine reports, their Excel
workbooks) and the monthly complaint workbook on a large center, on PostgreSQL.

    .venv/bin/python bench/reports.py --db-url postgres://postgres@127.0.0.1:5432/kefu_reports
    .venv/bin/python bench/reports.py --db-url ... --scale 0.05          # a quick run
    .venv/bin/python bench/reports.py --db-url ... --reuse               # keep the loaded center

Loads (in a child process, so that the measuring process's memory figures are its own) a
center of 1,000,000 tickets over the last 13 months and 200,000 customers (``--scale``
multiplies both): 2 branches, their areas and departments, about 60 staff, ~10 % complaints
with their complaint records (categories, class, severity, repeats, collective groups), about
two time limits per ticket (met, late, breached or running), callback tasks and surveys for
the resolved complaints and repairs, and ~50,000 work orders. Rows go in with PostgreSQL COPY
(bench/run.py's Writer), the tables' secondary indexes dropped during the load and rebuilt
after: the services write a ticket in several statements with their rules, checks and
timeline (about 2 ms each, bench/README.md), so a million through them would take most of an
hour and measure intake, not the reports. No timeline rows or search words are written (the
reports read neither).

Then, in this process through Django's test client: every report of the catalogue as the page
(logged in as the supervisor, and as a branch's team lead) and as the API JSON, over a month,
three months and twelve months (whole months before this one), grouped by its default
dimension (page, branch lead's page, API) and by two others (the supervisor's page); a warm-up
and ``--runs`` runs each (``--runs-year`` for twelve months). Then each report's workbook
(boards.read + export.board_workbook) and the monthly complaint workbook of the last month,
with tracemalloc's peak and the growth of the process's max RSS; then EXPLAIN (ANALYZE,
BUFFERS) of the slowest statements. It prints the figures and the exact command.

Refuses SQLite, and a database that already holds a center unless ``--reuse`` (which keeps
it, migrates it and loads nothing). Loopback and the local database only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import common

ROOT = common.ROOT


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db-url", default=os.environ.get("DATABASE_URL", ""))
    p.add_argument("--scale", type=float, default=1.0, help="1.0: 1M tickets, 200k customers")
    p.add_argument("--reuse", action="store_true", help="keep an already loaded center")
    p.add_argument("--runs", type=int, default=20, help="runs per figure (month, 3 months)")
    p.add_argument("--runs-year", type=int, default=5, help="runs per figure (12 months)")
    p.add_argument("--only", default="", help="comma list of report keys (default: all)")
    p.add_argument("--periods", default="1,3,12", help="months per period, comma list")
    p.add_argument("--no-others", action="store_true", help="the default dimension only")
    p.add_argument("--no-exports", action="store_true")
    p.add_argument("--explain", type=int, default=6, help="slowest statements to EXPLAIN")
    p.add_argument("--data-dir", default="/tmp/kefu-bench-reports")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


ARGS = parse_args()
if not ARGS.db_url:
    raise SystemExit("give the PostgreSQL database: --db-url postgres://... or DATABASE_URL")
if not ARGS.db_url.startswith(("postgres://", "postgresql://")):
    raise SystemExit("bench/reports.py measures PostgreSQL only: refusing " + ARGS.db_url)

# bench/run.py reads its arguments when imported: hand it the loader's share of ours.
_argv = sys.argv
sys.argv = ["run.py", "--db", "postgres", "--pg-url", ARGS.db_url, "--data-dir", ARGS.data_dir]
import run as base  # noqa: E402

sys.argv = _argv

ENV = base.ENV
T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f}s] {msg}", flush=True)


# ------------------------------------------------------------------------------- the database


def ensure_database() -> None:
    """Create the database if it does not exist (never drops one)."""
    import psycopg

    admin_url, _, dbname = ARGS.db_url.rpartition("/")
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{dbname}"')
            log(f"created database {dbname}")


def migrate() -> None:
    t0 = time.perf_counter()
    Path(ARGS.data_dir).mkdir(parents=True, exist_ok=True)
    subprocess.run([common.KEFU, "migrate", "-v0"], env=ENV, check=True, cwd=ROOT)
    log(f"kefu migrate: {time.perf_counter() - t0:.1f}s")


def center_loaded() -> bool:
    from kefu.accounts.models import Department
    from kefu.tickets.models import Ticket

    return Ticket.objects.exists() or Department.objects.exists()


TYPE_WEIGHTS = {  # about one request in ten a complaint
    "repair": 40,
    "inquiry": 24,
    "complaint": 10,
    "help": 4,
    "report": 3,
    "lookup": 10,
    "suggestion": 4,
    "order": 5,
}
OPEN = ("new", "accepted", "dispatched", "in_progress", "awaiting_confirmation")
# Time limits per type (name, minutes): about two per ticket on average.
LIMITS = {
    "repair": [("受理响应", 30), ("到场", 240), ("处理结果", 2880)],
    "complaint": [("转至责任部门", 10), ("部门响应", 120), ("处理结果", 4320)],
    "inquiry": [("答复", 240)],
    "lookup": [("答复", 60)],
    "help": [("受理响应", 30), ("处理结果", 1440)],
    "report": [("受理响应", 60), ("处理结果", 4320)],
    "suggestion": [("答复", 4320)],
    "order": [("受理响应", 60), ("处理结果", 4320)],
}
EXTRA_STAFF = {  # branch → (agents, handlers per department)
    "hq": (26, 2),
    "sz": (10, 3),
}
WO_KINDS = ["repair"] * 50 + ["install"] * 15 + ["pickup"] * 15 + ["delivery"] * 10
WO_KINDS += ["survey"] * 5 + ["other"] * 5
WO_SOURCES = ["phone"] * 5 + ["web"] * 2 + ["ticket"] * 3 + ["api"]


def staff() -> dict:
    """The demo organization, about 40 more agents and handlers, a team lead per branch and
    two crews per field department (through the accounts service: a few dozen rows)."""
    from django.contrib.auth import get_user_model

    from kefu.accounts.models import Branch, Department, Role, StaffProfile
    from kefu.accounts.services import create_staff
    from kefu.demo import DEMO_PASSWORD, seed_organization
    from kefu.dispatch.models import Crew

    seed_organization()
    branches = {b.code: b for b in Branch.objects.all()}
    departments = list(Department.objects.select_related("branch"))
    number = 9000
    User = get_user_model()
    for code, (agents, handlers) in EXTRA_STAFF.items():
        if not User.objects.filter(username=f"{code}-lead").exists():  # the demo has sz-lead
            create_staff(
                username=f"{code}-lead",
                password=DEMO_PASSWORD,
                employee_no={"hq": "8801", "sz": "8802"}.get(code, "8803"),
                display_name=f"{branches[code].name}班长",
                role=Role.TEAM_LEAD,
                branch=branches[code],
            )
        for i in range(agents):
            number += 1
            create_staff(
                username=f"{code}-agent{i + 1}",
                password=DEMO_PASSWORD,
                employee_no=str(number),
                display_name=base.SURNAMES[number % len(base.SURNAMES)] + base.GIVEN[i % 20],
                role=Role.AGENT,
                branch=branches[code],
            )
        for d in (d for d in departments if d.branch.code == code):
            for i in range(handlers):
                number += 1
                create_staff(
                    username=f"{d.code}-h{i + 1}",
                    password=DEMO_PASSWORD,
                    employee_no=str(number),
                    display_name=base.SURNAMES[number % len(base.SURNAMES)] + "师傅",
                    role=Role.DEPT_HANDLER if i else Role.FIELD_STAFF,
                    department=d,
                )
    profiles = list(StaffProfile.objects.select_related("department", "branch"))
    by_dept: dict[int, list[int]] = {}
    for p in profiles:
        if p.department_id:
            by_dept.setdefault(p.department_id, []).append(p.user_id)
    for d in departments:
        if d.code in ("repair", "network", "sz-repair", "delivery"):
            for i in range(2):
                Crew.objects.get_or_create(
                    department=d,
                    name=f"{d.name}{i + 1}班",
                    defaults={"leader_id": by_dept[d.id][0]},
                )
    agents = {
        code: [p.user_id for p in profiles if p.role == Role.AGENT and p.branch_id == b.id]
        for code, b in branches.items()
    }
    center_agents = [p.user_id for p in profiles if p.role == Role.AGENT and p.branch_id is None]
    agents["hq"] += center_agents
    return {
        "branches": {code: b.id for code, b in branches.items()},
        "departments": {d.code: d.id for d in departments},
        "dept_branch": {d.id: d.branch_id for d in departments},
        "handlers": by_dept,
        "agents": agents,
        "users": User.objects.count(),
        "crew_list": list(Crew.objects.values_list("id", "department_id")),
    }


def load() -> None:
    """The center, with COPY (see the module's docstring for why not the services)."""
    from django.db import connection
    from django.utils import timezone

    from kefu.accounts.models import ServiceArea
    from kefu.complaints.models import Category, CollectiveGroup, Complaint
    from kefu.core.models import SerialCounter
    from kefu.core.services import format_serial
    from kefu.customers.models import Customer, CustomerPhone
    from kefu.dispatch.models import WorkOrder
    from kefu.followups.models import CallbackTask, Survey
    from kefu.sla.models import Deadline, Policy
    from kefu.tickets.models import Ticket, TicketType

    rng = random.Random(ARGS.seed)
    t_all = time.perf_counter()
    org = staff()
    log(f"organization: {org['users']} logins")
    tz = timezone.get_current_timezone()
    now = timezone.now()
    branches, depts = org["branches"], org["departments"]
    areas = [(a.id, a.branch_id, a.name) for a in ServiceArea.objects.all()]
    types = {t.code: t.id for t in TicketType.objects.all()}
    policies = {p.ticket_type_id: p.id for p in Policy.objects.all() if p.ticket_type_id}
    any_policy = Policy.objects.values_list("id", flat=True).first()
    categories = list(Category.objects.values_list("id", flat=True))
    branch_code = {v: k for k, v in branches.items()}

    tables = [Customer, CustomerPhone, Ticket, Complaint, Deadline, CallbackTask, Survey, WorkOrder]
    dropped = []
    with connection.cursor() as cur:
        for model in tables:
            for name, create_sql in base.secondary_indexes(model._meta.db_table):
                cur.execute(f'DROP INDEX "{name}"')
                dropped.append((name, create_sql))

    # Customers, their phones.
    t0 = time.perf_counter()
    n_cust = max(100, int(200_000 * ARGS.scale))
    cust_area = []

    def customers():
        for i in range(n_cust):
            area_id, branch_id, area_name = areas[i % len(areas)]
            if rng.random() < 0.08:
                area_id, area_name = None, ""
            cust_area.append((area_id, branch_id))
            created = now - dt.timedelta(days=420 + rng.random() * 2000)
            yield [
                i + 1,
                rng.choice(base.SURNAMES) + rng.choice(["先生", "女士"]),
                "person",
                "",
                f"{branch_code[branch_id].upper()}{1000000 + i}",
                f"4403{rng.randrange(10**13):013d}{rng.choice('0123456789X')}",
                f"{area_name or rng.choice(base.ESTATES)}{rng.choice(base.STREETS)}{i % 200}号",
                "",
                branch_id,
                area_id,
                "",
                True,
                created,
                created,
                None,
            ]

    cols = ["id", "name", "kind", "gender", "account_no", "id_number", "address", "email"]
    cols += ["branch_id", "area_id", "notes", "is_active", "created_at", "updated_at"]
    base.Writer(Customer, [*cols, "created_by_id"]).write(customers())
    base.Writer(
        CustomerPhone, ["customer_id", "contact_id", "number", "label", "is_primary"]
    ).write([i + 1, None, base.mobile(i), "", True] for i in range(n_cust))
    log(f"customers: {n_cust:,} in {time.perf_counter() - t0:.1f}s")

    # Tickets over 13 months up to an hour ago.
    t0 = time.perf_counter()
    n = int(1_000_000 * ARGS.scale)
    end = now.timestamp() - 3600
    span = 396 * 86400
    stamps = sorted(end - span + rng.random() * span for _ in range(n))
    recent_cut = end - 30 * 86400
    type_codes, type_cum = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    pool = {code: [p + t for p in base.PHRASES[code] for t in base.TAILS] for code in base.PHRASES}
    dept_for_type = {
        "lookup": "billing",
        "inquiry": "billing",
        "report": "network",
        "complaint": "repair",
        "order": "repair",
    }
    complaint_dept = ["repair", "network", "billing", "quality-dept"]
    ticket_cols = [f.column for f in Ticket._meta.concrete_fields]
    idx = {c: i for i, c in enumerate(ticket_cols)}
    day_counts: dict[dt.date, int] = {}
    # Per ticket what the later tables need: (id, type code, received, status, resolved,
    # customer, branch, area, department, agent).
    facts: list[tuple] = []

    def tickets():
        for k, ts in enumerate(stamps):
            tid = k + 1
            received = dt.datetime.fromtimestamp(ts, tz)
            day = received.date()
            number = day_counts.get(day, 0) + 1
            day_counts[day] = number
            code = rng.choices(type_codes, type_cum)[0]
            status = rng.choice(base.OLD_STATUS if ts < recent_cut else base.NEW_STATUS)
            if rng.random() < 0.85:
                c = rng.randrange(n_cust)
                customer_id = c + 1
                area_id, branch_id = cust_area[c]
            else:
                customer_id, area_id = None, None
                branch_id = branches["hq"] if rng.random() < 0.7 else branches["sz"]
            in_sz = branch_id == branches["sz"]
            dept = assignee = None
            if status in base.DEPT_STATUSES:
                if in_sz:
                    dept = depts["sz-repair"]
                elif code == "complaint":
                    dept = depts[rng.choice(complaint_dept)]
                else:
                    dept = depts[dept_for_type.get(code, "repair")]
                if status != "dispatched" or rng.random() < 0.3:
                    assignee = rng.choice(org["handlers"][dept])
            agent = rng.choice(org["agents"]["sz" if in_sz else "hq"])
            resolved = closed = None
            if status in ("resolved", "followed_up", "closed"):
                resolved = received + dt.timedelta(hours=0.5 + rng.expovariate(1 / 20))
                if resolved > now:
                    resolved = now
            if status == "closed":
                closed = min(now, resolved + dt.timedelta(hours=rng.random() * 48))
            row = [None] * len(ticket_cols)
            row[idx["id"]] = tid
            row[idx["serial"]] = format_serial(day, number)
            row[idx["type_id"]] = types[code]
            row[idx["channel"]] = rng.choice(base.CHANNELS)
            row[idx["status"]] = status
            row[idx["priority"]] = rng.choice(base.PRIORITIES)
            row[idx["received_at"]] = received
            row[idx["created_at"]] = received + dt.timedelta(seconds=30)
            row[idx["updated_at"]] = closed or resolved or received
            row[idx["resolved_at"]] = resolved
            row[idx["closed_at"]] = closed
            row[idx["branch_id"]] = branch_id
            row[idx["area_id"]] = area_id
            row[idx["customer_id"]] = customer_id
            row[idx["contact_name"]] = rng.choice(base.SURNAMES) + "先生"
            row[idx["caller_number"]] = base.mobile(customer_id or k)
            row[idx["content"]] = rng.choice(pool[code])
            row[idx["desired_result"]] = ""
            row[idx["reply_method"]] = "phone"
            row[idx["callback_declined"]] = rng.random() < 0.05
            row[idx["anonymous"]] = False
            row[idx["department_id"]] = dept
            row[idx["assignee_id"]] = assignee
            row[idx["created_by_id"]] = agent
            row[idx["search_tokens"]] = ""
            if status in OPEN and rng.random() < 0.9:
                row[idx["due_at"]] = received + dt.timedelta(minutes=30 + rng.random() * 4300)
            facts.append(
                (
                    tid,
                    code,
                    received,
                    status,
                    resolved,
                    customer_id,
                    branch_id,
                    area_id,
                    dept,
                    agent,
                )
            )
            yield row

    tw = base.Writer(Ticket, ticket_cols)
    tw.write(tickets())
    SerialCounter.objects.bulk_create(
        [SerialCounter(day=d, last=c) for d, c in day_counts.items()],
        update_conflicts=True,
        update_fields=["last"],
        unique_fields=["day"],
    )
    log(f"tickets: {tw.rows:,} in {time.perf_counter() - t0:.1f}s")

    # Complaints: repeats (the customer's earlier complaint within 90 days), collective groups
    # (an area's outage: a few complaints of one area within hours).
    t0 = time.perf_counter()
    groups: list[list] = []
    last_complaint: dict[int, tuple[int, dt.datetime]] = {}
    open_group: dict[int, tuple[int, dt.datetime, int]] = {}  # area → (group, since, members)
    complaint_rows = []
    for tid, code, received, status, _res, cust, _b, area, _d, _a in facts:
        if code != "complaint":
            continue
        repeat = None
        if cust and cust in last_complaint:
            prev, when = last_complaint[cust]
            if received - when < dt.timedelta(days=90):
                repeat = prev
        if cust:
            last_complaint[cust] = (tid, received)
        group = None
        if area and rng.random() < 0.06:
            current = open_group.get(area)
            if current and received - current[1] < dt.timedelta(hours=6) and current[2] < 8:
                group = current[0]
                open_group[area] = (group, current[1], current[2] + 1)
            else:
                group = len(groups) + 1
                groups.append([group, area, f"片区停水集体投诉 {received:%m-%d}", received, None])
                open_group[area] = (group, received, 1)
        major = rng.random() < 0.06
        is_open = status in OPEN
        complaint_rows.append(
            [tid, area, received, is_open, rng.choice(categories), "customer", major]
            + [rng.choice(["responsible"] * 6 + ["not_responsible"] * 3 + ["assist"])]
            + ["pending" if is_open and rng.random() < 0.3 else "decided"]
            + ["major" if major else "general", ["loss_injury"] if major else [], False]
            + [repeat, group, "", "", "", "", 0, "", ""]
        )
    base.Writer(CollectiveGroup, ["id", "area_id", "title", "detected_at", "owner_id"]).write(
        iter(groups)
    )
    base.Writer(
        Complaint,
        ["ticket_id", "area_id", "received_at", "is_open", "category_id", "source"]
        + ["loss_or_injury", "complaint_class", "determination", "severity", "reasons"]
        + ["severity_overridden", "repeat_of_id", "group_id", "explanation", "reply_text"]
        + ["confirmation", "confirmation_note", "unsatisfied_count", "cause", "corrective_action"],
    ).write(iter(complaint_rows))
    log(
        f"complaints: {len(complaint_rows):,} ({sum(1 for r in complaint_rows if r[12]):,} "
        f"repeats, {len(groups):,} collective groups) in {time.perf_counter() - t0:.1f}s"
    )
    del complaint_rows

    # Time limits: met or late once the ticket is resolved, breached or running while open.
    t0 = time.perf_counter()

    def deadlines():
        for tid, code, received, status, resolved, _customer, branch, *_rest in facts:
            policy = policies.get(types[code], any_policy)
            for position, (name, minutes) in enumerate(LIMITS[code]):
                due = received + dt.timedelta(minutes=minutes)
                if status == "cancelled":
                    state, met = "cancelled", None
                elif position < len(LIMITS[code]) - 1 or resolved is not None:
                    # the earlier targets and a resolved ticket's result are met, on time or not
                    met = received + dt.timedelta(minutes=minutes * rng.uniform(0.1, 1.35))
                    if position == len(LIMITS[code]) - 1:
                        met = resolved
                    if met > now:
                        met = now
                    state = "met" if met <= due else "late"
                else:
                    met = None
                    state = "breached" if due < now else "pending"
                yield [
                    tid,
                    branch,
                    types[code],
                    policy,
                    f"t{position}",
                    name,
                    "received",
                    received,
                    due,
                    received + (due - received) * 0.8,
                    state,
                    due if state == "breached" else None,
                    met,
                    0,
                    dt.timedelta(0),
                ]

    dw = base.Writer(
        Deadline,
        ["ticket_id", "branch_id", "ticket_type_id", "policy_id", "code", "name", "start"]
        + [
            "started_at",
            "due_at",
            "warn_at",
            "state",
            "breached_at",
            "met_at",
            "escalation_level",
            "paused_for",
        ],
    )
    dw.write(deadlines())
    log(f"deadlines: {dw.rows:,} in {time.perf_counter() - t0:.1f}s")

    # Callbacks for the resolved complaints and half the resolved repairs; surveys for them.
    t0 = time.perf_counter()
    callbacks, surveys = [], []
    for tid, code, _received, _status, resolved, _c, _b, _a, dept, agent in facts:
        if resolved is None or code not in ("complaint", "repair"):
            continue
        if code == "repair" and rng.random() < 0.5:
            continue
        due = resolved + dt.timedelta(hours=48)
        roll = rng.random()
        if due > now and roll < 0.7:
            state, outcome, finished = "open", "", None
        elif roll < 0.8:
            state = "done"
            outcome = "satisfied" if rng.random() < 0.86 else "unsatisfied"
            finished = min(now, resolved + dt.timedelta(hours=rng.random() * 40))
        else:
            state = rng.choice(["given_up", "refused", "excluded", "cancelled"])
            outcome, finished = "", min(now, due)
        task_id = len(callbacks) + 1
        callbacks.append(
            [task_id, tid, None, "complaint" if code == "complaint" else "after_sales", "phone"]
            + [state, outcome, "declined" if state == "excluded" else ""]
            + [rng.choice(org["agents"]["hq"]), dept, due, 0, 3, 120, "", resolved, finished]
        )
        if rng.random() < 0.6:
            answered = rng.random() < 0.45 and resolved + dt.timedelta(days=1) < now
            score = rng.choices([1, 2, 3, 4, 5], [3, 4, 10, 30, 53])[0] if answered else None
            surveys.append(
                [tid, task_id, agent, dept, None, "answered" if answered else "expired", "sms"]
                + [score, "", resolved, resolved + dt.timedelta(days=7), resolved]
                + [resolved + dt.timedelta(hours=5) if answered else None]
            )
    base.Writer(
        CallbackTask,
        ["id", "ticket_id", "rule_id", "purpose", "method", "state", "outcome", "excluded_reason"]
        + ["assignee_id", "department_id", "due_at", "attempts", "max_attempts", "retry_minutes"]
        + ["note", "created_at", "finished_at"],
    ).write(iter(callbacks))
    base.Writer(
        Survey,
        ["ticket_id", "task_id", "agent_id", "department_id", "token", "state", "channel"]
        + ["score", "comment", "created_at", "expires_at", "sent_at", "answered_at"],
    ).write(iter(surveys))
    log(
        f"callbacks: {len(callbacks):,}, surveys: {len(surveys):,} "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    del callbacks, surveys

    # Work orders: ~50,000 over the same 13 months, a third from a ticket.
    t0 = time.perf_counter()
    n_wo = int(50_000 * ARGS.scale)
    wo_stamps = sorted(end - span + rng.random() * span for _ in range(n_wo))
    field_depts = [d for d, _c in org["crew_list"]]

    def orders():
        serials: dict[dt.date, int] = {}
        for k, ts in enumerate(wo_stamps):
            ordered = dt.datetime.fromtimestamp(ts, tz)
            day = ordered.date()
            serials[day] = serials.get(day, 0) + 1
            crew, dept = rng.choice(org["crew_list"]) if field_depts else (None, depts["repair"])
            kind = rng.choice(WO_KINDS)
            old = ts < recent_cut
            status = (
                rng.choice(["closed"] * 8 + ["completed"] + ["cancelled"])
                if old
                else rng.choice(["pending", "dispatched", "accepted", "on_site", "completed"])
            )
            due = ordered + dt.timedelta(hours=rng.choice([4, 8, 24, 48]))
            done = None
            if status in ("completed", "closed"):
                done = min(now, ordered + (due - ordered) * rng.uniform(0.3, 1.4))
            customer = rng.randrange(n_cust) + 1
            area_id, _branch = cust_area[customer - 1]
            yield [
                k + 1,
                f"P{day:%y%m%d}{serials[day]:04d}",
                rng.randrange(n) + 1 if rng.random() < 0.33 else None,
                kind,
                rng.choice(WO_SOURCES),
                status,
                org["dept_branch"][dept],
                dept,
                crew,
                rng.choice(org["handlers"][dept]),
                customer,
                "客户",
                "",
                area_id,
                "",
                ordered,
                due if rng.random() < 0.92 else None,
                "",
                ordered + dt.timedelta(minutes=20),
                done,
                done if status == "closed" else None,
                "",
                "",
                "",
                "",
                "",
                rng.choices([0, 1, 2, 3], [80, 12, 5, 3])[0],
                ordered,
                done or ordered,
            ]

    text = ["goods", "quantity", "weight", "volume", "destination", "consignee"]
    text += ["consignee_phone", "payment", "charges", "hint", "confirmation"]
    ow = base.Writer(
        WorkOrder,
        ["id", "serial", "ticket_id", "kind", "source", "status", "branch_id", "department_id"]
        + ["crew_id", "assignee_id", "customer_id", "customer_name", "customer_phone", "area_id"]
        + ["address", "ordered_at", "due_at", "due_rule", "dispatched_at", "completed_at"]
        + ["closed_at", "result", "materials", "confirmation_code", "signature", "return_reason"]
        + ["chase_count", "created_at", "updated_at"],
    )
    # The freight fields are empty strings (NOT NULL without a database default).
    ow.columns = ow.columns + text
    ow.write([*row, *[""] * len(text)] for row in orders())
    log(f"work orders: {ow.rows:,} in {time.perf_counter() - t0:.1f}s")

    from django.core.management.color import no_style

    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [*tables, CollectiveGroup, SerialCounter]
        ):
            cur.execute(sql)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _name, create_sql in dropped:
            cur.execute(create_sql)
    log(f"rebuilt {len(dropped)} indexes in {time.perf_counter() - t0:.1f}s")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for model in [*tables, CollectiveGroup, SerialCounter]:
            cur.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
    log(f"vacuum analyze: {time.perf_counter() - t0:.1f}s")
    log(f"loaded in {time.perf_counter() - t_all:.1f}s")


# ------------------------------------------------------------------------------- measuring


def months_back(today: dt.date, count: int) -> tuple[dt.date, dt.date]:
    """The ``count`` whole months before this one: (first day, last day)."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    first = end.replace(day=1)
    for _ in range(count - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, end


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.slowest: list[tuple[float, str, dict]] = []  # (median, report, params)


def time_reports(today: dt.date) -> Timer:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from kefu.reports.catalog import REPORTS

    User = get_user_model()
    clients = {}
    for who in ("supervisor", "hq-lead"):
        c = Client()
        c.force_login(User.objects.get(username=who))
        clients[who] = c
    timer = Timer()
    only = {k for k in ARGS.only.split(",") if k}
    periods = [int(p) for p in ARGS.periods.split(",") if p]
    for report in REPORTS:
        if only and report.key not in only:
            continue
        others = [d for d in report.dims if d != report.by and d not in ("day", "hour")][:2]
        for months in periods:
            start, end = months_back(today, months)
            runs = ARGS.runs if months < 12 else ARGS.runs_year
            plans = [
                ("page", "supervisor", report.by),
                ("page", "hq-lead", report.by),
                ("api", "supervisor", report.by),
            ]
            if not ARGS.no_others:
                plans += [("page", "supervisor", by) for by in others]
            for kind, who, by in plans:
                params = {"start": start.isoformat(), "end": end.isoformat(), "by": by}
                url = (
                    f"/reports/r/{report.key}/"
                    if kind == "page"
                    else f"/api/v1/reports/r/{report.key}"
                )
                client = clients[who]
                response = client.get(url, params)  # warm-up
                if response.status_code != 200:
                    raise SystemExit(f"{url} {params} as {who}: {response.status_code}")
                samples = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    response = client.get(url, params)
                    samples.append(time.perf_counter() - t0)
                    assert response.status_code == 200
                med, p95 = statistics.median(samples), common.p95(samples)
                row = (report.key, f"{months}m", kind, who, by, med, p95, len(samples))
                timer.rows.append(row)
                timer.slowest.append((med, report.key, {**params, "who": who}))
                log(
                    f"{report.key:<15} {months:>2}m {kind:<4} {who:<10} by {by:<10} "
                    f"median {ms(med)} ms  p95 {ms(p95)} ms  (n={len(samples)})"
                )
    return timer


def time_exports(today: dt.date) -> list[tuple]:
    from django.contrib.auth import get_user_model

    from kefu.reports import boards, export
    from kefu.reports.catalog import REPORTS
    from kefu.reports.services import monthly_statistics, monthly_workbook

    supervisor = get_user_model().objects.get(username="supervisor")
    start, end = months_back(today, 1)
    params = {"start": start.isoformat(), "end": end.isoformat()}
    rows = []

    def measure(name: str, make) -> None:
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        size = len(make())
        first = time.perf_counter() - t0
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        samples = [first]
        for _ in range(2):
            t0 = time.perf_counter()
            make()
            samples.append(time.perf_counter() - t0)
        tracemalloc.start()
        make()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append((name, statistics.median(samples), max(samples), peak, rss1 - rss0, size))
        log(
            f"workbook {name:<18} median {ms(statistics.median(samples))} ms  "
            f"tracemalloc peak {peak / 1e6:.1f} MB  max RSS +{(rss1 - rss0) / 1024:.1f} MB  "
            f"{size / 1024:.0f} KB"
        )

    # The first report read of the process imports and compiles what every later one reuses
    # (the catalogue, the chart code, openpyxl, the translations): timed apart, not counted.
    t0 = time.perf_counter()
    export.board_workbook(boards.read(supervisor, "backlog", params))
    log(f"first workbook of the process (cold): {ms(time.perf_counter() - t0)} ms")
    measure("monthly complaints", lambda: monthly_workbook(monthly_statistics(start)))
    for report in REPORTS:
        measure(
            report.key,
            lambda report=report: export.board_workbook(
                boards.read(supervisor, report.key, params)
            ),
        )
    return rows


def explain(today: dt.date, timer: Timer) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest statements of the slowest reads."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.reports import boards

    User = get_user_model()
    statements: list[tuple[float, str, str]] = []
    seen = set()
    for _med, key, params in sorted(timer.slowest, key=lambda s: s[0], reverse=True):
        label = f"{key} {params['start']}..{params['end']} by {params['by']} ({params['who']})"
        if (key, params["start"], params["by"], params["who"]) in seen:
            continue
        seen.add((key, params["start"], params["by"], params["who"]))
        user = User.objects.get(username=params["who"])
        asked = {k: v for k, v in params.items() if k != "who"}
        with CaptureQueriesContext(connection) as captured:
            boards.read(user, key, asked)
        for q in captured.captured_queries:
            statements.append((float(q["time"]), label, q["sql"]))
        if len(seen) >= ARGS.explain:
            break
    out = []
    statements.sort(key=lambda s: s[0], reverse=True)
    for took, label, sql in statements[: ARGS.explain]:
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [r[0] for r in cur.fetchall()]
        out.append(f"-- {label}: {took * 1000:.0f} ms\n{sql[:600]}")
        keep = [
            line
            for line in plan
            if any(
                w in line
                for w in ("Scan", "Aggregate", "Join", "Sort", "Buffers", "Execution", "Planning")
            )
        ]
        out.append("\n".join("    " + line for line in keep[:24]))
    return out


def main() -> None:
    ensure_database()
    if ARGS.load_only:
        common.setup_django(ENV)
        load()
        return
    migrate()
    common.setup_django(ENV)
    from kefu.tickets.models import Ticket

    if center_loaded():
        if not ARGS.reuse:
            raise SystemExit(
                "the database already holds a center: pass --reuse to measure it, or name an "
                "empty database"
            )
        log("reusing the loaded center")
    else:
        cmd = [sys.executable, __file__, *sys.argv[1:], "--load-only"]
        subprocess.run(cmd, env={**ENV, "PYTHONPATH": str(ROOT)}, check=True, cwd=ROOT)
    from django.db import connection
    from django.utils import timezone

    connection.close()  # the child's analyze: plan with fresh statistics
    today = timezone.localdate()
    counts = {
        "tickets": Ticket.objects.count(),
    }
    with connection.cursor() as cur:
        for table in (
            "customers_customer",
            "complaints_complaint",
            "sla_deadline",
            "followups_callbacktask",
            "followups_survey",
            "dispatch_workorder",
            "auth_user",
        ):
            cur.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cur.fetchone()[0]
    log("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    exports = [] if ARGS.no_exports else time_exports(today)
    timer = time_reports(today)
    plans = explain(today, timer) if ARGS.explain else []

    print()
    print(f"== Kefu report benchmark (PostgreSQL), {time.perf_counter() - T0:.0f} s, {today}")
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    for m in (1, 3, 12):
        s, e = months_back(today, m)
        print(f"  {m:>2} months: {s} .. {e}")
    print()
    print(
        f"{'report':<15} {'period':>6} {'path':<4} {'as':<10} {'by':<10} "
        f"{'median ms':>10} {'p95 ms':>9} {'n':>3}"
    )
    for key, period, kind, who, by, med, p95, n in timer.rows:
        flag = "  > 300 ms" if p95 > 0.3 and kind == "page" else ""
        print(
            f"{key:<15} {period:>6} {kind:<4} {who:<10} {by:<10} {ms(med):>10} {ms(p95):>9} "
            f"{n:>3}{flag}"
        )
    if exports:
        print()
        print(
            f"{'workbook (month)':<20} {'median ms':>10} {'max ms':>9} {'tracemalloc MB':>15} "
            f"{'max RSS + MB':>13} {'KB':>6}"
        )
        for name, med, worst, peak, rss, size in exports:
            print(
                f"{name:<20} {ms(med):>10} {ms(worst):>9} {peak / 1e6:>15.1f} "
                f"{rss / 1024:>13.1f} {size / 1024:>6.0f}"
            )
    if plans:
        print()
        print("EXPLAIN (ANALYZE, BUFFERS) of the slowest statements:")
        for text in plans:
            print(text)
    print()
    print("command: " + common.command_line())


if __name__ == "__main__":
    main()
