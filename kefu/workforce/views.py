"""Roster pages: the planners' list and roster, the Excel workbook, each agent's own shifts
and wishes. Thin: parse, call one service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import Code, ServiceError
from kefu.core.excel import xlsx_response
from kefu.workforce import attendance, leave, selectors, services, swaps, tables
from kefu.workforce.forms import LeaveForm, RosterForm, SwapForm, TemplateForm, WishForm
from kefu.workforce.models import Roster


def _refuse(exc: ServiceError):
    if exc.code == Code.FORBIDDEN:
        raise PermissionDenied(exc.detail)


def _take_step(request, actions: dict, pk: int, action: str) -> None:
    """One step of a swap or a leave (``actions``: name → (service call, what to say)), its
    outcome told to the user as a message."""
    if action not in actions:
        raise Http404(action)
    act, done = actions[action]
    try:
        act(request.user, pk, request.POST.get("note", ""))
    except ServiceError as exc:
        _refuse(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)


def _planner_page(request) -> None:
    try:
        services.require_planner(request.user)
    except ServiceError as exc:
        _refuse(exc)
        raise


def _form_error(form) -> str:
    return "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())


@login_required
@require_GET
def rosters(request):
    """排班管理: the rosters, a new roster, the shift templates (planners)."""
    try:
        rows = list(selectors.list_rosters(request.user)[:50])
    except ServiceError as exc:
        _refuse(exc)
        raise
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return render(
        request,
        "workforce/rosters.html",
        {
            "rosters": rows,
            "form": RosterForm(initial={"first_day": tomorrow}),
            "template_form": TemplateForm(),
            "templates": services.list_templates(request.user),
            "agents": services.rosterable_users().count(),
        },
    )


@login_required
@require_POST
def roster_create(request):
    form = RosterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("rosters")
    try:
        roster = services.create_roster(request.user, **form.cleaned_data)
    except ServiceError as exc:
        _refuse(exc)
        messages.error(request, exc.detail)
        return redirect("rosters")
    return redirect("roster", roster_id=roster.pk)


@login_required
@require_POST
def template_create(request):
    form = TemplateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("rosters")
    data = form.cleaned_data
    try:
        services.create_template(
            request.user,
            code=data["code"],
            name=data["name"],
            start=data["start"],
            minutes=int(data["hours"] * 60),
            is_night=data["is_night"],
        )
    except ServiceError as exc:
        _refuse(exc)
        messages.error(request, exc.detail)
        return redirect("rosters")
    messages.success(request, _("已添加班次"))
    return redirect("rosters")


@login_required
@require_POST
def template_toggle(request, template_id: int):
    try:
        template = services.set_template_active(
            request.user, template_id, request.POST.get("active") == "1"
        )
    except ServiceError as exc:
        _refuse(exc)
        messages.error(request, exc.detail)
        return redirect("rosters")
    messages.success(request, _("已启用") if template.is_active else _("已停用"))
    return redirect("rosters")


def _roster(request, roster_id: int) -> Roster:
    try:
        return selectors.get_roster(request.user, roster_id)
    except ServiceError as exc:
        _refuse(exc)
        if exc.code == Code.NOT_FOUND:
            raise Http404(exc.detail) from exc
        raise


@login_required
@require_GET
def roster(request, roster_id: int):
    """One roster: its state, each agent's shifts per day, each day's coverage."""
    item = _roster(request, roster_id)
    return render(
        request,
        "workforce/roster.html",
        {"roster": item, "view": selectors.roster_view(item), "Status": Roster.Status},
    )


@login_required
@require_GET
def roster_export(request, roster_id: int):
    item = _roster(request, roster_id)
    return xlsx_response(
        selectors.roster_workbook(selectors.roster_view(item)), f"roster-{item.first_day}.xlsx"
    )


@login_required
@require_POST
def roster_publish(request, roster_id: int):
    try:
        services.publish_roster(request.user, roster_id)
    except ServiceError as exc:
        _refuse(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("排班表已发布"))
    return redirect("roster", roster_id=roster_id)


@login_required
@require_POST
def roster_discard(request, roster_id: int):
    try:
        services.discard_roster(request.user, roster_id, reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        _refuse(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("排班表已作废"))
    return redirect("roster", roster_id=roster_id)


@login_required
def my_roster(request):
    """我的排班: the agent's published shifts for four weeks, and their wishes."""
    if request.method == "POST":
        form = WishForm(request.POST)
        if form.is_valid():
            try:
                services.set_wish(
                    request.user,
                    weekdays_off=form.cleaned_data["weekdays_off"],
                    no_night=form.cleaned_data["no_night"],
                )
            except ServiceError as exc:
                _refuse(exc)
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("排班意愿已保存"))
        else:
            messages.error(request, _form_error(form))
        return redirect("my-roster")
    wish = services.wish_of(request.user)
    shifts = list(selectors.my_shifts(request.user))
    may_take_leave = services.rosterable_users().filter(pk=request.user.pk).exists()
    away = selectors.leave_marks(shifts)
    for shift in shifts:
        shift.on_leave = (shift.user_id, shift.day) in away
    return render(
        request,
        "workforce/mine.html",
        {
            "shifts": shifts,
            "form": WishForm(
                initial={"weekdays_off": wish.weekdays_off, "no_night": wish.no_night}
            ),
            "swap_form": SwapForm(shifts=shifts, colleagues=swaps.colleagues(request.user)),
            "swaps": swaps.list_swaps(request.user, status="all")[:20],
            "attendance": attendance.own_attendance(request.user),
            "leave_form": LeaveForm() if may_take_leave else None,
            "leaves": leave.list_leave(request.user, status="all")[:20],
        },
    )


@login_required
@require_POST
def swap_ask(request):
    """调班: the agent asks a colleague to take a shift, for theirs on a day or not."""
    mine = list(selectors.my_shifts(request.user))
    form = SwapForm(request.POST, shifts=mine, colleagues=swaps.colleagues(request.user))
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("my-roster")
    data = form.cleaned_data
    try:
        swaps.ask_swap(
            request.user,
            shift_id=int(data["shift"]),
            colleague_id=int(data["colleague"]),
            their_day=data["their_day"],
            reason=data["reason"],
        )
    except ServiceError as exc:
        _refuse(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("调班申请已提交,等待同事确认"))
    return redirect("my-roster")


SWAP_ACTIONS = {
    "agree": (
        lambda user, pk, note: swaps.answer_swap(user, pk, agree=True),
        gettext_lazy("已同意"),
    ),
    "decline": (
        lambda user, pk, note: swaps.answer_swap(user, pk, agree=False),
        gettext_lazy("已拒绝"),
    ),
    "withdraw": (lambda user, pk, note: swaps.withdraw_swap(user, pk), gettext_lazy("已撤回")),
    "approve": (
        lambda user, pk, note: swaps.decide_swap(user, pk, approve=True, note=note),
        gettext_lazy("已批准"),
    ),
    "reject": (
        lambda user, pk, note: swaps.decide_swap(user, pk, approve=False, note=note),
        gettext_lazy("已驳回"),
    ),
}


@login_required
@require_POST
def swap_act(request, swap_id: int, action: str):
    """One step of a swap: the colleague agrees or declines, the asker withdraws, a planner
    approves or rejects."""
    _take_step(request, SWAP_ACTIONS, swap_id, action)
    back = "roster-swaps" if action in ("approve", "reject") else "my-roster"
    return redirect(back)


@login_required
@require_POST
def leave_ask(request):
    """请假: the agent asks for their own leave; a planner records an agent's (approved)."""
    planner = services.may_plan(request.user)
    form = LeaveForm(request.POST, agents=services.rosterable_users() if planner else None)
    back = "roster-leave" if planner and request.POST.get("user") else "my-roster"
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect(back)
    data = form.cleaned_data
    try:
        made = leave.ask_leave(
            request.user,
            kind=data["kind"],
            first_day=data["first_day"],
            last_day=data["last_day"],
            reason=data["reason"],
            user_id=int(data["user"]) if data.get("user") else None,
        )
    except ServiceError as exc:
        _refuse(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("请假已登记")
            if made.status == made.Status.APPROVED
            else _("请假申请已提交,等待审批"),
        )
    return redirect(back)


LEAVE_ACTIONS = {
    "approve": (
        lambda user, pk, note: leave.decide_leave(user, pk, approve=True, note=note),
        gettext_lazy("已批准"),
    ),
    "reject": (
        lambda user, pk, note: leave.decide_leave(user, pk, approve=False, note=note),
        gettext_lazy("已驳回"),
    ),
    "withdraw": (lambda user, pk, note: leave.withdraw_leave(user, pk), gettext_lazy("已撤回")),
    "cancel": (
        lambda user, pk, note: leave.cancel_leave(user, pk, reason=note),
        gettext_lazy("已取消"),
    ),
}


@login_required
@require_POST
def leave_act(request, leave_id: int, action: str):
    """One step of a leave: a planner approves, rejects or cancels; the agent withdraws."""
    _take_step(request, LEAVE_ACTIONS, leave_id, action)
    return redirect("my-roster" if action == "withdraw" else "roster-leave")


@login_required
@require_GET
def leave_list(request):
    """请假审批: leave waiting for a decision, approved leave to come, record an agent's."""
    _planner_page(request)
    return render(
        request,
        "workforce/leave.html",
        {
            "waiting": leave.list_leave(request.user, status="asked"),
            "latest": leave.list_leave(request.user, status="all")[:50],
            "form": LeaveForm(agents=services.rosterable_users()),
        },
    )


@login_required
@require_GET
def swap_list(request):
    """调班审批: the swaps waiting for a decision, and the latest decided (planners)."""
    _planner_page(request)
    return render(
        request,
        "workforce/swaps.html",
        {
            "waiting": swaps.list_swaps(request.user, status="agreed"),
            "latest": swaps.list_swaps(request.user, status="all")[:30],
        },
    )


def _attendance(request):
    try:
        day = attendance.parse_attendance_day(request.GET.get("date"))
        error = ""
    except ServiceError as exc:
        day, error = timezone.localdate(), exc.detail
    try:
        return day, attendance.day_attendance(request.user, day), error
    except ServiceError as exc:
        _refuse(exc)
        raise


@login_required
@require_GET
def attendance_page(request):
    """考勤: each published shift of a day and how it was kept (planners)."""
    day, rows, error = _attendance(request)
    return render(
        request,
        "workforce/attendance.html",
        {"day": day, "rows": rows, "error": error},
    )


@login_required
@require_GET
def attendance_export(request):
    day, rows, error = _attendance(request)
    if error:
        messages.error(request, error)
        return redirect("roster-attendance")
    return xlsx_response(attendance.attendance_workbook(day, rows), f"attendance-{day}.xlsx")


def _tables(request):
    try:
        first = tables.month_asked(request.GET.get("month"))
        error = ""
    except ServiceError as exc:
        first, error = tables.month_asked(None), exc.detail
    try:
        return tables.five_tables(request.user, first), error
    except ServiceError as exc:
        _refuse(exc)
        raise


@login_required
@require_GET
def five_tables_page(request):
    """五表: a month's seats per slot, forecast against capacity, last month's actuals and
    staff, actual against forecast, per agent (floor watchers)."""
    result, error = _tables(request)
    return render(request, "workforce/tables.html", {"t": result, "error": error})


@login_required
@require_GET
def five_tables_export(request):
    result, error = _tables(request)
    if error:
        messages.error(request, error)
        return redirect("roster-tables")
    month = result.month.strftime("%Y-%m")
    return xlsx_response(tables.tables_workbook(result), f"five-tables-{month}.xlsx")
