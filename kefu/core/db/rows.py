"""New rows written in one INSERT statement built once per process.

Intake writes a ticket and its timeline rows hundreds of times a second. Django's ``save`` and
``bulk_create`` build their INSERT anew each time, which took longer than the database did;
here the statement for a model and a row count is built once and the values are prepared by
the fields themselves (``pre_save`` fills ``auto_now`` times, ``get_db_prep_save`` adapts JSON
and dates), exactly as Django would. No ``pre_save``/``post_save`` signal is sent: use it only
for models nothing listens to (kefu.core.refcache watches reference data, not these).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def columns(model: type[Model]) -> list[Field[Any, Any]]:
    """The fields an INSERT gives a value: every column but the generated id."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@functools.lru_cache(maxsize=64)  # a few models, a few row counts each
def insert_sql(model: type[Model], count: int, tail: str) -> str:
    """``INSERT INTO <table> (<columns>) VALUES (...), ... <tail>`` for ``count`` rows."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in columns(model))
    one = "(" + ", ".join(["%s"] * len(columns(model))) + ")"
    table = quote(model._meta.db_table)
    return f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * count)} {tail}".rstrip()


def values(rows: Sequence[Model]) -> list[Any]:
    """The rows' values for ``insert_sql``, prepared for this database, row after row."""
    if not rows:
        return []
    fields = columns(type(rows[0]))
    params = []
    for row in rows:
        # As bulk_create: a related row saved since it was set gives its id now (a ticket's
        # timeline rows made before the ticket was written).
        row._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
        for field in fields:
            params.append(field.get_db_prep_save(field.pre_save(row, add=True), connection))
    return params


def returns_rows() -> bool:
    """Whether an INSERT can say what it wrote (RETURNING): PostgreSQL, SQLite 3.35 and newer.
    Django 5.2 still runs on SQLite 3.31."""
    return bool(connection.features.can_return_rows_from_bulk_insert)


def insert(rows: Sequence[M]) -> list[M]:
    """Write new ``rows`` of one model in one statement and give them their ids."""
    if not rows:
        return []
    model = type(rows[0])
    if not returns_rows():
        for row in rows:  # one at a time: each learns its id (bulk_create would not say)
            row.save(force_insert=True)
        return list(rows)
    pk = model._meta.pk
    assert pk is not None and pk.column is not None
    sql = insert_sql(model, len(rows), f"RETURNING {connection.ops.quote_name(pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, values(rows))
        ids = [row_id for (row_id,) in cursor.fetchall()]
    for row, row_id in zip(rows, ids, strict=True):
        row.pk = row_id
        row._state.adding = False
        row._state.db = connection.alias
    return list(rows)
