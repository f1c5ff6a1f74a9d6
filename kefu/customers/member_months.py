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

A month rollup barely shrinks a chain whose member buys once a month or less, so the
12-month analyses (spending, RFM) read one row per member instead: MemberYear, each member's
purchases from MemberYearMark.since (a year before today) on. ``roll_member_year`` fills it
again for a new day (the worker, just after midnight); the import recomputes its members'
rows (``refresh_member_year``). An analysis of another period, or before the day's roll,
sums the months (``window_sql``) — the same figures, slower.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DateField, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kefu.core.calendar import next_month, start_of_day
from kefu.customers.models import MemberMonth, MemberYear, MemberYearMark, Purchase

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
        written = refresh_member_months(pairs)
        refresh_member_year(m for m, _month in pairs)
        return written


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
        rows = int(cursor.rowcount)
        roll_member_year(force=True)
        return rows


def year_ago(today: dt.date) -> dt.date:
    """The same day a year before (28 February for 29 February)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def window_sql(
    since: dt.datetime, *, members: tuple[str, Sequence[Any]] | None = None
) -> tuple[str, list[Any]]:
    """SQL and parameters: per member (of the ``members`` subquery, else all) who bought at
    or after ``since``: ``mid``, purchases ``n``, yuan ``spent``, ``last`` purchase time.
    One GROUP BY over the rollup, exact:

    - the months after the one ``since`` falls in count whole;
    - that month counts whole when its first purchase is at or after ``since``, not at all
      when its last is before; otherwise (it straddles ``since``) its purchases from
      ``since`` on are read from the purchases themselves (index purchase_member_at)."""
    ops, quote = connection.ops, connection.ops.quote_name
    rollup, purchases = quote(MemberMonth._meta.db_table), quote(Purchase._meta.db_table)
    first = month_of(since)
    month = ops.adapt_datefield_value(first)
    since_value = ops.adapt_datetimefield_value(since)
    month_end = ops.adapt_datetimefield_value(start_of_day(next_month(first)))
    only, only_params = "", []
    if members is not None:
        only, only_params = f" AND r.member_id IN ({members[0]})", [*members[1]]
    sql = f"""SELECT u.mid AS mid, SUM(u.n) AS n, SUM(u.spent) AS spent, MAX(u.last) AS last
        FROM (
            SELECT r.member_id AS mid, r.purchases AS n, r.amount AS spent, r.last_at AS last
            FROM {rollup} r
            WHERE (r."month" > %s OR (r."month" = %s AND r.first_at >= %s)){only}
            UNION ALL
            SELECT p.member_id, 1, p.amount, p.at
            FROM {rollup} r JOIN {purchases} p ON p.member_id = r.member_id
            WHERE r."month" = %s AND r.first_at < %s AND r.last_at >= %s{only}
                AND p.at >= %s AND p.at < %s
        ) u
        GROUP BY u.mid"""  # noqa: S608 - the models' tables
    params = [month, month, since_value, *only_params]
    params += [month, since_value, since_value, *only_params, since_value, month_end]
    return sql, params


def year_since() -> dt.date | None:
    """The first day of the period MemberYear holds (None before the first roll)."""
    return MemberYearMark.objects.values_list("since", flat=True).first()


def _write_year(since: dt.date, *, members: tuple[str, list[Any]] | None = None) -> int:
    sql, params = window_sql(start_of_day(since), members=members)
    table = connection.ops.quote_name(MemberYear._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (member_id, purchases, amount, last_at) "  # noqa: S608
            f"SELECT t.mid, t.n, t.spent, t.last FROM ({sql}) t",
            params,
        )
        return int(cursor.rowcount)


@transaction.atomic
def roll_member_year(today: dt.date | None = None, *, force: bool = False) -> int:
    """MemberYear again for the 12 months to ``today`` (the worker, daily): emptied and
    filled from the rollup in one transaction, under the mark's lock (an import waits, then
    recomputes its members for the new period). Nothing when it already holds that period,
    unless ``force``. Returns the rows written."""
    since = year_ago(today or timezone.localdate())
    mark = MemberYearMark.objects.select_for_update().filter(pk=1).first()
    if mark is None:
        mark = MemberYearMark.objects.create(pk=1, since=since)
    elif mark.since == since and not force:
        return 0
    MemberYear.objects.all().delete()
    written = _write_year(since)
    MemberYearMark.objects.filter(pk=1).update(since=since)
    return written


def refresh_member_year(member_ids: Iterable[int]) -> int:
    """Recompute these members' MemberYear rows for the period the mark holds (the import,
    after its purchases and their months). Takes the mark's lock: waits for a roll."""
    mark = MemberYearMark.objects.select_for_update().filter(pk=1).first()
    ids = sorted(set(member_ids))
    if mark is None or not ids:
        return 0
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        MemberYear.objects.filter(member_id__in=chunk).delete()
        members = ", ".join(["%s"] * len(chunk))
        written += _write_year(mark.since, members=(members, chunk))
    return written
