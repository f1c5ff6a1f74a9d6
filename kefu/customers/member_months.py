"""The members' monthly rollup (MemberMonth): per member and calendar month (the center's zone)
the purchases, their yuan, the first and the last purchase time.

The member analyses read it instead of the purchases (kefu.customers.analyses), so it must
equal what the purchases say. Purchases are only ever added — by the import
(kefu.customers.members.import_purchases: the file, the API batch, the demo), never changed,
voided or deleted — so a month's row changes only when a purchase of that month is added:

- ``refresh_member_months``: the import recomputes the (member, month) pairs it touched from
  the purchases, in its own transaction, after locking the members (two imports of the same
  member's month one after the other, never both reading the other's purchases half-way).
  Recomputing, not adding, keeps a re-import (nothing new) and a receipt another import wrote
  meanwhile exact.
- ``refresh_recently_imported``: the worker's sweep (kefu.customers.tasks) recomputes the
  pairs of the purchases imported in the last hours, for rows written some other way (a
  bulk load straight into the table).
- ``rebuild_member_months``: the whole rollup again from the purchases (the migration that
  introduced it, ``kefu rebuild_member_months``, the benchmark's load).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DateField, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kefu.core.calendar import next_month, start_of_day
from kefu.customers.models import MemberMonth, Purchase

# Members per recomputing query (the IN list), and rows per upsert statement.
CHUNK = 500
# The sweep's look-back: twice its period, so a late run still overlaps the last one.
SWEEP_HOURS = 2


def month_of(at: dt.datetime) -> dt.date:
    """The first day of the month ``at`` falls in, in the center's zone."""
    return timezone.localtime(at).date().replace(day=1)


def _monthly(purchases: QuerySet[Purchase]) -> QuerySet[Any]:
    """Per (member, month) of the purchases queryset: count, yuan, first and last time."""
    return (
        purchases.order_by()
        .annotate(m=TruncMonth("at", output_field=DateField()))
        .values("member_id", "m")
        .annotate(n=Count("id"), spent=Sum("amount"), first=Min("at"), last=Max("at"))
    )


def refresh_member_months(pairs: Iterable[tuple[int, dt.date]]) -> int:
    """Recompute the rollup rows of these (member id, first day of month) pairs from the
    purchases and write them (insert or update). The caller holds the transaction and, when
    others may import at the same time, the members' row locks. Returns the rows written."""
    by_member: dict[int, set[dt.date]] = {}
    for member_id, month in pairs:
        by_member.setdefault(member_id, set()).add(month)
    members = sorted(by_member)
    written = 0
    for start in range(0, len(members), CHUNK):
        chunk = members[start : start + CHUNK]
        months = set().union(*(by_member[m] for m in chunk))
        purchases = Purchase.objects.filter(
            member_id__in=chunk,
            at__gte=start_of_day(min(months)),
            at__lt=start_of_day(next_month(max(months))),
        )
        rows = [
            MemberMonth(
                member_id=r["member_id"],
                month=r["m"],
                purchases=r["n"],
                amount=r["spent"],
                first_at=r["first"],
                last_at=r["last"],
            )
            for r in _monthly(purchases)
            if r["m"] in by_member[r["member_id"]]
        ]
        MemberMonth.objects.bulk_create(
            rows,
            batch_size=CHUNK,
            update_conflicts=True,
            unique_fields=["member", "month"],
            update_fields=["purchases", "amount", "first_at", "last_at"],
        )
        written += len(rows)
    return written


def refresh_recently_imported(*, hours: int = SWEEP_HOURS, now: dt.datetime | None = None) -> int:
    """Recompute the pairs of the purchases imported in the last ``hours`` hours (the worker's
    sweep). Idempotent: a pair already right is written with the same figures."""
    since = (now or timezone.now()) - dt.timedelta(hours=hours)
    with transaction.atomic():
        pairs = {
            (member_id, month_of(at))
            for member_id, at in Purchase.objects.filter(imported_at__gte=since)
            .order_by()
            .values_list("member_id", "at")
            .iterator(chunk_size=2000)
        }
        return refresh_member_months(pairs)


def rebuild_member_months() -> int:
    """The whole rollup again from the purchases: emptied and filled by one INSERT … SELECT
    in one transaction (the analyses read the old rows until it commits). Returns the rows."""
    sql, params = _monthly(Purchase.objects.all()).query.sql_with_params()
    table = connection.ops.quote_name(MemberMonth._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(c)
        for c in ("member_id", "month", "purchases", "amount", "first_at", "last_at")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the model's table
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608
        return int(cursor.rowcount)
