#!/usr/bin/env python
"""Kefu outbound-list benchmark: making a big list from an Excel sheet, and agents working it.

    .venv/bin/python bench/outbound.py [--numbers 20000] [--calls 600] [--agents 10] [--postgres]

Creates a fresh database (SQLite in /tmp/kefu-bench-outbound, or with --postgres the database
kefu_bench_outbound on 127.0.0.1), migrates, seeds the demo organization, --agents agents and
one customer in ten of the numbers (so the sheet's numbers are matched to the archive), and a
blacklist of 50 numbers on the sheet. Then times making the list from an .xlsx of --numbers rows
(a twentieth of them repeated), and --calls rounds of one agent after another taking the next
number and recording an outcome (a third not answered, so retries build up): the median and p95
of each step. Prints the figures and the exact command.
"""

from __future__ import annotations

import argparse
import itertools
import time
from io import BytesIO
from pathlib import Path

import common

log = common.make_log("outbound")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--numbers", type=int, default=20000)
    p.add_argument("--calls", type=int, default=600)
    p.add_argument("--agents", type=int, default=10)
    p.add_argument("--postgres", action="store_true")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    data_dir = Path("/tmp/kefu-bench-outbound")
    url = (
        "postgres://postgres@127.0.0.1:5432/kefu_bench_outbound"
        if args.postgres
        else common.sqlite_url(data_dir)
    )
    env = common.bench_env(data_dir, url)
    common.fresh_database(env)
    common.setup_django(env)

    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from openpyxl import Workbook

    from kefu import demo
    from kefu.accounts.models import Branch, Role
    from kefu.accounts.services import create_staff
    from kefu.customers.models import Customer, CustomerPhone
    from kefu.outbound import services
    from kefu.telephony.models import BlacklistEntry

    demo.seed_organization()
    User = get_user_model()
    lead = User.objects.get(username="lead")
    agents = [
        create_staff(
            username=f"bench-out-{n}",
            password="bench-password-1",
            employee_no=f"97{n:02d}",
            display_name=f"外呼{n}",
            role=Role.AGENT,
        )
        for n in range(args.agents)
    ]
    numbers = [f"139{n:08d}" for n in range(args.numbers)]
    branch = Branch.objects.order_by("id").first()
    customers = Customer.objects.bulk_create(
        Customer(name=f"客户{n}", branch=branch) for n in range(0, args.numbers, 10)
    )
    CustomerPhone.objects.bulk_create(
        CustomerPhone(customer=c, number=numbers[i * 10], is_primary=True)
        for i, c in enumerate(customers)
    )
    now = timezone.now()
    BlacklistEntry.objects.bulk_create(
        BlacklistEntry(
            number=numbers[n * 7], kind="block", reason="压测", added_by=lead, added_at=now
        )
        for n in range(50)
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "电话", "备注"])
    for n, number in enumerate(numbers):
        sheet.append([f"客户{n}", number, ""])
        if n % 20 == 0:
            sheet.append([f"客户{n}", number, "重复"])
    buffer = BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    log(f"sheet of {sheet.max_row - 1} rows, {len(data) // 1024} KiB")

    began = time.perf_counter()
    built = services.create_list(
        lead,
        services.ListIn(
            name="压测名单",
            purpose="research",
            source="excel",
            params={},
            call_from=dt.time(0, 0),
            call_until=dt.time(23, 59),
            max_attempts=3,
            retry_minutes=5,
        ),
        file=data,
    )
    made = time.perf_counter() - began
    services.move_list(lead, built.outbound.pk, "start")
    log(f"list made: {built.added} numbers, {built.excluded} blocked, {built.duplicates} repeated")

    take, record = [], []
    outcomes = itertools.cycle(["done", "no_answer", "refused", "no_answer", "done", "busy"])
    for agent, outcome in zip(itertools.cycle(agents), itertools.islice(outcomes, args.calls)):
        began = time.perf_counter()
        found = services.next_entry(agent, built.outbound.pk)
        take.append(time.perf_counter() - began)
        assert found.entry is not None
        began = time.perf_counter()
        services.record_attempt(
            agent, found.entry.pk, services.AttemptIn(outcome=outcome, note="压测")
        )
        record.append(time.perf_counter() - began)
    print()
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
    print(
        f"list from a {args.numbers + args.numbers // 20}-row sheet "
        f"({built.added} numbers kept): {made:.2f} s"
    )
    print(f"take the next number ({args.calls} takes, {args.agents} agents): {common.stats(take)}")
    print(f"record an outcome:                                    {common.stats(record)}")
    print(f"command: {common.command_line()}")


if __name__ == "__main__":
    main()
