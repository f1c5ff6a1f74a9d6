"""The monthly complaint report page, its actions and its Excel file. Thin: parse, call one
service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.calendar import parse_month, previous_month
from kefu.core.errors import Code, ServiceError
from kefu.reports import services
from kefu.reports.export import XLSX
from kefu.reports.forms import ArchiveForm, ReviewForm, SubmitForm
from kefu.reports.models import MonthlyReport

FORMS = {"submit": SubmitForm, "review": ReviewForm, "archive": ArchiveForm}


def _page(request, month_text: str, *, forms=None, error: str = "", status: int = 200):
    context: dict[str, Any] = {"month_text": month_text, "error": error, "page": None, "forms": {}}
    try:
        page = services.get_report_page(request.user, month_text)
    except ServiceError as exc:
        context["error"] = exc.detail
        status = 400 if exc.code == Code.INVALID else exc.status
    else:
        forms = forms or {}
        context.update(
            page=page,
            month_text=f"{page.month:%Y-%m}",
            forms={name: forms.get(name) or FORMS[name]() for name in page.actions},
            now=timezone.now(),
        )
    return render(request, "reports/monthly.html", context, status=status)


@login_required
@require_GET
def monthly(request):
    default = f"{previous_month(timezone.localdate()):%Y-%m}"
    return _page(request, request.GET.get("month") or default)


@login_required
@require_POST
def action(request, month: str, name: str):
    form_class = FORMS.get(name)
    if form_class is None:
        return _page(request, month, error=_("未知操作"), status=404)
    form = form_class(request.POST)
    if not form.is_valid():
        return _page(request, month, forms={name: form}, error=_("输入有误"), status=422)
    calls: dict[str, Callable[..., MonthlyReport]] = {
        "submit": services.submit_report,
        "review": services.review_report,
        "archive": services.archive_report,
    }
    call = calls[name]
    try:
        call(month, actor=request.user, **form.cleaned_data)
    except ServiceError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.detail)
        return _page(request, month, forms={name: form}, error=exc.detail, status=exc.status)
    # After the change, the page again (a reload must not post again).
    return redirect(reverse("report-complaints") + f"?month={parse_month(month):%Y-%m}")


@login_required
@require_GET
def workbook(request, month: str):
    try:
        page = services.get_report_page(request.user, month)
    except ServiceError as exc:
        return _page(request, month, status=400 if exc.code == Code.INVALID else exc.status)
    response = HttpResponse(services.monthly_workbook(page.stats), content_type=XLSX)
    filename = f"complaints-{page.month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
