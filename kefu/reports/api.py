"""Monthly complaint report API: the figures with the report's state, the Excel file, and the
report's steps (submit, review, archive). ``month`` is ``YYYY-MM``; a bad one is a 422 naming
the field ``month``."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from kefu.reports import selectors, services
from kefu.reports.export import XLSX

router = Router(tags=["reports"])


class SubmitIn(Schema):
    summary: str = Field(..., max_length=services.MAX_TEXT, description=str(_("分析与整改")))


class ReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=services.MAX_TEXT)


def _body(page: services.ReportPage) -> dict:
    report = page.report

    def who(user) -> str | None:
        if user is None:
            return None
        staff = getattr(user, "staff", None)
        return staff.display_name if staff is not None else user.username

    return {
        "month": f"{page.month:%Y-%m}",
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


def _page(request, month: str) -> dict:
    return _body(services.get_report_page(request.user, month))


@router.get("/wording/{month}", response=dict)
def wording(request, month: str):
    """Forbidden phrases per agent in the month (YYYY-MM): sent after a warning, stopped,
    and which phrases."""
    return selectors.phrase_uses(request.user, month)


# The .xlsx route first: "{month}" alone would take "2025-11.xlsx" as the month.
@router.get("/complaints/{month}.xlsx", response={200: None})
def workbook(request, month: str):
    """The month's figures as an Excel workbook (the snapshot once the report is submitted)."""
    page = services.get_report_page(request.user, month)
    response = HttpResponse(services.monthly_workbook(page.stats), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="complaints-{page.month:%Y-%m}.xlsx"'
    return response


@router.get("/complaints/{month}", response=dict)
def monthly(request, month: str):
    """The month's complaint figures and its report's state, due time and allowed actions."""
    return _page(request, month)


@router.post("/complaints/{month}/submit", response=dict)
def submit(request, month: str, payload: SubmitIn):
    """A supervisor submits the report with its analysis (分析与整改) for review."""
    services.submit_report(month, actor=request.user, summary=payload.summary)
    return _page(request, month)


@router.post("/complaints/{month}/review", response=dict)
def review(request, month: str, payload: ReviewIn):
    """The general manager approves the report or sends it back (a note is then required)."""
    services.review_report(month, actor=request.user, approve=payload.approve, note=payload.note)
    return _page(request, month)


@router.post("/complaints/{month}/archive", response=dict)
def archive(request, month: str):
    """File the approved report; it never changes again."""
    services.archive_report(month, actor=request.user)
    return _page(request, month)
