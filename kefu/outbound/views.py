"""Outbound pages (外呼): the lists, a new list, a list's progress and numbers, the agent's
screen that works through a list. Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.models import Branch
from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError, refuse_page
from kefu.core.excel import one_sheet, xlsx_response
from kefu.core.masking import Masker
from kefu.core.paging import page_number, paginate
from kefu.core.uploads import checked_upload
from kefu.knowledge.models import Script
from kefu.notices.models import Notice
from kefu.outbound import selectors, services
from kefu.outbound.forms import AttemptForm, ListForm
from kefu.outbound.models import OutboundEntry, OutboundList
from kefu.tickets.models import TicketType


def _form_error(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
        for f, e in form.errors.items()
    )


def _list_form(request, data=None, files=None) -> ListForm:
    everything = scope_of(request.user).everything
    return ListForm(
        data,
        files,
        scripts=Script.objects.filter(is_active=True).values_list("scene", "name"),
        types=TicketType.objects.filter(is_active=True).values_list("code", "label"),
        notices=Notice.objects.exclude(state=Notice.State.DRAFT)
        .order_by("-id")
        .values_list("pk", "title")[:50],
        agents=[
            (u.pk, f"{u.staff.employee_no} {u.staff.display_name}")
            for u in services.callable_users(branch_id=scope_of(request.user).branch_id)
        ],
        branches=Branch.objects.filter(is_active=True).values_list("pk", "name")
        if everything
        else (),
    )


@login_required
@require_GET
def lists(request):
    """外呼任务: the lists with their progress; a new list for the leads."""
    status = request.GET.get("status", "open")
    if status not in selectors.STATUS_FILTERS:
        status = "open"
    try:
        rows = selectors.list_lists(request.user, status=status)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    page = paginate(rows, page=page_number(request), per_page=20)
    return render(
        request,
        "outbound/lists.html",
        {
            "page": page,
            "status": status,
            "can_plan": services.may_plan(request.user),
            "form": _list_form(request) if services.may_plan(request.user) else None,
        },
    )


@login_required
@require_POST
def create(request):
    if not services.may_plan(request.user):
        raise PermissionDenied(_("只有班长、主管和管理员可以管理外呼任务"))
    form = _list_form(request, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("outbound-lists")
    data = form.cleaned_data
    upload = data.get("file")
    try:
        if upload is not None:
            checked_upload(upload)
        built = services.create_list(
            request.user,
            services.ListIn(
                name=data["name"],
                purpose=data["purpose"],
                source=data["source"],
                params=form.params(),
                script=data["script"],
                talking_points=data["talking_points"],
                max_attempts=data["max_attempts"],
                retry_minutes=data["retry_minutes"],
                call_from=data["call_from"],
                call_until=data["call_until"],
                ends_on=data["ends_on"],
                agents=tuple(int(a) for a in data["agents"]),
                branch=int(data["branch"]) if data.get("branch") else None,
            ),
            file=upload.read() if upload else None,
        )
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        messages.error(request, exc.detail)
        return redirect("outbound-lists")
    messages.success(
        request,
        _("已生成名单 %(added)d 个号码(黑名单排除 %(excluded)d,重复 %(dup)d,无号码 %(none)d)")
        % {
            "added": built.added,
            "excluded": built.excluded,
            "dup": built.duplicates,
            "none": built.no_number,
        },
    )
    for error in built.errors[:20]:
        messages.error(request, _("第 %(row)s 行:%(message)s") % error)
    return redirect("outbound-list", list_id=built.outbound.pk)


def _list(request, list_id: int) -> OutboundList:
    try:
        return services.access_list(request.user, list_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise


@login_required
@require_GET
def detail(request, list_id: int):
    """One list: progress by state and agent, its numbers, the leads' actions."""
    outbound = _list(request, list_id)
    state = request.GET.get("state", "all")
    if state not in selectors.ENTRY_FILTERS:
        state = "all"
    number = request.GET.get("number", "")[:24]
    rows = selectors.list_entries(request.user, outbound, state=state, number=number)
    page = paginate(rows, page=page_number(request), per_page=50)
    services.audit_entries_shown(request.user, outbound, page.items, how="list")
    return render(
        request,
        "outbound/list.html",
        {
            "outbound": outbound,
            "progress": selectors.progress(outbound),
            "page": page,
            "state": state,
            "number": number,
            "states": OutboundEntry.State.choices,
            "masker": Masker(request.user),
            "can_plan": services.may_plan(request.user),
            "can_work": services.may_work(request.user, outbound),
            "agents": outbound.agents.select_related("staff").order_by("staff__employee_no"),
            "agent_choices": services.callable_users(outbound),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def move(request, list_id: int, action: str):
    try:
        if action == "close":
            services.close_list(request.user, list_id, reason=request.POST.get("reason", ""))
        elif action == "agents":
            services.set_agents(request.user, list_id, request.POST.getlist("agents"))
        else:
            services.move_list(request.user, list_id, action)
    except ServiceError as exc:
        refuse_page(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("已保存"))
    return redirect("outbound-list", list_id=list_id)


@login_required
@require_GET
def export(request, list_id: int):
    outbound = _list(request, list_id)
    entries = outbound.entries.values_list("pk", flat=True)
    services.audit_entries_shown(request.user, outbound, entries, how="export")
    return xlsx_response(
        selectors.list_workbook(request.user, outbound), f"outbound-{outbound.pk}.xlsx"
    )


@login_required
@require_GET
def sample_sheet(request):
    """An empty sheet with the columns an imported list reads."""
    if not services.may_plan(request.user):
        raise PermissionDenied(_("只有班长、主管和管理员可以管理外呼任务"))
    data = one_sheet(_("外呼名单"), [_("姓名"), _("电话"), _("备注")], [])
    return xlsx_response(data, "outbound-list.xlsx")


def _work_page(request, outbound: OutboundList, *, form=None, error="", status=200, dial=None):
    now = timezone.now()
    entry = services.held_entry(request.user, outbound, now)
    context = {
        "outbound": outbound,
        "entry": entry,
        "form": form or AttemptForm(),
        "error": error,
        "dial": dial,
        "in_hours": services.calling_hours_now(outbound, now),
        "progress": selectors.progress(outbound),
        "masker": Masker(request.user),
    }
    if entry is not None:
        context["attempts"] = selectors.attempts_of(entry)
        context["script"] = selectors.script_of(request.user, entry)
    return render(request, "outbound/work.html", context, status=status)


@login_required
@require_GET
def work(request, list_id: int):
    """The agent's screen: the number held, its history, the campaign's words, the outcome."""
    outbound = _list(request, list_id)
    if not services.may_work(request.user, outbound):
        raise PermissionDenied(_("您不在该外呼任务的坐席名单中"))
    return _work_page(request, outbound)


def _take_next(request, outbound: OutboundList):
    try:
        found = services.next_entry(request.user, outbound.pk)
    except ServiceError as exc:
        refuse_page(exc)
        return _work_page(request, outbound, error=exc.detail, status=exc.status)
    if found.entry is None:
        if found.next_at is None:
            messages.info(request, _("名单已全部拨完"))
        else:
            messages.info(
                request,
                _("暂无可拨号码,下一个号码 %s 可拨")
                % f"{timezone.localtime(found.next_at):%m-%d %H:%M}",
            )
    return redirect("outbound-work", list_id=outbound.pk)


@login_required
@require_POST
def take_next(request, list_id: int):
    return _take_next(request, _list(request, list_id))


def _entry(request, entry_id: int) -> OutboundEntry:
    try:
        return selectors.get_entry(request.user, entry_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise


@login_required
@require_POST
def dial(request, entry_id: int):
    entry = _entry(request, entry_id)
    try:
        done = services.dial(request.user, entry_id)
    except ServiceError as exc:
        refuse_page(exc)
        if request.htmx:
            return render(request, "outbound/_dial.html", {"error": exc.detail}, status=exc.status)
        return _work_page(request, entry.outbound, error=exc.detail, status=exc.status)
    if request.htmx:
        return render(request, "outbound/_dial.html", {"dial": done})
    return _work_page(request, entry.outbound, dial=done)


@login_required
@require_POST
def attempt(request, entry_id: int):
    entry = _entry(request, entry_id)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        return _work_page(request, entry.outbound, form=form, error=_form_error(form), status=422)
    data = form.cleaned_data
    try:
        services.record_attempt(
            request.user,
            entry_id,
            services.AttemptIn(
                outcome=data["outcome"],
                note=data["note"],
                call_at=data["call_at"],
                score=data["score"],
            ),
        )
    except ServiceError as exc:
        refuse_page(exc)
        return _work_page(request, entry.outbound, form=form, error=exc.detail, status=exc.status)
    messages.success(request, _("已记录"))
    if request.POST.get("then") == "stop":
        return redirect(reverse("outbound-work", args=[entry.outbound_id]))
    return _take_next(request, entry.outbound)


@login_required
@require_POST
def release(request, entry_id: int):
    entry = _entry(request, entry_id)
    try:
        services.release_entry(request.user, entry_id)
    except ServiceError as exc:
        refuse_page(exc)
        messages.error(request, exc.detail)
    return redirect("outbound-work", list_id=entry.outbound_id)
