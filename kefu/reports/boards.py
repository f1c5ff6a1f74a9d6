"""A report read by one person (DOMAIN §2, §11): the request's parameters checked, the figures
in the reader's branch, the chart and the links from every figure to the rows behind it; and
the drill-down itself. Pages, the API and the Excel file all read a report through here, so a
branch's lead sees their branch's figures on every path.

Parameters (the query string of the page and of the API alike): ``start`` and ``end``
(YYYY-MM-DD, both included; by default the month so far), ``by`` and ``split`` (dimension
keys the report allows), ``chart`` (the measure drawn) and one value per filter the report
offers (``branch=2``, ``type=5``, ``channel=phone``; ``none`` for empty).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kefu.accounts.models import Branch
from kefu.core import charts
from kefu.core import measures as registry
from kefu.core.errors import Code, ServiceError
from kefu.core.measures import Dimension, Measure
from kefu.core.paging import Page, paginate
from kefu.core.schemas import day_or_none
from kefu.reports import figures
from kefu.reports.access import access_reports
from kefu.reports.catalog import BY_KEY, REPORTS, Report


@dataclass
class Board:
    report: Report
    table: figures.Table
    params: dict[str, str]  # the parameters as understood (for links and saved views)
    branch: Branch | None
    chart_measure: Measure
    chart: SafeString | None
    drill: dict[Any, dict[str, str]] = field(default_factory=dict)  # line key → measure → url
    total_drill: dict[str, str] = field(default_factory=dict)
    cell_drill: dict[tuple[Any, Any], str] = field(default_factory=dict)  # (line, column) → url
    heat: dict[tuple[Any, Any], int] = field(default_factory=dict)  # (line, column) → 0–5
    filters: list[tuple[Dimension, list[tuple[str, str]], str]] = field(default_factory=list)
    dims: list[Dimension] = field(default_factory=list)
    splits: list[Dimension] = field(default_factory=list)

    @property
    def snapshot(self) -> bool:
        """The figures are of now (the open backlog), whatever the period."""
        return all(registry.fact(m.fact).time is None for m in self.table.measures)

    @property
    def query_string(self) -> str:
        return urlencode(self.params)

    def shown(self) -> list[dict[str, Any]]:
        """The table's lines as the page shows them: each figure's text and its drill link;
        with a split, each cell's text, link and heat level."""
        measures, columns = self.table.measures, self.table.columns
        out = []
        for line in self.table.lines:
            out.append(
                {
                    "label": line.label,
                    "key": figures.key_text(line.key),
                    "figures": [
                        (shown_value(m, line.values.get(m.key)), self.drill[line.key][m.key])
                        for m in measures
                    ],
                    "cells": [
                        (
                            shown_value(measures[0], line.cells.get(key)),
                            self.cell_drill[(line.key, key)],
                            self.heat.get((line.key, key), 0),
                        )
                        for key, _label in columns
                    ],
                }
            )
        return out

    def total_shown(self) -> list[tuple[str, str]]:
        return [
            (shown_value(m, self.table.total.get(m.key)), self.total_drill[m.key])
            for m in self.table.measures
        ]


def shown_value(measure: Measure, value: float | int | None) -> str:
    """A figure as the page prints it: a rate as a percentage, none as a dash."""
    if value is None:
        return "—"
    if measure.kind == "rate":
        return f"{value * 100:.1f}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def reports_for(actor: Any) -> list[Report]:
    """The catalogue, for a reader who may read reports (403 otherwise)."""
    access_reports(actor)
    return list(REPORTS)


def measures_of(report: Report) -> list[Measure]:
    return [m for m in (registry.measure(k) for k in report.measures) if m is not None]


def dims_of(keys: tuple[str, ...]) -> list[Dimension]:
    return [d for d in (figures.dimension(k) for k in keys) if d is not None]


key_text = figures.key_text


def report_of_field(key: str, field: str) -> Report:
    """The report ``key`` named in a form's ``field`` (INVALID naming it when unknown)."""
    report = BY_KEY.get(key)
    if report is None:
        raise ServiceError(Code.INVALID, _("没有这张报表:%s") % key[:30], field=field)
    return report


def report_of(key: str) -> Report:
    report = BY_KEY.get(key)
    if report is None:
        raise ServiceError(Code.NOT_FOUND, _("没有这张报表"))
    return report


def parse(
    report: Report, params: Mapping[str, str], branch: Branch | None
) -> tuple[figures.Query, dict[str, str]]:
    """The query the parameters ask for (422 naming the parameter when one is wrong)."""
    today = timezone.localdate()
    end = _day(params, "end") or today
    start = _day(params, "start") or end.replace(day=1)
    figures.check_period(start, end)
    by = (params.get("by") or report.by).strip()
    if by not in report.dims:
        raise ServiceError(Code.INVALID, _("这张报表不能按此维度分组"), field="by")
    split = (params.get("split", report.split) or "").strip()
    if split and split not in report.splits:
        raise ServiceError(Code.INVALID, _("这张报表不能按此维度拆分"), field="split")
    if split == by:
        split = ""
    filters = []
    for key in report.filters:
        value = (params.get(key) or "").strip()
        if value:
            filters.append((key, value[:40]))
    query = figures.Query(
        measures=report.measures,
        by=by,
        start=start,
        end=end,
        split=split,
        filters=tuple(filters),
        branch_id=branch.pk if branch is not None else None,
    )
    figures.check_filters(query)
    understood = {"start": start.isoformat(), "end": end.isoformat(), "by": by, "split": split}
    understood.update(filters)
    chart = (params.get("chart") or "").strip()
    if chart in report.measures:
        understood["chart"] = chart
    return query, understood


def _day(params: Mapping[str, str], name: str) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = day_or_none(raw)
    except ServiceError as exc:
        raise ServiceError(Code.INVALID, exc.detail, field=name) from exc
    if day is None:
        raise ServiceError(Code.INVALID, _("日期格式应为 YYYY-MM-DD"), field=name)
    return day


def read(actor: Any, key: str, params: Mapping[str, str]) -> Board:
    """The report ``key`` for ``actor`` with ``params``; its chart, heat and drill links."""
    branch = access_reports(actor)
    report = report_of(key)
    query, understood = parse(report, params, branch)
    table = figures.run(query)
    chart_key = understood.get("chart") or report.measures[0]
    chosen = next(m for m in table.measures if m.key == chart_key)
    board = Board(report, table, understood, branch, chosen, None)
    _links(board)
    board.chart = _chart(board)
    board.filters = _filters(report, branch, understood)
    board.dims = dims_of(report.dims)
    board.splits = dims_of(report.splits)
    return board


def drill_url(board_params: Mapping[str, str], report: Report, measure: str, **more: str) -> str:
    params = {k: v for k, v in board_params.items() if k != "chart"}
    params.update(measure=measure, **more)
    return reverse("report-drill", args=[report.key]) + "?" + urlencode(params)


def _links(board: Board) -> None:
    params, report = board.params, board.report
    first = board.table.measures[0].key
    for line in board.table.lines:
        value = figures.key_text(line.key)
        board.drill[line.key] = {
            m.key: drill_url(params, report, m.key, value=value) for m in board.table.measures
        }
        for column, _label in board.table.columns:
            board.cell_drill[(line.key, column)] = drill_url(
                params, report, first, value=value, split_value=figures.key_text(column)
            )
    board.total_drill = {m.key: drill_url(params, report, m.key) for m in board.table.measures}
    if report.chart == "heat" and board.table.columns:
        top = max((v or 0 for line in board.table.lines for v in line.cells.values()), default=0)
        for line in board.table.lines:
            for column, _label in board.table.columns:
                board.heat[(line.key, column)] = charts.heat_level(line.cells.get(column), top)


def _fmt(measure: Measure) -> Any:
    if measure.kind == "rate":
        return lambda v: f"{v * 100:.0f}%"
    return lambda v: f"{v:g}"


def _chart(board: Board) -> SafeString | None:
    table, report, measure = board.table, board.report, board.chart_measure
    if report.chart == "heat" or not table.lines:
        return None
    # Days under the axis as MM-DD: the year is in the period above the chart.
    labels = [line.label[5:] if table.by.key == "day" else line.label for line in table.lines]
    title = f"{report.title} · {measure.label}"
    if table.split is not None and measure.key == table.measures[0].key:
        series = [
            charts.Series(
                name,
                [line.cells.get(column) for line in table.lines],
                [board.cell_drill.get((line.key, column)) for line in table.lines],
            )
            for column, name in table.columns[: charts.SERIES]
        ]
    else:
        series = [
            charts.Series(
                str(measure.label),
                [line.values.get(measure.key) for line in table.lines],
                [board.drill[line.key][measure.key] for line in table.lines],
            )
        ]
    whole = measure.kind in ("count", "sum")
    if report.chart == "line" and table.by.ordered:
        return charts.lines(title, labels, series, _fmt(measure), whole=whole)
    return charts.bars(title, labels, series, _fmt(measure), whole=whole)


def _filters(
    report: Report, branch: Branch | None, params: Mapping[str, str]
) -> list[tuple[Dimension, list[tuple[str, str]], str]]:
    out = []
    for key in report.filters:
        if key == "branch" and branch is not None:
            continue  # a branch's reader reads their branch only
        found = registry.dimension(key)
        if found is None or found.choices is None:
            continue
        choices = [(str(value), label) for value, label in found.choices()]
        out.append((found, choices, params.get(key, "")))
    return out


# ---------------------------------------------------------------------------------- monthly


def monthly_charts(stats: Any) -> list[tuple[str, SafeString]]:
    """The monthly complaint report's charts (on the page and in its print): complaints by
    category, stacked by responsibility class; and complaints per department."""
    drawn = []
    if stats.matrix:
        labels = [line.name for line in stats.matrix]
        series = [
            charts.Series(label, [line.cells.get(code, 0) for line in stats.matrix])
            for code, label in stats.classes
        ]
        title = _("投诉类别与性质")
        drawn.append((title, charts.bars(title, labels, series, whole=True)))
    if stats.departments:
        labels = [row.name for row in stats.departments]
        series = [charts.Series(_("投诉量"), [row.complaints for row in stats.departments])]
        title = _("各部门投诉量")
        drawn.append((title, charts.bars(title, labels, series, whole=True)))
    return drawn


# ---------------------------------------------------------------------------------- drill


@dataclass(frozen=True)
class BehindRow:
    serial: str
    url: str
    at: dt.datetime | None


@dataclass
class Drill:
    report: Report
    measure: Measure
    by: Dimension
    value_label: str | None
    split_label: str | None
    page: Page[BehindRow]
    params: dict[str, str]


def drill(
    actor: Any, key: str, params: Mapping[str, str], page: int = 1, per_page: int = 50
) -> Drill:
    """The rows behind one figure of report ``key``: ``measure`` (required), ``value`` of the
    ``by`` dimension and ``split_value`` of the split (both absent: the total's)."""
    branch = access_reports(actor)
    report = report_of(key)
    query, understood = parse(report, params, branch)
    measure_key = (params.get("measure") or "").strip()
    if measure_key not in report.measures:
        raise ServiceError(Code.INVALID, _("未知的统计指标"), field="measure")
    value = params.get("value")
    split_value = params.get("split_value") if query.split else None
    fact, rows = figures.behind(query, measure_key, value, split_value)
    listed = paginate(rows, page=page, per_page=per_page)
    listed.items = [
        BehindRow(str(s), reverse(fact.page, args=[s]) if fact.page else "", at)
        for s, at in listed.items
    ]
    by = figures.dimension(query.by)
    assert by is not None
    measure = registry.measure(measure_key)
    assert measure is not None
    understood.update(measure=measure_key)
    return Drill(
        report,
        measure,
        by,
        _label(by, fact, value),
        _label(figures.dimension(query.split), fact, split_value) if split_value else None,
        listed,
        understood,
    )


def _label(dim: Dimension | None, fact: Any, value: str | None) -> str | None:
    if dim is None or value is None:
        return None
    if value == figures.NONE:
        return _("未指定")
    try:
        typed = figures.typed_value(fact, dim.key, value)
    except (ValueError, TypeError):
        return value
    return dim.labels([typed]).get(typed, value)
