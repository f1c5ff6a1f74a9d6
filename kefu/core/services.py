"""Shared operations: serial numbers, the audit log, tags, the working calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError, refuse_nul
from kefu.core.masking import can_view_pii
from kefu.core.models import AuditLog, CalendarDay, CalendarYear, SerialCounter, Tag
from kefu.core.numbers import whole

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


def clean_text(
    value: str | None,
    field: str,
    *,
    limit: int,
    required: bool = False,
    message: str = "",
) -> str:
    """Typed text stripped; INVALID naming ``field`` when it is required and empty, longer than
    ``limit`` characters, or holds a NUL."""
    value = (value or "").strip()
    refuse_nul(value, field)
    if required and not value:
        raise ServiceError(Code.INVALID, message or _("请填写内容"), field=field)
    if len(value) > limit:
        raise ServiceError(Code.INVALID, _("最多 %d 个字符") % limit, field=field)
    return value


def whole_in(value: Any, field: str, *, low: int, high: int) -> int:
    """``value`` if it is a whole number (an int, not a bool) from ``low`` to ``high``; INVALID
    naming ``field`` otherwise, as kefu.core.numbers.whole words it."""
    typed = value if isinstance(value, int) else None  # text is the pages' to read
    return whole(typed, field=field, low=low, high=high)


def record_audit(
    *, actor: Actor | None, action: str, obj: Model, detail: dict[str, Any] | None = None
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        detail=detail or {},
    )


READ_IDS_KEPT = 1000  # the ids an audited read keeps; its count is always whole


def record_unmasked_read(
    *,
    actor: Actor | None,
    action: str,
    model: type[Model],
    ids: Iterable[Any],
    detail: dict[str, Any] | None = None,
) -> AuditLog | None:
    """One audit row for one request that showed several records' personal data in full (a
    list, a caller lookup, a call pop, an export): who, when, what kind, how many and which
    (the first READ_IDS_KEPT ids), and ``detail`` (the filter). Nothing for a viewer who sees
    them masked, nor for a read that showed nobody. One INSERT, whatever the number of rows."""
    if actor is not None and not can_view_pii(actor):
        return None
    keys = [str(pk) for pk in dict.fromkeys(ids)]
    if not keys:
        return None
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=model._meta.label_lower,
        object_id="",
        detail={"count": len(keys), "ids": keys[:READ_IDS_KEPT]} | (detail or {}),
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


@transaction.atomic
def enter_year_schedule(
    year: int, days: list[tuple[str, str, str]], *, actor: Actor | None, source: str = ""
) -> CalendarYear:
    """Enter a year's official schedule: its holidays and make-up working days.

    ``days`` are (ISO date, "holiday" or "makeup", name) rows. They replace the year's holidays
    and make-up days (the center's own closures stay); all rows are checked first, and a bad
    row writes nothing. From then on the year follows what was entered, not the package.
    """
    if not 2000 <= year <= 2100:
        raise ServiceError(Code.INVALID, _("年份无效:%s") % year, field="year")
    cleaned: dict[dt.date, tuple[str, str]] = {}
    kinds = {CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.MAKEUP}
    for index, (raw_date, kind, name) in enumerate(days, start=1):
        row = f"{index}"
        try:
            day = dt.date.fromisoformat(str(raw_date).strip())
        except ValueError:
            raise ServiceError(
                Code.INVALID, _("第 %(row)s 行:日期无效") % {"row": row}, field="days"
            )
        if day.year != year:
            raise ServiceError(
                Code.INVALID,
                _("第 %(row)s 行:日期不在 %(year)s 年") % {"row": row, "year": year},
                field="days",
            )
        if str(kind).strip() not in kinds:
            raise ServiceError(
                Code.INVALID,
                _("第 %(row)s 行:类别应为 holiday 或 makeup") % {"row": row},
                field="days",
            )
        if day in cleaned:
            raise ServiceError(
                Code.INVALID, _("第 %(row)s 行:日期重复") % {"row": row}, field="days"
            )
        cleaned[day] = (str(kind).strip(), str(name or "").strip()[:60])
    if not any(kind == CalendarDay.Kind.HOLIDAY for kind, _name in cleaned.values()):
        raise ServiceError(Code.INVALID, _("没有任何法定节假日,请检查文件"), field="days")
    closures = set(
        CalendarDay.objects.filter(date__year=year, kind=CalendarDay.Kind.CLOSURE).values_list(
            "date", flat=True
        )
    )
    before = list(
        CalendarDay.objects.filter(date__year=year)
        .exclude(kind=CalendarDay.Kind.CLOSURE)
        .values_list("date", "kind")
    )
    CalendarDay.objects.filter(date__year=year).exclude(kind=CalendarDay.Kind.CLOSURE).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, kind=kind, name=name)
        for day, (kind, name) in sorted(cleaned.items())
        if day not in closures  # the center's own closure of that day stands
    )
    entry, _created = CalendarYear.objects.update_or_create(
        year=year,
        defaults={
            "source": source[:200],
            "entered_by": actor if actor is not None and actor.is_authenticated else None,
        },
    )
    record_audit(
        actor=actor,
        action="calendar.enter_year",
        obj=entry,
        detail={"days": len(cleaned), "before": [[str(d), k] for d, k in before]},
    )
    return entry
