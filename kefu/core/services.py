"""Shared operations: serial numbers, the audit log, tags."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext

from django.db import connection, transaction
from django.utils import timezone

from kefu.core.models import AuditLog, SerialCounter, Tag

_NEXT_SERIAL_SQL = (
    f"INSERT INTO {SerialCounter._meta.db_table} (day, last) VALUES (%s, 1) "
    f"ON CONFLICT (day) DO UPDATE SET last = {SerialCounter._meta.db_table}.last + 1 "
    "RETURNING last"
)


def format_serial(day: dt.date, number: int) -> str:
    """``2025-11-22`` no. 7 → ``251122007``; past 999 the number simply grows a digit."""
    return f"{day:%y%m%d}{number:03d}"


def next_serial(*, at: dt.datetime | None = None) -> str:
    """Issue the next serial number of the local day of ``at`` (default now).

    One upsert statement: the counter row stays locked until the caller's transaction ends,
    so two concurrent intakes never get the same number, and a rolled-back intake's number is
    simply reused by the next one. Must be called inside the intake's transaction.
    """
    day = timezone.localtime(at or timezone.now()).date()
    # Inside the intake's transaction already: no savepoint needed around one statement.
    block = nullcontext() if connection.in_atomic_block else transaction.atomic()
    with block, connection.cursor() as cursor:
        cursor.execute(_NEXT_SERIAL_SQL, [day])
        (number,) = cursor.fetchone()
    return format_serial(day, number)


def record_audit(*, actor, action: str, obj, detail: dict | None = None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        detail=detail or {},
    )


def get_or_create_tags(names: list[str]) -> list[Tag]:
    """Tags by name, creating the missing ones. Names are stripped; blanks dropped."""
    cleaned = sorted({n.strip()[:40] for n in names if n and n.strip()})
    if not cleaned:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    return [existing[n] for n in cleaned]
