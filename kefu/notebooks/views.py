"""The notebook pages: 我的记录本 (three tabs: 问题登记, 服务统计, 抱怨登记), a problem with the
lead's answer, forward and close, the lead's 问题汇总, the team's service count (with Excel)
and the grumbles against complaints. Thin: parse, call one service, render. Rows reach the
templates through the API's shapes (kefu.notebooks.schemas), masked as the API masks them."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.services import floor_lead_choices
from kefu.complaints.models import Category as ComplaintCategory
from kefu.core.errors import ServiceError, refuse_page
from kefu.core.excel import one_sheet, xlsx_response
from kefu.core.masking import Masker
from kefu.core.numbers import whole_or_none
from kefu.core.paging import page_args, paginate
from kefu.core.schemas import day_or_none
from kefu.core.services import record_unmasked_read
from kefu.notebooks import access, selectors, services
from kefu.notebooks.models import (
    EntryKind,
    Grumble,
    GrumbleChannel,
    ProblemCategory,
)
from kefu.notebooks.schemas import (
    collection_out,
    count_row_out,
    entry_out,
    grumble_out,
    grumble_stats_out,
    problem_out,
)

TABS = ("problems", "counts", "grumbles")


def _done(request, exc: ServiceError | None, ok: str) -> None:
    if exc is None:
        messages.success(request, ok)
        return
    refuse_page(exc)
    messages.error(request, exc.detail)


def _require_read(request) -> None:
    if not access.may_read(request.user):
        raise PermissionDenied(_("记录本仅限客服中心人员查看"))


def _int(raw: str | None) -> int | None:
    return whole_or_none(raw)


def _month(request) -> tuple[dt.date, dt.date]:
    """``?month=2026-12`` (default this month); anything else reads as this month."""
    raw = request.GET.get("month", "")
    try:
        year, month = (int(part) for part in raw.split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return selectors.month_bounds(year, month)
    except ValueError:
        pass
    return selectors.month_of(None, None)


def _moment(raw: str | None) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
@require_GET
def notebook(request):
    """我的记录本: the three tabs (``?tab=problems|counts|grumbles``)."""
    _require_read(request)
    tab = request.GET.get("tab", "problems")
    if tab not in TABS:
        tab = "problems"
    first, last = _month(request)
    context = {
        "tab": tab,
        "may_use": access.may_use(request.user),
        "may_lead": access.may_lead(request.user),
        "today": timezone.localdate().isoformat(),
        "month": f"{first:%Y-%m}",
    }
    args = page_args(request.GET)
    masker = Masker(request.user)
    if tab == "problems":
        page = paginate(selectors.list_problems(request.user, mine=True), **args)
        context |= {
            "page": page,
            "rows": [problem_out(p, masker) for p in page.items],
            "categories": ProblemCategory.choices,
        }
    elif tab == "counts":
        result = selectors.service_count(
            request.user, first=first, last=last, agent_id=request.user.pk
        )
        entries = selectors.list_entries(
            request.user, first=first, last=last, agent_id=request.user.pk
        )
        context |= {
            "days": [count_row_out(r) for r in result.days],
            "total": count_row_out(result.total),
            "kinds": EntryKind.choices,
            "entries": [entry_out(e) for e in entries[:200]],
        }
    else:
        page = paginate(selectors.list_grumbles(request.user, first=first, last=last), **args)
        _audit_shown(request.user, page.items)
        context |= {
            "page": page,
            "rows": [grumble_out(g, masker) for g in page.items],
            "channels": GrumbleChannel.choices,
            "categories": list(
                ComplaintCategory.objects.filter(is_active=True).values_list("code", "name")
            ),
        }
    return render(request, "notebooks/notebook.html", context)


def _audit_shown(user, grumbles) -> None:
    record_unmasked_read(
        actor=user,
        action="notebooks.grumbles.read",
        model=Grumble,
        ids=[g.pk for g in grumbles if g.customer_phone],
    )


@login_required
@require_POST
def problem_create(request):
    try:
        services.record_problem(
            request.user,
            category=request.POST.get("category", ""),
            text=request.POST.get("text", ""),
            ticket_serial=request.POST.get("ticket", ""),
        )
    except ServiceError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, _("问题已登记"))
    return redirect("/notebooks/?tab=problems")


@login_required
@require_GET
def problem(request, problem_id: int):
    try:
        row = access.access_problem(request.user, problem_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return render(
        request,
        "notebooks/problem.html",
        {
            "p": problem_out(row, Masker(request.user)),
            "may_answer": row.status == row.Status.COLLECTED
            and (access.may_lead(request.user) or row.forwarded_to_id == request.user.pk),
            "may_lead": access.may_lead(request.user),
            "leads": floor_lead_choices(),
        },
    )


@login_required
@require_POST
def problem_act(request, problem_id: int, action: str):
    """答复 / 转交 / 关闭 from the problem's page."""
    if action not in ("answer", "forward", "close"):
        raise Http404(action)
    try:
        if action == "answer":
            services.answer_problem(request.user, problem_id, text=request.POST.get("text", ""))
            ok = _("已答复")
        elif action == "forward":
            services.forward_problem(
                request.user,
                problem_id,
                to_user_id=_int(request.POST.get("to")),
                note=request.POST.get("note", ""),
            )
            ok = _("已转交")
        else:
            services.close_problem(
                request.user, problem_id, duplicate_of=_int(request.POST.get("duplicate_of"))
            )
            ok = _("已关闭")
    except ServiceError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, ok)
    return redirect("notebooks-problem", problem_id)


@login_required
@require_GET
def summary(request):
    """问题汇总: the lead's weekly collections and the problems waiting for an answer."""
    if not access.may_lead(request.user):
        raise PermissionDenied(_("只有班长、主管和管理员可以查看问题汇总"))
    collections = list(selectors.list_collections(request.user)[:12])
    waiting = selectors.list_problems(request.user, status="collected")[:200]
    masker = Masker(request.user)
    return render(
        request,
        "notebooks/summary.html",
        {
            "collections": [collection_out(c) for c in collections],
            "waiting": [problem_out(p, masker) for p in waiting],
            "open": [
                problem_out(p, masker)
                for p in selectors.list_problems(request.user, status="open")[:200]
            ],
        },
    )


@login_required
@require_POST
def entry_create(request):
    try:
        services.add_entry(
            request.user,
            day=day_or_none(request.POST.get("day")),
            kind=request.POST.get("kind", ""),
            count=_int(request.POST.get("count")),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, _("已登记"))
    return redirect("/notebooks/?tab=counts")


@login_required
@require_POST
def entry_correct(request, entry_id: int):
    try:
        services.correct_entry(
            request.user,
            entry_id,
            count=_int(request.POST.get("count")),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, _("已更正"))
    if request.POST.get("back") == "team":
        return redirect("notebooks-counts")
    return redirect("/notebooks/?tab=counts")


@login_required
@require_GET
def counts(request):
    """The team's service count of a month (a lead; an agent sees their own), ``?agent=``."""
    _require_read(request)
    first, last = _month(request)
    result = selectors.service_count(
        request.user, first=first, last=last, agent_id=_int(request.GET.get("agent"))
    )
    return render(
        request,
        "notebooks/counts.html",
        {
            "month": f"{first:%Y-%m}",
            "days": [count_row_out(r) for r in result.days],
            "agents": [count_row_out(r) for r in result.agents],
            "total": count_row_out(result.total),
            "kinds": EntryKind.choices,
            "stats": grumble_stats_out(
                selectors.grumble_stats(request.user, first=first, last=last)
            ),
        },
    )


@login_required
@require_GET
def counts_xlsx(request):
    _require_read(request)
    first, last = _month(request)
    result = selectors.service_count(
        request.user, first=first, last=last, agent_id=_int(request.GET.get("agent"))
    )
    body = one_sheet(f"{first:%Y-%m}", selectors.count_header(), selectors.count_sheet_rows(result))
    return xlsx_response(
        body, f"service-count-{first:%Y%m}.xlsx", local_name=f"{_('服务统计')}-{first:%Y%m}.xlsx"
    )


@login_required
@require_POST
def grumble_create(request):
    try:
        services.record_grumble(
            request.user,
            services.GrumbleIn(
                at=_moment(request.POST.get("at")),
                channel=request.POST.get("channel", ""),
                category=request.POST.get("category", ""),
                customer_name=request.POST.get("customer_name", ""),
                customer_phone=request.POST.get("customer_phone", ""),
                content=request.POST.get("content", ""),
                handling=request.POST.get("handling", ""),
                satisfied=request.POST.get("satisfied") == "yes",
            ),
        )
    except ServiceError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, _("抱怨已登记"))
    return redirect("/notebooks/?tab=grumbles")


@login_required
@require_POST
def grumble_escalate(request, grumble_id: int):
    try:
        ticket = services.escalate_grumble(
            request.user, grumble_id, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, _("已转为投诉工单 %s") % ticket.serial)
    return redirect("/notebooks/?tab=grumbles")
