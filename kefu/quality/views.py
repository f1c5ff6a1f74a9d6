"""Quality pages (质检): the inspector's samples and the draw, scoring a sample with its ticket
(timeline, conversation, the call's recording) beside the scorecard, an inspection with its
send-back, appeal and decision, a send-back's fix, the scorecards, and the evaluation (绩效).
Thin: parse, call one service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts.models import Department
from kefu.accounts.scope import scope_of
from kefu.conversations.selectors import thread
from kefu.core.errors import Code, ServiceError, refuse_page, show_refusal
from kefu.core.excel import xlsx_response
from kefu.core.masking import Masker
from kefu.core.numbers import whole, whole_or_none
from kefu.core.paging import page_number, paginate
from kefu.core.schemas import day_or_none, within_years
from kefu.quality import access, selectors, services
from kefu.quality.models import Appeal, Category, Period, Sample, Scorecard, SendBack
from kefu.tickets.models import TicketStatus
from kefu.tickets.selectors import get_timeline

CATEGORY_LABELS = dict(Category.choices)
STATUS_LABELS = dict(TicketStatus.choices)


def _guard(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except ServiceError as exc:
        refuse_page(exc)
        raise


@login_required
@require_GET
def home(request):
    """质检: samples to score (inspectors), inspections, send-backs and appeals I may read."""
    _guard(access.require_use, request.user)
    inspector = access.may_inspect(request.user)
    context: dict[str, Any] = {
        "inspector": inspector,
        "is_center": scope_of(request.user).is_center,
        "inspections": paginate(
            selectors.list_inspections(request.user), page=page_number(request)
        ),
        "send_backs": list(selectors.list_send_backs(request.user, status="open")[:50]),
        "appeals": list(selectors.list_appeals(request.user, status="pending")[:50]),
        "now": timezone.now(),
    }
    if inspector:
        context["samples"] = list(selectors.list_samples(request.user, status="pending")[:100])
        context["draws"] = list(selectors.list_draws(request.user)[:5])
        context["settings"] = services.current_settings()
    return render(request, "quality/home.html", context)


@login_required
@require_POST
def draw(request):
    raw = request.POST.get("day", "")
    try:
        day = day_or_none(raw)
        if raw and day is None:
            raise ServiceError(Code.INVALID, _("请填写正确的日期"), field="day")
        made, created = services.draw_sample(request.user, day=day)
    except ServiceError as exc:
        show_refusal(request, exc)
        return redirect("quality")
    if created:
        messages.success(
            request,
            _("已抽取 %(start)s 起的样本 %(n)d 条")
            % {"start": made.start, "n": made.samples.count()},
        )
    else:
        messages.info(request, _("%(start)s 起的周期已抽样,未重复抽取") % {"start": made.start})
    return redirect("quality")


def _ticket_side(request, sample: Sample) -> dict[str, Any]:
    masker = Masker(request.user)
    ticket = sample.ticket
    if ticket is None:
        return {"ticket": None}
    events = [
        {
            "at": e.at,
            "who": getattr(getattr(e.actor, "staff", None), "display_name", ""),
            "action": e.action or e.kind,
            "to": e.to_status,
            "note": masker.text(e.note),
        }
        for e in get_timeline(ticket)
    ]
    conversation = [
        {
            "at": m.at,
            "direction": m.direction,
            "channel": m.channel_label,
            "text": masker.text(m.text),
        }
        for m in thread(ticket, request.user)
    ]
    return {
        "ticket": ticket,
        "content": masker.text(ticket.content),
        "events": events,
        "conversation": conversation,
        "calls": list(ticket.calls.order_by("started_at")[:5]),
    }


def _marks_from(request, card: Scorecard) -> list[dict[str, Any]]:
    out = []
    for item in card.items.order_by("position"):
        raw = request.POST.get(f"points_{item.position}", "").strip()
        verdict = request.POST.get(f"passed_{item.position}", "")
        mark: dict[str, Any] = {
            "position": item.position,
            "comment": request.POST.get(f"comment_{item.position}", ""),
        }
        if raw:
            if not (raw.isascii() and raw.isdigit() and len(raw) < 5):
                raise ServiceError(Code.INVALID, _("请填写整数"), field=f"points_{item.position}")
            mark["points"] = int(raw)
        if verdict in ("1", "0"):
            mark["passed"] = verdict == "1"
        out.append(mark)
    return out


@login_required
@require_http_methods(["GET", "POST"])
def sample(request, sample_id: int):
    """Score a sample: the ticket and its call on the left, the scorecard on the right."""
    row = _guard(access.access_sample, request.user, sample_id)
    cards = list(selectors.list_scorecards(request.user).prefetch_related("items"))
    status = 200
    if request.method == "POST":
        try:
            raw = request.POST.get("scorecard", "")
            card = next((c for c in cards if str(c.pk) == raw), None)
            if card is None:
                raise ServiceError(Code.INVALID, _("请选择在用的评分表"), field="scorecard")
            inspection = services.inspect_sample(
                request.user,
                row.pk,
                scorecard_id=card.pk,
                marks=_marks_from(request, card),
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("已评分:%d 分") % inspection.score)
            return redirect("quality-inspection", inspection.pk)
        except ServiceError as exc:
            show_refusal(request, exc)
            status = 422
    return render(
        request,
        "quality/sample.html",
        {
            "sample": row,
            "cards": cards,
            "categories": CATEGORY_LABELS,
            "call": row.call,
            **_ticket_side(request, row),
        },
        status=status,
    )


@login_required
@require_GET
def inspection(request, inspection_id: int):
    row = _guard(access.access_inspection, request.user, inspection_id)
    appeal = Appeal.objects.filter(inspection=row).select_related("decided_by__staff").first()
    agent_branch = getattr(getattr(row.agent, "staff", None), "branch_id", None)
    return render(
        request,
        "quality/inspection.html",
        {
            "inspection": row,
            "marks": selectors.marks_of(row),
            "categories": CATEGORY_LABELS,
            "appeal": appeal,
            "may_appeal": appeal is None and row.agent_id == request.user.pk,
            "may_decide": appeal is not None
            and appeal.status == Appeal.Status.PENDING
            and access.may_decide(request.user, agent_branch),
            "may_send_back": access.may_inspect(request.user),
            "send_backs": list(row.send_backs.select_related("to_department", "to_user__staff")),
            "departments": Department.objects.filter(is_active=True).order_by("code"),
            "now": timezone.now(),
            **_ticket_side(request, row.sample),
        },
    )


def _moment(raw: str) -> dt.datetime:
    value = parse_datetime((raw or "").strip())
    if value is None or not within_years(value):
        raise ServiceError(Code.INVALID, _("请填写整改期限"), field="due_at")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
@require_POST
def inspection_act(request, inspection_id: int, action: str):
    """appeal (the agent), decide (the branch's lead), send-back (the inspector)."""
    post = request.POST
    try:
        if action == "appeal":
            services.file_appeal(request.user, inspection_id, reason=post.get("reason", ""))
            messages.success(request, _("申诉已提交"))
        elif action == "decide":
            row = _guard(access.access_inspection, request.user, inspection_id)
            appeal = Appeal.objects.filter(inspection=row).first()
            if appeal is None:
                raise ServiceError(Code.NOT_FOUND, _("申诉不存在"))
            raw = post.get("score", "").strip()
            if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 5):
                raise ServiceError(Code.INVALID, _("请填写整数"), field="score")
            services.decide_appeal(
                request.user,
                appeal.pk,
                outcome=post.get("outcome", ""),
                score=int(raw) if raw else None,
                note=post.get("note", ""),
            )
            messages.success(request, _("申诉已裁定"))
        elif action == "send-back":
            raw = post.get("department", "")
            services.send_back(
                request.user,
                inspection_id,
                to=post.get("to", ""),
                department_id=int(raw)
                if raw.isascii() and raw.isdigit() and len(raw) < 12
                else None,
                required_fix=post.get("required_fix", ""),
                due_at=_moment(post.get("due_at", "")),
            )
            messages.success(request, _("已退回整改"))
        else:
            raise ServiceError(Code.NOT_FOUND, _("操作不存在"))
    except ServiceError as exc:
        show_refusal(request, exc)
    return redirect("quality-inspection", inspection_id)


@login_required
@require_http_methods(["GET", "POST"])
def send_back(request, send_back_id: int):
    row = _guard(access.access_send_back, request.user, send_back_id)
    status = 200
    if request.method == "POST":
        try:
            services.record_fix(request.user, row.pk, note=request.POST.get("note", ""))
            messages.success(request, _("整改结果已记录"))
            return redirect("quality-send-back", row.pk)
        except ServiceError as exc:
            show_refusal(request, exc)
            status = 422
    masker = Masker(request.user)
    ticket = row.inspection.sample.ticket
    return render(
        request,
        "quality/send_back.html",
        {
            "row": row,
            "ticket": ticket,
            "content": masker.text(ticket.content) if ticket else "",
            "overdue": row.status == SendBack.Status.OPEN and row.due_at < timezone.now(),
            "may_fix": row.status == SendBack.Status.OPEN
            and access.is_recipient(request.user, row),
        },
        status=status,
    )


@login_required
@require_GET
def send_backs(request):
    overdue = request.GET.get("overdue") == "1"
    rows = _guard(selectors.list_send_backs, request.user, overdue=overdue)
    return render(
        request,
        "quality/send_backs.html",
        {
            "page": paginate(rows, page=page_number(request)),
            "overdue": overdue,
            "now": timezone.now(),
        },
    )


def _items_from(text: str) -> list[dict[str, Any]]:
    """One item a line: 名称|类别|分值|否决 (类别 by its Chinese name or code; 否决 = 是)."""
    by_label = {str(label): code for code, label in Category.choices}
    items: list[dict[str, Any]] = []
    for n, line in enumerate(line for line in (text or "").splitlines() if line.strip()):
        parts = [p.strip() for p in line.split("|")]
        points = whole_or_none(parts[2], high=9999) if len(parts) >= 3 else None
        if points is None:
            raise ServiceError(
                Code.INVALID, _("第 %d 行格式应为:名称|类别|分值|否决") % (n + 1), field="items"
            )
        items.append(
            {
                "name": parts[0],
                "category": by_label.get(parts[1], parts[1]),
                "points": points,
                "is_veto": len(parts) > 3 and parts[3] in ("是", "1", "yes", "否决"),
            }
        )
    return items


def _lines_of(card: Scorecard) -> str:
    """The card's items in the form's one-line-each format, to revise from."""
    yes = _("是")
    return "\n".join(
        "|".join(
            [i.name, str(CATEGORY_LABELS.get(i.category, i.category)), str(i.points)]
            + ([yes] if i.is_veto else [])
        )
        for i in card.items.all()
    )


def _scorecards_page(request, *, status: int = 200, posted: dict[str, Any] | None = None):
    """The scorecards in use and past, the forms to add and revise one, the sampling rules.
    ``posted``: what a refused form sent, shown again in its form."""
    rows = _guard(selectors.list_scorecards, request.user, status="all")
    cards = list(rows.prefetch_related("items")[:100])
    posted = posted or {}
    for card in cards:
        mine = posted.get("card") == card.pk
        card.form_name = posted["name"] if mine else card.name
        card.form_lines = posted["items"] if mine else _lines_of(card)
        card.form_open = mine
    may_define = access.may_define(request.user)
    return render(
        request,
        "quality/scorecards.html",
        {
            "cards": cards,
            "categories": CATEGORY_LABELS,
            "may_define": may_define,
            "category_names": "、".join(str(label) for _code, label in Category.choices),
            "new_name": posted.get("name", "") if posted.get("card") is None else "",
            "new_items": posted.get("items", "") if posted.get("card") is None else "",
            "settings": services.current_settings(),
            "settings_posted": posted.get("settings"),
            "periods": Period.choices,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def scorecards(request):
    """The scorecards in use (and past versions); inspectors add one."""
    if request.method == "GET":
        return _scorecards_page(request)
    name, text = request.POST.get("name", ""), request.POST.get("items", "")
    try:
        card = services.create_scorecard(request.user, name=name, items=_items_from(text))
    except ServiceError as exc:
        show_refusal(request, exc)
        return _scorecards_page(request, status=422, posted={"name": name, "items": text})
    messages.success(request, _("评分表 %s 已创建") % card.name)
    return redirect("quality-scorecards")


@login_required
@require_POST
def scorecard_act(request, scorecard_id: int, action: str):
    """修订 (the next version from the posted name and items) or 停用 (retire)."""
    name, text = request.POST.get("name", ""), request.POST.get("items", "")
    try:
        if action == "revise":
            card = services.revise_scorecard(
                request.user, scorecard_id, name=name, items=_items_from(text)
            )
            done = _("评分表 %(name)s 已修订为第 %(version)d 版") % {
                "name": card.name,
                "version": card.version,
            }
        elif action == "retire":
            card = services.retire_scorecard(request.user, scorecard_id)
            done = _("评分表 %s 已停用") % card.name
        else:
            raise ServiceError(Code.NOT_FOUND, _("没有这个操作"))
    except ServiceError as exc:
        show_refusal(request, exc)
        posted = {"card": scorecard_id, "name": name, "items": text} if action == "revise" else {}
        return _scorecards_page(request, status=422, posted=posted)
    messages.success(request, done)
    return redirect("quality-scorecards")


def _checked(request, name: str) -> bool:
    return request.POST.get(name) in ("1", "on", "true")


@login_required
@require_POST
def sampling(request):
    """The center's sampling rules (抽检规则): period, share, minimum, what is checked whole."""
    post = request.POST
    try:
        services.update_settings(
            request.user,
            period=post.get("period", ""),
            share_percent=whole(post.get("share_percent"), field="share_percent", high=100),
            minimum=whole(post.get("minimum"), field="minimum", high=100),
            include_calls=_checked(request, "include_calls"),
            complaints=_checked(request, "complaints"),
            breached=_checked(request, "breached"),
            low_scores=_checked(request, "low_scores"),
            low_score_max=whole(post.get("low_score_max"), field="low_score_max", low=1, high=4),
        )
    except ServiceError as exc:
        show_refusal(request, exc)
        return _scorecards_page(request, status=422, posted={"settings": post})
    messages.success(request, _("抽检规则已保存"))
    return redirect("quality-scorecards")


def _month_of(request) -> dt.date:
    """``?month=YYYY-MM`` (default this month); anything else reads as this month."""
    raw = request.GET.get("month", "")
    return (day_or_none(f"{raw}-01") if raw else None) or timezone.localdate()


@login_required
@require_GET
def evaluation_workbook(request):
    """The month's evaluations of every agent the reader reads, as .xlsx."""
    content, filename = _guard(selectors.evaluation_workbook, request.user, _month_of(request))
    return xlsx_response(content, filename)


@login_required
@require_GET
def evaluation(request):
    """绩效: each agent's month — quality score, surveys and callbacks, exams."""
    _guard(access.require_use, request.user)
    month = _month_of(request)
    rows = selectors.evaluable_agents(request.user).order_by("staff__employee_no", "pk")
    page = paginate(rows, page=page_number(request))
    return render(
        request,
        "quality/evaluation.html",
        {
            "page": page,
            "rows": selectors.evaluate(list(page.items), month),
            "month": month,
        },
    )
