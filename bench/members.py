#!/usr/bin/env python
"""Kefu member-analysis benchmark: the member analyses over N purchases on PostgreSQL.

    .venv/bin/python bench/members.py [--purchases 200000] [--members-per 10] [--stores 30]
    .venv/bin/python bench/members.py --reuse [--keep-rollup]   # the database loaded before

Creates the database kefu_bench_members on 127.0.0.1 (DROP/CREATE), migrates, seeds the demo
organization, --stores stores over its branches, one member (and customer) per --members-per
purchases, and loads the purchases with COPY over 18 months (a quarter of the members stopped
buying 100 to 500 days ago: churned), then ANALYZE; then rebuilds the members' monthly rollup
the analyses read (kefu.customers.member_months, timed). --reuse keeps the database a run
loaded (migrates it: the migration adding the rollup fills it, timed) and rebuilds the rollup.
Times each analysis (the median of 3 runs)
for the whole center and for one store, the churned members an outbound list would call, and
the import of a 5,000-receipt batch through the service, then the same batch again (all
already there). Prints the figures and the exact command. The goal figure is 5,000,000
purchases (--purchases 5000000): each analysis within a few seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import time
from pathlib import Path

import common

log = common.make_log("members")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--purchases", type=int, default=200_000)
    p.add_argument("--members-per", type=int, default=10, help="purchases per member")
    p.add_argument("--stores", type=int, default=30)
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kefu_bench_members")
    p.add_argument("--reuse", action="store_true", help="measure the database loaded before")
    p.add_argument("--keep-rollup", action="store_true", help="with --reuse: no rebuild")
    return p.parse_args()


def timed(fn, runs: int = 3) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), result


def load(args, rng, today, now):
    """The demo organization, the stores, the members and the purchases (COPY)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from kefu import demo
    from kefu.accounts.models import Branch
    from kefu.customers.models import Customer, Member, Store

    demo.seed_organization()
    branches = list(Branch.objects.order_by("id"))
    stores = Store.objects.bulk_create(
        Store(code=f"S{n:03d}", name=f"门店{n}", branch=branches[n % len(branches)])
        for n in range(args.stores)
    )
    n_members = max(1, args.purchases // args.members_per)
    began = time.perf_counter()
    for start in range(0, n_members, 10_000):
        chunk = range(start, min(start + 10_000, n_members))
        store_of = [stores[rng.randrange(len(stores))] for _ in chunk]
        customers = Customer.objects.bulk_create(
            Customer(
                name=f"会员{n}",
                branch_id=store_of[i].branch_id,
                gender=rng.choice(["male", "female", ""]),
            )
            for i, n in enumerate(chunk)
        )
        Member.objects.bulk_create(
            Member(
                customer=c,
                number=f"M{n:09d}",
                store=store_of[i],
                level=rng.choice(["normal", "normal", "silver", "gold", "diamond"]),
                joined_on=today - dt.timedelta(days=rng.randint(0, 1500)),
                expires_on=today + dt.timedelta(days=rng.randint(-200, 700)),
                birth_date=dt.date(rng.randint(1945, 2008), rng.randint(1, 12), rng.randint(1, 28)),
            )
            for i, (n, c) in enumerate(zip(chunk, customers, strict=True))
        )
    member_rows = list(Member.objects.values_list("pk", "store_id"))
    log(f"{len(member_rows)} members in {time.perf_counter() - began:.1f} s")

    began = time.perf_counter()
    stopped = {pk: rng.randint(100, 500) for pk, _s in member_rows if rng.random() < 0.25}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_sql = (
            "COPY customers_purchase (store_id, receipt_no, member_id, amount, at, imported_at) "
            "FROM STDIN"
        )
        with raw.copy(copy_sql) as copy:
            for n in range(args.purchases):
                member_id, store_id = member_rows[rng.randrange(len(member_rows))]
                back = rng.randint(stopped.get(member_id, 0), 540)
                at = now - dt.timedelta(days=back, seconds=rng.randint(0, 86_000))
                amount = (
                    f"{rng.choice([rng.randint(500, 30000), rng.randint(30000, 500000)]) / 100:.2f}"
                )
                copy.write_row((store_id, f"R{n:010d}", member_id, amount, at, now))
        cursor.execute("ANALYZE customers_purchase")
        cursor.execute("ANALYZE customers_member")
    log(f"{args.purchases} purchases loaded in {time.perf_counter() - began:.1f} s")

    return get_user_model().objects.get(username="supervisor"), stores, member_rows


def main() -> None:
    args = parse_args()
    data_dir = Path("/tmp/kefu-bench-members")
    env = common.bench_env(data_dir, args.pg_url)
    if args.reuse:
        began = time.perf_counter()
        subprocess.run([common.KEFU, "migrate", "-v0"], env=env, check=True, cwd=common.ROOT)
        log(f"migrated (the rollup's migration fills it) in {time.perf_counter() - began:.1f} s")
    else:
        common.fresh_database(env)
    common.setup_django(env)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from kefu.customers import analyses, member_months, members
    from kefu.customers.models import Member, MemberMonth, Purchase, Store

    rng = random.Random(5)
    today = timezone.localdate()
    now = timezone.now()
    if args.reuse:
        supervisor = get_user_model().objects.get(username="supervisor")
        stores = list(Store.objects.order_by("code"))
        member_rows = list(Member.objects.values_list("pk", "store_id"))
    else:
        supervisor, stores, member_rows = load(args, rng, today, now)
    began = time.perf_counter()
    if args.reuse and args.keep_rollup:
        member_months.roll_member_year()  # nothing when it holds today's period
        rows = MemberMonth.objects.count()
    else:
        rows = member_months.rebuild_member_months()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_membermonth")
        cursor.execute("ANALYZE customers_memberyear")
    log(
        f"rollup rebuilt (months, then the members' 12 months): {rows} member months in "
        f"{time.perf_counter() - began:.1f} s"
    )
    purchases = Purchase.objects.count()

    print()
    print(
        f"database: PostgreSQL; {purchases} purchases, {len(member_rows)} members, "
        f"{len(stores)} stores, {rows} member months"
    )
    one = stores[0].code
    for name in analyses.NAMES:
        for label, filters in (
            ("all stores", analyses.Filters()),
            (one, analyses.Filters(store=one)),
        ):
            seconds, _result = timed(lambda f=filters, n=name: analyses.run(supervisor, n, f))
            print(f"{name:<13} {label:<10} {seconds * 1000:8.0f} ms")
    # The same 12-month analyses summed from the monthly rollup: what they cost before the
    # day's roll of MemberYear (or for another period).
    from kefu.customers.models import MemberYearMark

    MemberYearMark.objects.all().delete()
    for name in ("spending", "rfm"):
        for label, filters in (
            ("all stores", analyses.Filters()),
            (one, analyses.Filters(store=one)),
        ):
            seconds, _result = timed(lambda f=filters, n=name: analyses.run(supervisor, n, f))
            print(f"{name:<13} {label:<10} {seconds * 1000:8.0f} ms  (months only)")
    began = time.perf_counter()
    rows = member_months.roll_member_year()
    log(f"the day's roll: {rows} members' 12 months in {time.perf_counter() - began:.1f} s")
    seconds, count = timed(
        lambda: analyses.churned_members(Member.objects.all(), days=90, today=today).count()
    )
    print(f"churned members to call (90 days): {count} in {seconds * 1000:.0f} ms")

    batch = [
        (
            n + 1,
            members.PurchaseIn(
                store=stores[n % len(stores)].code,
                receipt_no=f"B{now:%Y%m%d%H%M%S}-{n:06d}",  # new in a --reuse run too
                member_no=f"M{rng.randrange(len(member_rows)):09d}",
                amount="88.50",
                at=now - dt.timedelta(hours=n % 200),
            ),
        )
        for n in range(members.MAX_BATCH)
    ]
    began = time.perf_counter()
    first = members.import_purchases(batch, actor=supervisor)
    once = time.perf_counter() - began
    began = time.perf_counter()
    again = members.import_purchases(batch, actor=supervisor)
    twice = time.perf_counter() - began
    print(f"import a batch of {len(batch)}: {once:.2f} s (created {first.created})")
    print(
        f"the same batch again:      {twice:.2f} s (already {again.already}, created {again.created})"
    )
    print(f"command: {common.command_line()}")


if __name__ == "__main__":
    main()
