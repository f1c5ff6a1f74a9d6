"""The end-of-shift checklist pages (班后检查), made for a tablet at the counter: the shift's
checklists, filling one (one tap per item: 正常 / 异常), a filled checklist with its exceptions
and their closing, and the checklists' editor for shift leaders and supervisors. Thin: parse,
call one service of kefu.frontdesk.checklists, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.accounts.models import CENTER_ROLES
from kefu.core.errors import ServiceError, refuse_page
from kefu.core.numbers import MAX_ID, whole_or_none
from kefu.core.schemas import day_or_none
from kefu.frontdesk import access, checklists, providers, schemas
from kefu.frontdesk.checklists import AnswerIn, ItemIn
from kefu.frontdesk.models import Checklist


def _int(raw: str | None) -> int | None:
    return whole_or_none(raw, low=-MAX_ID)


def _shift_choices(day: dt.date) -> list[tuple[str, str]]:
    return [
        (w.code, f"{w.name}({timezone.localtime(w.starts_at):%H:%M})")
        for w in providers.windows_on(day)
    ]


def _officers() -> list[tuple[int, str]]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, staff__role__in=list(CENTER_ROLES))
        .select_related("staff")
        .order_by("staff__employee_no")
    )
    return [(u.pk, f"{u.staff.employee_no} {u.staff.display_name}") for u in users]


def _where(day: dt.date, shift_code: str) -> str:
    return urlencode({"day": day.isoformat(), "shift": shift_code})


@login_required
@require_GET
def checklists_page(request):
    """The shift's checklists (today's current shift unless chosen): filled or to fill; for
    the shift leader the whole day and the exceptions still open."""
    if not access.may_read(request.user):
        raise PermissionDenied(_("班后检查仅限客服中心人员查看"))
    day = day_or_none(request.GET.get("day")) or timezone.localdate()
    choices = _shift_choices(day)
    shift_code = request.GET.get("shift", "")
    if shift_code not in {code for code, _name in choices}:
        shift_code = checklists.shift_of_now(day)
    status = checklists.day_status(request.user, day)
    current = next((s for s in status if s["shift"] == shift_code), None)
    lead = access.may_lead(request.user)
    open_runs = checklists.list_runs(request.user, open_only=True)[:20]
    return render(
        request,
        "frontdesk/checklists.html",
        {
            "day": day.isoformat(),
            "shift": shift_code,
            "shifts": choices,
            "current": current,
            "status": status if lead else [],
            "open_runs": [schemas.run_out(r) for r in open_runs],
            "where": _where(day, shift_code),
            "may_desk": access.may_desk(request.user),
            "may_lead": lead,
        },
    )


def _rows(checklist: Checklist, posted: Any = None) -> list[dict[str, Any]]:
    rows = []
    for n, item in enumerate(checklist.items):
        ok = posted.get(f"ok_{n}", "") if posted else ""
        count = posted.get(f"count_{n}", "") if posted else ""
        expected = item.get("expected")
        counted = _int(count)
        if expected is not None and counted is not None and counted < expected:
            ok = "0"  # short: an exception whatever was tapped, its note shown
        rows.append(
            {
                "n": n,
                "text": item["text"],
                "expected": expected,
                "ok": ok,
                "count": count,
                "note": posted.get(f"note_{n}", "") if posted else "",
            }
        )
    return rows


def _answers(checklist: Checklist, posted: Any) -> list[AnswerIn]:
    """The tapped answers. An asset tapped 正常 with its count left empty counts as complete."""
    answers = []
    for n, item in enumerate(checklist.items):
        tapped = posted.get(f"ok_{n}", "")
        ok = {"1": True, "0": False}.get(tapped)
        counted = _int(posted.get(f"count_{n}"))
        if checklist.kind == Checklist.Kind.ASSETS and counted is None and ok:
            counted = item.get("expected")
        answers.append(AnswerIn(ok=ok, counted=counted, note=posted.get(f"note_{n}", "")))
    return answers


@login_required
@require_http_methods(["GET", "POST"])
def checklist_fill(request, checklist_id: int):
    """Fill a checklist after the shift (``day`` and ``shift`` in the query string). A refused
    submission is shown again with what was tapped (422)."""
    try:
        access.require_desk(request.user)
        checklist = checklists.get_checklist(request.user, checklist_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    source = request.POST if request.method == "POST" else request.GET
    day = day_or_none(source.get("day")) or timezone.localdate()
    shift_code = source.get("shift", "")
    if request.method == "GET" and not shift_code:
        shift_code = checklists.shift_of_now(day)
    error: ServiceError | None = None
    if request.method == "POST":
        try:
            run = checklists.submit_run(
                request.user,
                checklist.pk,
                day=day_or_none(request.POST.get("day")),
                shift_code=shift_code,
                answers=_answers(checklist, request.POST),
            )
        except ServiceError as exc:
            refuse_page(exc)
            error = exc
        else:
            if run.exceptions:
                messages.success(
                    request,
                    _("已提交,%(n)s 项异常已通知%(who)s")
                    % {"n": run.exceptions, "who": schemas.run_out(run)["officer"]},
                )
            else:
                messages.success(request, _("已提交,全部正常"))
            return redirect("checklist-run", run.pk)
    else:
        done = checklists.list_runs(
            request.user, day=day, shift_code=shift_code, checklist_id=checklist.pk
        ).first()
        if done is not None:
            messages.info(request, _("「%(name)s」本班次已填写") % {"name": done.name})
            return redirect("checklist-run", done.pk)
    rows = _rows(checklist, request.POST if request.method == "POST" else None)
    wrong, detail = ((error.field or ""), error.detail) if error else ("", "")
    for row in rows:
        row["error"] = detail if wrong.startswith(f"answers.{row['n']}.") else ""
    return render(
        request,
        "frontdesk/checklist_fill.html",
        {
            "checklist": schemas.checklist_out(checklist),
            "assets": checklist.kind == Checklist.Kind.ASSETS,
            "rows": rows,
            "day": day.isoformat(),
            "shift": shift_code,
            "shifts": _shift_choices(day),
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklist_run(request, run_id: int):
    """A filled checklist: each item as answered, the exceptions and how they were closed; the
    officer or a shift leader closes an open one with what was done."""
    if request.method == "POST":
        try:
            checklists.close_exception(
                request.user,
                _int(request.POST.get("answer")) or 0,
                result=request.POST.get("result", ""),
            )
        except ServiceError as exc:
            refuse_page(exc)
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("异常已处理"))
        return redirect("checklist-run", run_id)
    try:
        run = checklists.get_run(request.user, run_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return render(
        request,
        "frontdesk/checklist_run.html",
        {
            "r": schemas.run_detail_out(run),
            "may_close": checklists.may_close(request.user, run),
            "back": reverse("checklists") + "?" + _where(run.day, run.shift_code),
        },
    )


def _items(kind: str, text: str) -> list[ItemIn]:
    """One item a line; for assets the quantity last: 「轮椅 3」."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        head, _sep, last = line.rpartition(" ")
        if kind == Checklist.Kind.ASSETS and head.strip() and last.isdigit() and len(last) <= 6:
            items.append(ItemIn(head.strip(), int(last)))
        else:
            items.append(ItemIn(line))
    return items


def _lines(checklist: Checklist) -> str:
    return "\n".join(
        f"{i['text']} {i['expected']}" if i.get("expected") is not None else i["text"]
        for i in checklist.items
    )


def _require_lead(request) -> None:
    if not access.may_lead(request.user):
        raise PermissionDenied(_("只有班长、主管和管理员可以设置班后检查表"))


@login_required
@require_http_methods(["GET", "POST"])
def checklist_templates(request) -> HttpResponse:
    """The checklists and a new one (shift leaders, supervisors, admins)."""
    _require_lead(request)
    form = {"kind": "safety", "name": "", "items": "", "officer": ""}
    error: ServiceError | None = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        try:
            checklist = checklists.create_checklist(
                request.user,
                kind=form["kind"],
                name=form["name"],
                items=_items(form["kind"], form["items"]),
                officer_id=_int(form["officer"]),
            )
        except ServiceError as exc:
            refuse_page(exc)
            error = exc
        else:
            messages.success(request, _("检查表已创建"))
            return redirect("checklist-template", checklist.pk)
    rows = checklists.list_checklists(request.user, retired=True)
    return render(
        request,
        "frontdesk/checklist_templates.html",
        {
            "checklists": [schemas.checklist_out(c) for c in rows],
            "kinds": Checklist.Kind.choices,
            "officers": _officers(),
            "form": form,
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklist_template(request, checklist_id: int):
    """One checklist: its name, items and officer changed, or retired (停用)."""
    _require_lead(request)
    try:
        checklist = checklists.get_checklist(request.user, checklist_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    form = {"name": checklist.name, "items": _lines(checklist), "officer": checklist.officer_id}
    error: ServiceError | None = None
    if request.method == "POST":
        try:
            if request.POST.get("what") == "retire":
                checklists.retire_checklist(request.user, checklist.pk)
                messages.success(request, _("检查表已停用"))
                return redirect("checklist-templates")
            form = {
                "name": request.POST.get("name", ""),
                "items": request.POST.get("items", ""),
                "officer": _int(request.POST.get("officer")),
            }
            checklists.update_checklist(
                request.user,
                checklist.pk,
                name=str(form["name"]),
                items=_items(checklist.kind, str(form["items"])),
                officer_id=_int(request.POST.get("officer")),
            )
        except ServiceError as exc:
            refuse_page(exc)
            error = exc
        else:
            messages.success(request, _("已保存"))
            return redirect("checklist-template", checklist.pk)
    return render(
        request,
        "frontdesk/checklist_template.html",
        {
            "c": schemas.checklist_out(checklist),
            "officers": _officers(),
            "form": form,
            "error": error,
            "runs": [
                schemas.run_out(r)
                for r in checklists.list_runs(request.user, checklist_id=checklist.pk)[:10]
            ],
        },
        status=422 if error else 200,
    )
