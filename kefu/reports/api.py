"""Reports API.

The reports a center is judged on (``/reports/catalog``, ``/reports/r/{key}``): each figure
with the same parameters as the page (period, grouping, split, filters), its Excel file and
the rows behind any figure (``/reports/r/{key}/drill``); saved views (``/reports/views``).

The monthly complaint report: the figures with the report's state, the Excel file, and the
report's steps (submit, review, archive). ``month`` is ``YYYY-MM``; a bad one is a 422 naming
the field ``month``. Each branch has its own report (分支机构月报): ``?branch=<id>`` names it
(``/reports/complaints/{month}/reports`` lists the month's reports with their ids); without
it, the center's report for the center's readers and their own branch's for a branch's. A
branch id no branch has is a 404, one that is not a number a 422 (field ``branch``), another
branch's report 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from kefu.accounts.services import display_name
from kefu.core.calendar import parse_month
from kefu.core.excel import xlsx_response
from kefu.core.paging import PageOut, PageQuery, page_out
from kefu.core.schemas import Day
from kefu.reports import boards, export, selectors, services

router = Router(tags=["reports"])


class SubmitIn(Schema):
    summary: str = Field(..., max_length=services.MAX_TEXT, description=str(_("分析与整改")))


class ReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=services.MAX_TEXT)


def _who(user) -> str | None:
    return display_name(user) or None


def _branch_out(branch) -> dict | None:
    if branch is None:
        return None
    return {"id": branch.pk, "code": branch.code, "name": branch.name}


def _body(page: services.ReportPage) -> dict:
    report = page.report
    who = _who

    return {
        "month": f"{page.month:%Y-%m}",
        "branch": _branch_out(page.branch),
        "report": {
            "state": report.state if report else None,
            "state_label": str(report.get_state_display()) if report else None,
            "summary": report.summary if report else "",
            "review_note": report.review_note if report else "",
            "submitted_by": who(report.submitted_by) if report else None,
            "submitted_at": report.submitted_at if report else None,
            "reviewed_by": who(report.reviewed_by) if report else None,
            "reviewed_at": report.reviewed_at if report else None,
            "archived_by": who(report.archived_by) if report else None,
            "archived_at": report.archived_at if report else None,
            "breached_at": report.breached_at if report else None,
        },
        "due_at": page.due_at,
        "overdue": page.overdue,
        "live": page.live,
        "actions": page.actions,
        "figures": page.stats.as_dict(),
    }


def _page(request, month: str, branch: str) -> dict:
    return _body(services.get_report_page(request.user, month, branch=branch))


BRANCH = Query("", max_length=20, description="a branch's id: its report (分支机构月报)")


class MonthReportOut(Schema):
    branch: dict | None = Field(..., description="id, code, name; null: the center's report")
    state: str | None = Field(..., description="null: not made yet (a draft to come)")
    state_label: str
    due_at: dt.datetime
    overdue: bool
    submitted_by: str | None
    submitted_at: dt.datetime | None


class MonthReportsOut(Schema):
    month: str
    reports: list[MonthReportOut]


@router.get("/wording/{month}", response=dict)
def wording(request, month: str):
    """Forbidden phrases per agent in the month (YYYY-MM): sent after a warning, stopped,
    and which phrases."""
    return selectors.phrase_uses(request.user, month)


# The .xlsx route first: "{month}" alone would take "2025-11.xlsx" as the month.
@router.get("/complaints/{month}.xlsx", response={200: None})
def workbook(request, month: str, branch: str = BRANCH):
    """The month's figures as an Excel workbook (the snapshot once the report is submitted)."""
    page = services.get_report_page(request.user, month, branch=branch)
    content, filename = services.report_workbook(page)
    return xlsx_response(content, filename)


@router.get("/complaints/{month}/reports", response=MonthReportsOut)
def month_reports(request, month: str):
    """The month's reports I may read, with their states and due times: the center's and each
    branch's for the center's readers, my branch's for a branch's."""
    entries = services.list_reports(request.user, month)
    return {
        "month": parse_month(month).strftime("%Y-%m"),
        "reports": [
            {
                "branch": _branch_out(entry.branch),
                "state": entry.state,
                "state_label": entry.state_label,
                "due_at": entry.due_at,
                "overdue": entry.overdue,
                "submitted_by": _who(entry.report.submitted_by) if entry.report else None,
                "submitted_at": entry.report.submitted_at if entry.report else None,
            }
            for entry in entries
        ],
    }


@router.get("/complaints/{month}", response=dict)
def monthly(request, month: str, branch: str = BRANCH):
    """The month's complaint figures and its report's state, due time and allowed actions."""
    return _page(request, month, branch)


@router.post("/complaints/{month}/submit", response=dict)
def submit(request, month: str, payload: SubmitIn, branch: str = BRANCH):
    """Submit the report with its analysis (分析与整改) for review: the center's by a
    supervisor, a branch's by its lead (or a center supervisor)."""
    services.submit_report(month, actor=request.user, summary=payload.summary, branch=branch)
    return _page(request, month, branch)


@router.post("/complaints/{month}/review", response=dict)
def review(request, month: str, payload: ReviewIn, branch: str = BRANCH):
    """The general manager approves the report or sends it back (a note is then required)."""
    services.review_report(
        month, actor=request.user, approve=payload.approve, note=payload.note, branch=branch
    )
    return _page(request, month, branch)


@router.post("/complaints/{month}/archive", response=dict)
def archive(request, month: str, branch: str = BRANCH):
    """File the approved report; it never changes again."""
    services.archive_report(month, actor=request.user, branch=branch)
    return _page(request, month, branch)


# ---------------------------------------------------------------------------------- boards


class ReportParams(Schema):
    """The parameters of a report, as on its page. A filter the report does not offer is
    ignored; ``none`` filters for an empty value."""

    start: Day | None = Field(None, description="first day (YYYY-MM-DD); default the 1st")
    end: Day | None = Field(None, description="last day, included; default today")
    by: str = Field("", max_length=20, description="the dimension of the lines")
    split: str = Field("", max_length=20, description="the dimension of the columns")
    chart: str = Field("", max_length=40, description="the measure the page's chart draws")
    branch: str = Field("", max_length=40)
    type: str = Field("", max_length=40)
    channel: str = Field("", max_length=40)
    department: str = Field("", max_length=40)
    severity: str = Field("", max_length=40)
    complaint_class: str = Field("", max_length=40, alias="class")
    kind: str = Field("", max_length=40)
    crew: str = Field("", max_length=40)

    def as_params(self) -> dict[str, str]:
        values = self.dict(by_alias=True)
        out = {k: str(v) for k, v in values.items() if v not in (None, "")}
        for name in ("start", "end"):
            if isinstance(values.get(name), dt.date):
                out[name] = values[name].isoformat()
        return out


class ReportDrillParams(ReportParams, PageQuery):
    measure: str = Field(..., max_length=40, description="the figure's measure")
    value: str | None = Field(None, max_length=40, description="the line's value; none: total")
    split_value: str | None = Field(None, max_length=40, description="the column's value")

    def as_params(self) -> dict[str, str]:
        out = super().as_params()
        out.pop("page", None)
        out.pop("per_page", None)
        return out


class ReportKeyLabel(Schema):
    key: str
    label: str


class ReportMeasureOut(Schema):
    key: str
    label: str
    kind: str = Field(..., description="count, sum, average, hours, rate (0–1) or per10k")
    help: str = ""


class ReportCatalogEntry(Schema):
    key: str
    title: str
    description: str
    measures: list[ReportMeasureOut]
    by: str
    dims: list[ReportKeyLabel]
    splits: list[ReportKeyLabel]
    filters: list[str]
    chart: str


class ReportCatalogOut(Schema):
    reports: list[ReportCatalogEntry]


class ReportLineOut(Schema):
    key: str = Field(..., description="the value as a filter or drill-down takes it")
    label: str
    values: dict[str, float | int | None]
    cells: dict[str, float | int | None] = Field(
        default_factory=dict, description="with a split: column key → the first measure"
    )


class ReportTableOut(Schema):
    report: str
    title: str
    params: dict[str, str]
    branch: str | None
    by: ReportKeyLabel
    split: ReportKeyLabel | None
    measures: list[ReportMeasureOut]
    columns: list[ReportKeyLabel]
    lines: list[ReportLineOut]
    total: dict[str, float | int | None]
    truncated: int


class ReportDrillRow(Schema):
    serial: str
    url: str
    at: dt.datetime | None


class ReportViewIn(Schema):
    name: str = Field(..., max_length=40)
    report: str = Field(..., max_length=30)
    params: dict[str, str] = Field(default_factory=dict)


class ReportViewOut(Schema):
    id: int
    name: str
    report: str
    params: dict[str, Any]


def _measure_out(measure) -> dict:
    return {
        "key": measure.key,
        "label": str(measure.label),
        "kind": measure.kind,
        "help": str(measure.help),
    }


def _key_label(dim) -> dict:
    return {"key": dim.key, "label": str(dim.label)}


@router.get("/catalog", response=ReportCatalogOut)
def catalog(request):
    """The reports, each with its measures and the dimensions it may be grouped, split and
    filtered by."""
    entries = []
    for report in boards.reports_for(request.user):
        entries.append(
            {
                "key": report.key,
                "title": str(report.title),
                "description": str(report.description),
                "measures": [_measure_out(m) for m in boards.measures_of(report)],
                "by": report.by,
                "dims": [_key_label(d) for d in boards.dims_of(report.dims)],
                "splits": [_key_label(d) for d in boards.dims_of(report.splits)],
                "filters": list(report.filters),
                "chart": report.chart,
            }
        )
    return {"reports": entries}


# The .xlsx route first: "{key}" alone would take "intake.xlsx" as the key.
@router.get("/r/{key}.xlsx", response={200: None})
def board_workbook(request, key: str, params: Query[ReportParams]):
    """The report as an Excel workbook (the table, the split matrix, the conditions)."""
    board = boards.read(request.user, key, params.as_params())
    filename = f"{key}-{board.params['start']}-{board.params['end']}.xlsx"
    return xlsx_response(export.board_workbook(board), filename)


@router.get("/r/{key}/drill", response=PageOut[ReportDrillRow])
def board_drill(request, key: str, params: Query[ReportDrillParams]):
    """The rows behind one figure: its measure, the line's ``value`` and the column's
    ``split_value`` (without ``value``: the total's), newest first."""
    found = boards.drill(
        request.user, key, params.as_params(), page=params.page, per_page=params.per_page
    )
    return page_out(found.page, lambda row: {"serial": row.serial, "url": row.url, "at": row.at})


@router.get("/r/{key}", response=ReportTableOut)
def board(request, key: str, params: Query[ReportParams]):
    """The report's figures: one line per value of ``by``, the total, and with a split the
    first measure per column."""
    read = boards.read(request.user, key, params.as_params())
    table = read.table
    return {
        "report": read.report.key,
        "title": str(read.report.title),
        "params": read.params,
        "branch": read.branch.name if read.branch else None,
        "by": _key_label(table.by),
        "split": _key_label(table.split) if table.split else None,
        "measures": [_measure_out(m) for m in table.measures],
        "columns": [{"key": boards.key_text(k), "label": label} for k, label in table.columns],
        "lines": [
            {
                "key": boards.key_text(line.key),
                "label": line.label,
                "values": line.values,
                "cells": {boards.key_text(k): v for k, v in line.cells.items()},
            }
            for line in table.lines
        ],
        "total": table.total,
        "truncated": table.truncated,
    }


@router.get("/views", response=list[ReportViewOut])
def list_views(request, report: str = ""):
    """My saved report views (at most 50)."""
    return [_view_out(v) for v in services.views_of(request.user, report[:30] or None)]


@router.post("/views", response={201: ReportViewOut})
def save_view(request, payload: ReportViewIn):
    """Keep a report's parameters under a name (a name already used is a 409)."""
    view = services.save_view(
        request.user, name=payload.name, report=payload.report, params=payload.params
    )
    return Status(201, _view_out(view))


@router.post("/views/{view_id}/retire", response=ReportViewOut)
def retire_view(request, view_id: int):
    """Remove a saved view from my list (it is kept, retired)."""
    return _view_out(services.retire_view(request.user, view_id))


def _view_out(view) -> dict:
    return {"id": view.pk, "name": view.name, "report": view.report, "params": view.params}


# ---------------------------------------------------------------------------------- delivery


class ReportSubscriptionIn(Schema):
    name: str = Field(..., max_length=60)
    reports: list[str] = Field(..., max_length=20, description="catalogue keys")
    every: str = Field("month", max_length=8, description="month or week")
    day: int = Field(1, description="1–28 of the month, or 1 (Monday) – 7 of the week")
    hour: int = Field(8, description="0–23, the center's time")
    recipients: list[str] = Field(default_factory=list, max_length=50, description="usernames")
    addresses: str = Field("", max_length=2000, description="other e-mail addresses, one a line")
    params: dict[str, str] = Field(default_factory=dict, description="filters the reports share")


class ReportSubscriptionRunOut(Schema):
    period_start: dt.date
    period_end: dt.date
    at: dt.datetime
    outcome: str
    addresses: list[str]


class ReportSubscriptionOut(Schema):
    id: int
    name: str
    reports: list[str]
    every: str
    day: int
    hour: int
    recipients: list[str]
    addresses: list[str]
    params: dict[str, Any]
    runs: list[ReportSubscriptionRunOut]


def _subscription_out(found) -> dict:
    return {
        "id": found.pk,
        "name": found.name,
        "reports": found.reports,
        "every": found.every,
        "day": found.day,
        "hour": found.hour,
        "recipients": [u.username for u in found.recipients.all()],
        "addresses": [a for a in found.addresses.splitlines() if a.strip()],
        "params": found.params,
        "runs": [
            {
                "period_start": run.period_start,
                "period_end": run.period_end,
                "at": run.at,
                "outcome": run.outcome,
                "addresses": run.addresses,
            }
            for run in found.runs.all()[:6]
        ],
    }


@router.get("/subscriptions", response=list[ReportSubscriptionOut])
def list_subscriptions(request):
    """My report subscriptions (at most 50), each with its last sendings."""
    return [_subscription_out(s) for s in services.subscriptions_of(request.user)]


@router.post("/subscriptions", response={201: ReportSubscriptionOut})
def create_subscription(request, payload: ReportSubscriptionIn):
    """E-mail reports on a schedule: the month (or week) just ended, as Excel files."""
    found = services.create_subscription(request.user, **payload.dict())
    return Status(201, _subscription_out(found))


@router.post("/subscriptions/{subscription_id}/retire", response=ReportSubscriptionOut)
def retire_subscription(request, subscription_id: int):
    """Stop a subscription (it is kept, retired, with what it sent)."""
    return _subscription_out(services.retire_subscription(request.user, subscription_id))
