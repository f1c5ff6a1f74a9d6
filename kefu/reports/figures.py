"""The figures of a report: the registry's measures (kefu.core.measures) aggregated in the
database by one dimension, optionally split by a second, for a period and filters, in the
reader's branch; the total line; and the rows behind any figure (the drill-down).

One GROUP BY query per fact the report's measures count, and one for the total: never a loop
over tickets. A figure's period is a range of days of the center's time, both ends included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Count, DateField, DateTimeField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import (
    ExtractHour,
    ExtractIsoWeekDay,
    TruncDate,
    TruncMonth,
    TruncWeek,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import measures as registry
from kefu.core.errors import Code, ServiceError
from kefu.core.measures import Dimension, Fact, Measure
from kefu.core.schemas import within_years

NONE = "none"  # the value of a row whose dimension is empty (未指定)
MAX_DAYS = 3 * 366  # the longest period a report covers
MAX_ROWS = 500  # rows of one table; the rest are summed into the total only
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _day_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    return {value: value.isoformat() for value in values if value is not None}


def _week_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    return {value: _("%s 起") % f"{value:%m-%d}" for value in values if value is not None}


def _month_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    return {value: f"{value:%Y-%m}" for value in values if value is not None}


def _hour_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    return {value: f"{value:02d}:00" for value in values if value is not None}


def _weekday_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    return {value: _(WEEKDAYS[value - 1]) for value in values if value is not None}


# The period's dimensions, made from each fact's moment (``Fact.time``) in the center's zone.
PERIODS: dict[str, tuple[Dimension, Any]] = {
    "day": (Dimension("day", gettext_lazy("日"), _day_labels, ordered=True), TruncDate),
    "week": (Dimension("week", gettext_lazy("周"), _week_labels, ordered=True), TruncWeek),
    "month": (Dimension("month", gettext_lazy("月"), _month_labels, ordered=True), TruncMonth),
    "hour": (Dimension("hour", gettext_lazy("时段"), _hour_labels, ordered=True), ExtractHour),
    "weekday": (
        Dimension("weekday", gettext_lazy("星期"), _weekday_labels, ordered=True),
        ExtractIsoWeekDay,
    ),
}


def dimension(key: str) -> Dimension | None:
    if key in PERIODS:
        return PERIODS[key][0]
    return registry.dimension(key)


def dimensions_of(fact: Fact) -> list[str]:
    """The dimension keys ``fact`` can be grouped and filtered by."""
    periods = list(PERIODS) if fact.time else []
    return periods + list(fact.dims)


def _expression(fact: Fact, key: str) -> Any:
    if key in PERIODS:
        assert fact.time is not None
        function = PERIODS[key][1]
        zone = timezone.get_default_timezone()
        if key in ("week", "month"):  # the first day, as a date of the center's calendar
            return function(fact.time, tzinfo=zone, output_field=DateField())
        return function(fact.time, tzinfo=zone)
    path = fact.dims[key]
    return F(path) if isinstance(path, str) else path()


# ---------------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    """What is asked: measures by one dimension (and a second to split by), for a period and
    filters (dimension key → value, ``none`` for empty), in ``branch_id`` (None: all)."""

    measures: tuple[str, ...]
    by: str
    start: dt.date
    end: dt.date
    split: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    branch_id: int | None = None


@dataclass
class Line:
    key: Any
    label: str
    values: dict[str, float | int | None] = field(default_factory=dict)
    # With a split: the split value → the first measure's figure.
    cells: dict[Any, float | int | None] = field(default_factory=dict)


@dataclass
class Table:
    query: Query
    measures: list[Measure]
    by: Dimension
    lines: list[Line]
    total: dict[str, float | int | None]
    split: Dimension | None = None
    columns: list[tuple[Any, str]] = field(default_factory=list)  # the split's values
    truncated: int = 0  # lines left out beyond MAX_ROWS


def key_text(value: Any) -> str:
    """A dimension value as the query string carries it back (drill-down, filters)."""
    if value is None:
        return NONE
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _finish(measure: Measure, raw: dict[str, Any], prefix: str) -> float | int | None:
    value = raw.get(f"{prefix}{measure.key}")
    if measure.kind in ("rate", "per10k", "ratio"):
        whole = raw.get(f"{prefix}{measure.key}__of") or 0
        if not whole:
            return None
        share = (value or 0) / whole
        if measure.kind == "rate":
            return round(share, 4)
        return round(share * 10000, 2) if measure.kind == "per10k" else round(share, 2)
    if value is None:
        return 0 if measure.kind in ("count", "sum") else None
    if measure.kind in ("hours", "seconds"):
        seconds = value.total_seconds() if isinstance(value, dt.timedelta) else value / 1e6
        return round(seconds / 3600, 1) if measure.kind == "hours" else round(seconds)
    if measure.kind == "average":
        return round(float(value), 2)
    if isinstance(value, Decimal):
        return float(value)
    return int(value)


def _aggregates(measures: Iterable[Measure], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for measure in measures:
        out[f"{prefix}{measure.key}"] = measure.value()
        if measure.of is not None:
            out[f"{prefix}{measure.key}__of"] = measure.of()
    return out


def _with_total(grouped: QuerySet[Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The grouped rows and, on PostgreSQL, the whole's in the same scan of the rows
    (``GROUP BY GROUPING SETS ((…), ())``: an average or a distinct count of the whole is not
    made of the lines'). Elsewhere the whole is None: the caller asks for it apart."""
    connection = connections[grouped.db]
    if connection.vendor != "postgresql" or grouped.query.extra_select:
        return list(grouped), None
    compiler = grouped.query.get_compiler(using=grouped.db)
    sql, params = compiler.as_sql()
    if not sql.startswith("SELECT ") or not sql.endswith(" GROUP BY 1"):
        return list(grouped), None  # not the one-dimension shape this is written for
    # A constant first column, grouped by in the lines' set only: None marks the whole's row.
    sql = 'SELECT 1 AS "_line", ' + sql[len("SELECT ") :]
    sql = sql[: -len(" GROUP BY 1")] + " GROUP BY GROUPING SETS ((1, 2), ())"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    names = [*grouped.query.values_select, *grouped.query.annotation_select]
    converted = compiler.results_iter(results=[[row[1:] for row in fetched]])
    rows, whole = [], None
    for marker, values in zip((row[0] for row in fetched), converted, strict=True):
        raw = dict(zip(names, values, strict=True))
        if marker is None:
            whole = raw
        else:
            rows.append(raw)
    return rows, whole


def _additive(aggregate: Any) -> bool:
    """Whether the aggregate of a set of rows is the sum of its parts' (a plain count, a sum)."""
    if type(aggregate) is Count:
        return not getattr(aggregate, "distinct", False)
    return type(aggregate) is Sum


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _filtered(fact: Fact, query: Query) -> QuerySet[Any]:
    """The fact's rows in the period, the branch and the filters."""
    qs = fact.base(fact.model._default_manager.all())
    if fact.time:
        since, until = _bounds(query.start, query.end)
        qs = qs.filter(**{f"{fact.time}__gte": since, f"{fact.time}__lt": until})
    if query.branch_id is not None:
        if isinstance(fact.branch, str):
            qs = qs.filter(**{fact.branch: query.branch_id})
        else:
            qs = qs.filter(fact.branch(query.branch_id))
    for key, value in query.filters:
        qs = _where(qs, fact, key, value)
    return qs


def _where(qs: QuerySet[Any], fact: Fact, key: str, value: str) -> QuerySet[Any]:
    """Rows whose ``key`` dimension is ``value`` (a 422 naming ``key`` when it cannot be)."""
    name = f"_w_{key}"
    qs = qs.annotate(**{name: _expression(fact, key)})
    if value == NONE:
        return qs.filter(**{f"{name}__isnull": True})
    try:
        condition = Q(**{name: typed_value(fact, key, value)})
        return qs.filter(condition)
    except (ValueError, TypeError, ValidationError) as exc:
        raise ServiceError(Code.INVALID, _("筛选值无效"), field=key) from exc


def typed_value(fact: Fact, key: str, value: str) -> Any:
    """The text of a dimension value as the database compares it (ValueError: it is not one)."""
    if "\x00" in value:
        raise ValueError(value)
    if key in ("day", "week", "month"):
        return dt.date.fromisoformat(value)
    path = fact.dims.get(key)
    if key in ("hour", "weekday") or (isinstance(path, str) and path.endswith("_id")):
        if not (value.isascii() and value.isdigit() and len(value) < 10):
            raise ValueError(value)
        return int(value)
    return value


def run(query: Query) -> Table:
    """The table of ``query``: one line per value of ``by`` (with a split, one cell per value of
    ``split`` for the first measure), and the total."""
    chosen = [_measure(key) for key in query.measures]
    by = _dimension_for(chosen, query.by, "by")
    split = _dimension_for(chosen, query.split, "split") if query.split else None
    if split is not None and split.key == by.key:
        raise ServiceError(Code.INVALID, _("拆分维度不能与分组维度相同"), field="split")
    for key, _value in query.filters:
        _dimension_for(chosen, key, key)

    lines: dict[Any, Line] = {}
    total: dict[str, Any] = {}
    for fact_key, group in _by_fact(chosen).items():
        fact = registry.fact(fact_key)
        qs = _filtered(fact, query)
        grouped = qs.annotate(_by=_expression(fact, by.key)).values("_by")
        aggregates = _aggregates(group)
        # GROUP BY puts every row in exactly one line: counts and sums of the whole are the
        # sums of the lines' (one scan of the rows instead of two). Averages and distinct
        # counts are not, and are asked of the database again.
        summed: dict[str, Any] | None = (
            dict.fromkeys(aggregates) if all(map(_additive, aggregates.values())) else None
        )
        rows, whole = _with_total(grouped.annotate(**aggregates).order_by())
        for raw in rows:
            line = lines.setdefault(raw["_by"], Line(raw["_by"], ""))
            for measure in group:
                line.values[measure.key] = _finish(measure, raw, "")
            if summed is not None:
                for name in summed:
                    if raw[name] is not None:
                        summed[name] = (summed[name] or 0) + raw[name]
        if whole is None:
            whole = summed if summed is not None else qs.aggregate(**aggregates)
        for measure in group:
            total[measure.key] = _finish(measure, whole, "")

    table = Table(query, chosen, by, [], {m.key: total.get(m.key) for m in chosen}, split)
    if split is not None:
        _split(table, lines)
    for line in lines.values():
        for measure in chosen:
            line.values.setdefault(measure.key, 0 if measure.kind in ("count", "sum") else None)
    names = by.labels(lines.keys())
    for line in lines.values():
        line.label = names.get(line.key) or _("未指定")
    ordered = sorted(lines.values(), key=_order(by, chosen[0]))
    table.truncated = max(0, len(ordered) - MAX_ROWS)
    table.lines = ordered[:MAX_ROWS]
    return table


def _split(table: Table, lines: dict[Any, Line]) -> None:
    """Fill each line's cells: the first measure by the split's values."""
    measure = table.measures[0]
    assert table.split is not None
    fact = registry.fact(measure.fact)
    qs = _filtered(fact, table.query).annotate(
        _by=_expression(fact, table.by.key), _split=_expression(fact, table.split.key)
    )
    seen: set[Any] = set()
    for raw in qs.values("_by", "_split").annotate(**_aggregates([measure])).order_by():
        line = lines.setdefault(raw["_by"], Line(raw["_by"], ""))
        line.cells[raw["_split"]] = _finish(measure, raw, "")
        seen.add(raw["_split"])
    split = table.split
    names = split.labels(seen)
    keys = sorted(seen, key=lambda v: (v is None, v if split.ordered else names.get(v, "")))
    table.columns = [(key, names.get(key) or _("未指定")) for key in keys]


def _order(by: Dimension, first: Measure) -> Any:
    if by.ordered:
        return lambda line: (line.key is None, line.key)

    def biggest_first(line: Line) -> tuple[bool, float]:
        value = line.values.get(first.key)
        return (value is None, -(value or 0))

    return biggest_first


def _measure(key: str) -> Measure:
    found = registry.measure(key)
    if found is None:
        raise ServiceError(Code.INVALID, _("未知的统计指标:%s") % key, field="measures")
    return found


def _by_fact(chosen: list[Measure]) -> dict[str, list[Measure]]:
    groups: dict[str, list[Measure]] = {}
    for measure in chosen:
        groups.setdefault(measure.fact, []).append(measure)
    return groups


def _dimension_for(chosen: list[Measure], key: str, field_name: str) -> Dimension:
    found = dimension(key)
    if found is None:
        raise ServiceError(Code.INVALID, _("未知的统计维度:%s") % key, field=field_name)
    for measure in chosen:
        if key not in dimensions_of(registry.fact(measure.fact)):
            raise ServiceError(
                Code.INVALID,
                _("指标“%(measure)s”不能按“%(dimension)s”统计")
                % {"measure": measure.label, "dimension": found.label},
                field=field_name,
            )
    return found


def check_filters(query: Query) -> None:
    """INVALID naming the filter whose value no fact of the query's measures can compare."""
    facts = {_measure(key).fact for key in query.measures}
    for key, value in query.filters:
        if value == NONE:
            continue
        for fact_key in facts:
            fact = registry.fact(fact_key)
            if key not in dimensions_of(fact):
                continue
            try:
                typed_value(fact, key, value)
            except (ValueError, TypeError) as exc:
                raise ServiceError(Code.INVALID, _("筛选值无效"), field=key) from exc


def check_period(start: dt.date, end: dt.date) -> None:
    if not (within_years(start) and within_years(end)):
        raise ServiceError(Code.INVALID, _("日期超出范围"), field="start")
    if start > end:
        raise ServiceError(Code.INVALID, _("开始日期不能晚于结束日期"), field="start")
    if (end - start).days >= MAX_DAYS:
        raise ServiceError(Code.INVALID, _("统计期间最长三年"), field="end")


# ---------------------------------------------------------------------------------- drill


def behind(
    query: Query, measure_key: str, by_value: str | None, split_value: str | None = None
) -> tuple[Fact, QuerySet[Any]]:
    """The rows behind one figure (``by_value`` None: the total's), newest first, as
    ``(serial, moment)`` pairs of the measure's fact."""
    measure = _measure(measure_key)
    _dimension_for([measure], query.by, "by")
    fact = registry.fact(measure.fact)
    qs = _filtered(fact, query).filter(measure.rows)
    if by_value is not None:
        qs = _where(qs, fact, query.by, by_value)
    if split_value is not None and query.split:
        _dimension_for([measure], query.split, "split")
        qs = _where(qs, fact, query.split, split_value)
    if fact.time:
        return fact, qs.order_by(f"-{fact.time}", "-pk").values_list(fact.serial, fact.time)
    moment = Value(None, output_field=DateTimeField())
    return fact, qs.annotate(_at=moment).order_by("-pk").values_list(fact.serial, "_at")
