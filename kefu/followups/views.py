"""Callback pages and the public survey page. Thin: parse, call one service, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker
from kefu.core.paging import page_args
from kefu.followups import access, selectors, services
from kefu.followups.forms import AttemptForm, StatsForm, SurveyForm, TaskForm

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

VIEW_LABELS = {"mine": _("我的回访"), "open": _("全部待回访"), "overdue": _("已超期")}
SCORE_LABELS = {
    5: _("非常满意"),
    4: _("满意"),
    3: pgettext_lazy("satisfaction score", "一般"),
    2: _("不满意"),
    1: _("非常不满意"),
}


@login_required
@require_GET
def task_list(request):
    view = request.GET.get("view", "mine")
    if view not in VIEW_LABELS:
        view = "mine"
    page = selectors.list_tasks(request.user, view=view, **page_args(request.GET))
    return render(
        request,
        "followups/list.html",
        {
            "page": page,
            "view": view,
            "views": VIEW_LABELS.items(),
            "masker": Masker(request.user),
            "now": timezone.now(),
            "can_call_back": access.can_call_back(request.user),
            "can_read_stats": selectors.can_read_rates(request.user),
            "form": TaskForm(),
        },
    )


def _detail(request, task_id: int, *, form=None, error: str | StrPromise = "", status: int = 200):
    try:
        task = selectors.get_task(request.user, task_id)
    except ServiceError:
        raise Http404
    context = {
        "task": task,
        "form": form or AttemptForm(),
        "error": error,
        "masker": Masker(request.user),
        "now": timezone.now(),
        "can_call_back": access.can_call_back(request.user),
    }
    return render(request, "followups/detail.html", context, status=status)


@login_required
@require_GET
def task_detail(request, task_id: int):
    return _detail(request, task_id)


@login_required
@require_POST
def attempt(request, task_id: int):
    form = AttemptForm(request.POST)
    if not form.is_valid():
        return _detail(request, task_id, form=form, error=_("输入有误"), status=422)
    try:
        services.record_attempt(task_id, actor=request.user, **form.cleaned_data)
    except ServiceError as exc:
        if exc.code == Code.NOT_FOUND:
            raise Http404
        if exc.field in form.fields:
            form.add_error(exc.field, exc.detail)
        return _detail(request, task_id, form=form, error=exc.detail, status=exc.status)
    return redirect("followup", task_id=task_id)  # a reload must not post again


@login_required
@require_POST
def create(request):
    form = TaskForm(request.POST)
    error = _("输入有误")
    if form.is_valid():
        try:
            task = services.create_callback(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            error, status = exc.detail, exc.status
        else:
            return redirect("followup", task_id=task.id)
    else:
        status = 422
    page = selectors.list_tasks(request.user, view="mine")
    return render(
        request,
        "followups/list.html",
        {
            "page": page,
            "view": "mine",
            "views": VIEW_LABELS.items(),
            "masker": Masker(request.user),
            "now": timezone.now(),
            "can_call_back": access.can_call_back(request.user),
            "can_read_stats": selectors.can_read_rates(request.user),
            "form": form,
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def stats(request):
    form = StatsForm(request.GET or None)
    error, report, status = "", None, 200
    if form.is_bound and not form.is_valid():  # a date that is none, a year out of range
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        status = 422
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        try:
            report = selectors.callback_rates(
                request.user, date_from=cleaned.get("date_from"), date_to=cleaned.get("date_to")
            )
        except ServiceError as exc:
            error, status = exc.detail, exc.status
    return render(
        request,
        "followups/stats.html",
        {"form": form, "report": report, "error": error},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    """The customer's survey page from the SMS link: no login, no personal data shown.
    An unknown link answers 404, one used or expired 410, each with a plain message."""
    try:
        found = services.open_survey(token)
    except ServiceError as exc:
        return _survey_gone(request, exc)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_survey(token, **form.cleaned_data)
        except ServiceError as exc:
            if exc.code != Code.INVALID:
                return _survey_gone(request, exc)
            form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            return render(request, "followups/survey_done.html")
    return _survey_page(request, found, form, status=422 if request.method == "POST" else 200)


def _survey_gone(request, exc: ServiceError):
    status = 404 if exc.code == Code.NOT_FOUND else 410
    return render(request, "followups/survey_gone.html", {"message": exc.detail}, status=status)


def _survey_page(request, survey, form, *, status: int = 200):
    complaint = (
        getattr(survey.ticket, "complaint", None)
        if survey.ticket.type.code == "complaint"
        else None
    )
    return render(
        request,
        "followups/survey.html",
        {
            "survey": survey,
            "ticket": survey.ticket,
            "category": complaint.category if complaint is not None else None,
            "form": form,
            "scores": SCORE_LABELS,
        },
        status=status,
    )
