"""Caller log, blacklist, missed-call and floor pages, and the agent's state button. Thin:
parse, call one service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import xlsx_response
from kefu.core.masking import Masker
from kefu.core.paging import page_args, paginate
from kefu.knowledge import selectors as knowledge_selectors
from kefu.telephony import blacklist, callbacks, floor, ladder, planning
from kefu.telephony.forms import BlacklistForm, NoteForm, ReasonForm
from kefu.telephony.models import BlacklistEntry
from kefu.telephony.services import list_calls

BLACKLIST_STATES = [
    ("in_force", gettext_lazy("生效中")),
    ("expired", gettext_lazy("已到期")),
    ("lifted", gettext_lazy("已解除")),
    ("all", gettext_lazy("全部")),
]
CALLBACK_STATUSES = [
    ("open", gettext_lazy("待回拨")),
    ("overdue", gettext_lazy("已超时")),
    ("closed", gettext_lazy("已关闭")),
    ("all", gettext_lazy("全部")),
]
# The standard scripts (kefu.knowledge) a flagged caller's pop shows.
ABUSE_SCENES = ("abusive_warning", "abusive_end")


@login_required
@require_GET
def call_log(request):
    number = request.GET.get("phone", "")[:40]
    try:
        calls = list_calls(request.user, number=number, limit=100)
    except ServiceError as exc:
        raise PermissionDenied(exc.detail)
    return render(
        request,
        "telephony/calls.html",
        {
            "calls": calls,
            "phone": number,
            "masker": Masker(request.user),
        },
    )


def _blacklist_page(request, *, form=None, error: str = "", status: int = 200):
    state = request.GET.get("state", "in_force")
    if state not in blacklist.STATES:
        state = "in_force"
    kind = request.GET.get("kind", "")
    number = request.GET.get("phone", "")[:40]
    try:
        qs = blacklist.list_blacklist(request.user, number=number, kind=kind, state=state)
    except ServiceError as exc:
        raise PermissionDenied(exc.detail)
    return render(
        request,
        "telephony/blacklist.html",
        {
            "page": paginate(qs, **page_args(request.GET)),
            "state": state,
            "states": BLACKLIST_STATES,
            "kind": kind,
            "kinds": BlacklistEntry.Kind.choices,
            "phone": number,
            "masker": Masker(request.user),
            "now": timezone.now(),
            "can_add": blacklist.can_flag_number(request.user),
            "can_manage": blacklist.can_manage_blacklist(request.user),
            "form": form or BlacklistForm(initial={"kind": BlacklistEntry.Kind.FLAG}),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def blacklist_page(request):
    """The blacklist (黑名单) for the center's staff: filters, add, lift."""
    return _blacklist_page(request)


@login_required
@require_POST
def blacklist_add(request):
    form = BlacklistForm(request.POST)
    if not form.is_valid():
        return _blacklist_page(request, form=form, status=422)
    try:
        blacklist.add_blacklist_entry(
            form.cleaned_data["number"],
            actor=request.user,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            until=form.cleaned_data["until"],
        )
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        return _blacklist_page(request, form=form, error=exc.detail, status=exc.status)
    messages.success(request, _("已加入黑名单"))
    return redirect("call-blacklist")


@login_required
@require_POST
def blacklist_lift(request, entry_id: int):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        blacklist.lift_blacklist_entry(entry_id, actor=request.user, reason=reason)
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        return _blacklist_page(request, error=exc.detail, status=exc.status)
    messages.success(request, _("已解除"))
    return redirect("call-blacklist")


def _missed_page(request, *, error: str = "", status: int = 200):
    view = request.GET.get("status", "open")
    if view not in callbacks.STATUSES:
        view = "open"
    number = request.GET.get("phone", "")[:40]
    try:
        qs = callbacks.list_callbacks(request.user, status=view, number=number)
        counts = callbacks.count_callbacks(request.user)
    except ServiceError as exc:
        raise PermissionDenied(exc.detail)
    return render(
        request,
        "telephony/missed.html",
        {
            "page": paginate(qs.prefetch_related("calls"), **page_args(request.GET)),
            "status": view,
            "statuses": CALLBACK_STATUSES,
            "counts": counts,
            "phone": number,
            "masker": Masker(request.user),
            "now": timezone.now(),
            "can_close": scope_of(request.user).can_intake,
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def missed_calls(request):
    """The missed-call worklist (未接来电回拨): open first, overdue marked, click to call."""
    return _missed_page(request)


@login_required
@require_POST
def missed_close(request, entry_id: int):
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        callbacks.close_callback(entry_id, actor=request.user, note=note)
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        return _missed_page(request, error=exc.detail, status=exc.status)
    messages.success(request, _("已关闭"))
    return redirect("call-missed")


@login_required
@require_GET
def flag_script(request):
    """The abuse script (标准话术, scenes abusive_warning and abusive_end) a flagged caller's pop
    shows, said as this agent says it; the fixed warning when the center has none. For the
    center's staff, whom call pops reach."""
    if not scope_of(request.user).is_center:
        raise PermissionDenied(_("通话弹屏仅限客服中心人员"))
    try:
        _title, rows = knowledge_selectors.scripts_for(request.user)
    except ServiceError:
        rows = []
    scripts = [s for s in rows if s.scene in ABUSE_SCENES]
    return render(
        request,
        "telephony/partials/flag_script.html",
        {"scripts": scripts, "warning": blacklist.FLAG_WARNING},
    )


def _floor_context(request, *, error: str = "") -> dict:
    return {
        "floor": floor.get_floor(request.user),
        "steps": ladder.active_steps(),
        "can_lead": floor.may_lead_floor(request.user),
        "busy_above": settings.TELEPHONY_LADDER_BUSY,
        "error": error,
    }


@login_required
@require_GET
def floor_page(request):
    """话务监控: the supervisor's live floor — queue, service level, agents, the ladder."""
    if not floor.may_watch_floor(request.user):
        raise PermissionDenied(_("话务监控仅限班长、主管、质检和管理人员"))
    return render(request, "telephony/floor.html", _floor_context(request))


@require_GET
def floor_panel(request):
    """The floor page's panel, reloaded on each floor change (htmx)."""
    if not request.user.is_authenticated:
        return HttpResponseClientRedirect(f"{resolve_url(settings.LOGIN_URL)}?next=/calls/floor/")
    if not floor.may_watch_floor(request.user):
        raise PermissionDenied(_("话务监控仅限班长、主管、质检和管理人员"))
    return render(request, "telephony/partials/floor_panel.html", _floor_context(request))


@login_required
@require_POST
def ladder_step(request, step_id: int, action: str):
    """Answer (已安排) or sign out (撤回) an emergency-staffing step; the panel comes back."""
    note = request.POST.get("note", "")[:400]
    service = ladder.answer_step if action == "answer" else ladder.sign_out_step
    error = ""
    try:
        service(step_id, actor=request.user, note=note)
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        error = exc.detail
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("call-floor")
    return render(
        request, "telephony/partials/floor_panel.html", _floor_context(request, error=error)
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_state(request):
    """The agent's state button (就绪 / 小休 / 离线): the button comes back (GET: as it is,
    when the PBX or a call changed the state)."""
    error = ""
    if request.method == "GET":
        return render(
            request, "telephony/partials/state.html", {"phone_state": floor.own_state(request.user)}
        )
    try:
        floor.change_own_state(request.user, request.POST.get("state", ""))
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        error = exc.detail
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("workbench")
    return render(
        request,
        "telephony/partials/state.html",
        {"phone_state": floor.own_state(request.user), "state_error": error},
        status=422 if error else 200,
    )


def _plan(request):
    """The plan asked for, or the error to show with tomorrow's plan."""
    try:
        day = planning.parse_day(request.GET.get("date"))
        error = ""
    except ServiceError as exc:
        day, error = planning.parse_day(None), exc.detail
    try:
        return planning.plan_day(request.user, day), error
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        raise


@login_required
@require_GET
def plan_page(request):
    """排班需求: the day's call forecast per slot and the seats it needs (Erlang C), with the
    forecast's back-test."""
    plan, error = _plan(request)
    return render(
        request,
        "telephony/plan.html",
        {
            "plan": plan,
            "error": error,
            "check": planning.backtest(request.user),
            "service_percent": settings.TELEPHONY_SERVICE_PERCENT,
            "service_seconds": settings.TELEPHONY_SERVICE_SECONDS,
        },
    )


@login_required
@require_GET
def plan_export(request):
    """The day's plan as an Excel sheet."""
    plan, error = _plan(request)
    if error:
        messages.error(request, error)
        return redirect("call-plan")
    return xlsx_response(planning.plan_workbook(plan), f"seats-{plan.date}.xlsx")
