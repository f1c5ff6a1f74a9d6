"""The monthly complaint report page, its actions and its Excel file. Thin: parse, call one
service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.calendar import parse_month, previous_month
from kefu.core.errors import Code, ServiceError, refuse_page
from kefu.core.excel import xlsx_response
from kefu.core.numbers import whole
from kefu.core.paging import page_number
from kefu.reports import boards, export, services
from kefu.reports.forms import ArchiveForm, ReviewForm, SubmitForm
from kefu.reports.models import MonthlyReport

FORMS = {"submit": SubmitForm, "review": ReviewForm, "archive": ArchiveForm}


def _here(month, branch: str) -> str:
    """The monthly page's address for ``month`` and ``branch`` (an id as text, or "")."""
    query = {"month": f"{parse_month(month):%Y-%m}"}
    if branch:
        query["branch"] = branch
    return reverse("report-complaints") + "?" + urlencode(query)


def _page(
    request,
    month_text: str,
    branch: str = "",
    *,
    forms=None,
    error: str = "",
    status: int = 200,
):
    context: dict[str, Any] = {
        "month_text": month_text,
        "branch_text": branch,
        "error": error,
        "page": None,
        "forms": {},
    }
    try:
        page = services.get_report_page(request.user, month_text, branch=branch)
    except ServiceError as exc:
        context["error"] = exc.detail
        status = 400 if exc.code == Code.INVALID else exc.status
    else:
        forms = forms or {}
        query = f"?branch={page.branch.pk}" if page.branch is not None else ""
        context.update(
            page=page,
            charts=boards.monthly_charts(page.stats),
            month_text=f"{page.month:%Y-%m}",
            branch_text=str(page.branch.pk) if page.branch is not None else "",
            query=query,
            forms={name: forms.get(name) or FORMS[name]() for name in page.actions},
            now=timezone.now(),
        )
    return render(request, "reports/monthly.html", context, status=status)


def _branch_param(request) -> str:
    return request.GET.get("branch", "")[:20]


@login_required
@require_GET
def monthly(request):
    default = f"{previous_month(timezone.localdate()):%Y-%m}"
    return _page(request, request.GET.get("month") or default, _branch_param(request))


@login_required
@require_POST
def action(request, month: str, name: str):
    branch = _branch_param(request)
    form_class = FORMS.get(name)
    if form_class is None:
        return _page(request, month, branch, error=_("未知操作"), status=404)
    form = form_class(request.POST)
    if not form.is_valid():
        return _page(request, month, branch, forms={name: form}, error=_("输入有误"), status=422)
    calls: dict[str, Callable[..., MonthlyReport]] = {
        "submit": services.submit_report,
        "review": services.review_report,
        "archive": services.archive_report,
    }
    call = calls[name]
    try:
        report = call(month, actor=request.user, branch=branch, **form.cleaned_data)
    except ServiceError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.detail)
        return _page(
            request, month, branch, forms={name: form}, error=exc.detail, status=exc.status
        )
    # After the change, the page again (a reload must not post again).
    return redirect(_here(month, str(report.branch_id) if report.branch_id else ""))


@login_required
@require_GET
def workbook(request, month: str):
    branch = _branch_param(request)
    try:
        page = services.get_report_page(request.user, month, branch=branch)
    except ServiceError as exc:
        return _page(request, month, branch, status=400 if exc.code == Code.INVALID else exc.status)
    content, filename = services.report_workbook(page)
    return xlsx_response(content, filename)


# ---------------------------------------------------------------------------------- boards


def _query_params(request) -> dict[str, str]:
    return {key: request.GET.get(key, "") for key in request.GET}


@login_required
@require_GET
def index(request):
    try:
        catalogue = boards.reports_for(request.user)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    titles = {report.key: str(report.title) for report in catalogue}
    subscriptions = services.subscriptions_of(request.user)
    for subscription in subscriptions:
        subscription.titles = [titles.get(key, key) for key in subscription.reports]
    context = {
        "reports": catalogue,
        "views": services.views_of(request.user),
        "subscriptions": subscriptions,
        "recipients": services.recipient_choices(request.user),
    }
    return render(request, "reports/index.html", context)


@login_required
@require_GET
def board(request, key: str):
    try:
        read = boards.read(request.user, key, _query_params(request))
    except ServiceError as exc:
        refuse_page(exc)
        report = boards.report_of(key)
        asked = {"start": request.GET.get("start", ""), "end": request.GET.get("end", "")}
        context = {"report": report, "error": exc.detail, "board": None, "asked": asked}
        return render(request, "reports/board.html", context, status=422)
    context = {
        "report": read.report,
        "board": read,
        "views": services.views_of(request.user, read.report.key),
    }
    return render(request, "reports/board.html", context)


@login_required
@require_GET
def board_workbook(request, key: str):
    try:
        read = boards.read(request.user, key, _query_params(request))
    except ServiceError as exc:
        refuse_page(exc)
        return HttpResponse(exc.detail, status=422, content_type="text/plain; charset=utf-8")
    filename = f"{key}-{read.params['start']}-{read.params['end']}.xlsx"
    return xlsx_response(export.board_workbook(read), filename)


@login_required
@require_GET
def drill(request, key: str):
    try:
        found = boards.drill(request.user, key, _query_params(request), page_number(request))
    except ServiceError as exc:
        refuse_page(exc)
        return render(request, "reports/drill.html", {"error": exc.detail}, status=422)
    back = (
        reverse("report-board", args=[key])
        + "?"
        + urlencode({k: v for k, v in found.params.items() if k not in ("measure",)})
    )
    query = urlencode(found.params) + "&"
    return render(request, "reports/drill.html", {"drill": found, "back": back, "query": query})


@login_required
@require_POST
def save_view(request, key: str):
    params = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "name")}
    try:
        services.save_view(
            request.user, name=request.POST.get("name", ""), report=key, params=params
        )
    except ServiceError as exc:
        refuse_page(exc)
        messages.error(request, exc.detail)
    return redirect(reverse("report-board", args=[key]) + "?" + urlencode(params))


@login_required
@require_POST
def retire_view(request, view_id: int):
    try:
        view = services.retire_view(request.user, view_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return redirect(reverse("report-board", args=[view.report]))


@login_required
@require_POST
def subscribe(request):
    form = request.POST
    try:
        services.create_subscription(
            request.user,
            name=form.get("name", ""),
            reports=form.getlist("reports"),
            every=form.get("every", "month"),
            day=_whole(form.get("day"), "day"),
            hour=_whole(form.get("hour"), "hour"),
            recipients=form.getlist("recipients"),
            addresses=form.get("addresses", ""),
        )
    except ServiceError as exc:
        refuse_page(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("已保存订阅"))
    return redirect(reverse("reports") + "#subscriptions")


def _whole(raw: str | None, field: str) -> int:
    return whole(raw, field=field, high=999, message=_("请填写整数"))


@login_required
@require_POST
def unsubscribe(request, subscription_id: int):
    try:
        services.retire_subscription(request.user, subscription_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return redirect(reverse("reports") + "#subscriptions")
