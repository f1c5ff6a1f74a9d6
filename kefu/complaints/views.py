"""The complaint steps on the ticket page: parse the form, call one service, show the ticket
again (or the error)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.complaints import access, services
from kefu.core.errors import ServiceError, refuse_nul
from kefu.core.numbers import whole
from kefu.desk.views import after_change
from kefu.tickets.access import visible_tickets


def _when(value: str) -> dt.datetime | None:
    try:
        return parse_datetime(value or "")
    except ValueError:
        return None


def _int(value: str) -> int:
    return whole(value, field="hotline_id", message=_("请选择"))


def _bool(value: str | None) -> bool | None:
    return None if value is None else value in ("1", "on", "true")


# Each step: the service it calls, with the form's fields.
STEPS = {
    "classify": lambda s, u, p: services.classify_complaint(
        s, actor=u, complaint_class=p.get("complaint_class", ""), note=p.get("note", "")
    ),
    "onsite": lambda s, u, p: services.book_onsite_determination(
        s, actor=u, at=_when(p.get("at", "")), note=p.get("note", "")
    ),
    "facts": lambda s, u, p: services.update_facts(
        s,
        actor=u,
        category=p.get("category", ""),
        source=p.get("source") or None,
        loss_or_injury=_bool(p.get("loss_or_injury", "0")),
    ),
    "severity": lambda s, u, p: services.override_severity(
        s, actor=u, severity=p.get("severity", ""), reason=p.get("reason", "")
    ),
    "plan": lambda s, u, p: services.propose_plan(s, actor=u, text=p.get("text", "")),
    "decide": lambda s, u, p: services.decide_plan(
        s, actor=u, approve=p.get("approve") == "1", note=p.get("note", "")
    ),
    "confirmation": lambda s, u, p: services.record_confirmation(
        s, actor=u, method=p.get("method", ""), note=p.get("note", "")
    ),
    "explanation": lambda s, u, p: services.record_explanation(s, actor=u, text=p.get("text", "")),
    "hotline": lambda s, u, p: services.give_hotline(
        s, actor=u, hotline_id=_int(p.get("hotline_id")), note=p.get("note", "")
    ),
    "unsatisfied": lambda s, u, p: services.record_unsatisfied(
        s, actor=u, words=p.get("words", "")
    ),
    "lessons": lambda s, u, p: services.record_lessons(
        s, actor=u, cause=p.get("cause", ""), corrective_action=p.get("corrective_action", "")
    ),
}


@login_required
@require_POST
def step(request, serial: str, name: str):
    if name not in STEPS:
        raise Http404
    try:
        refuse_nul(request.POST)
        STEPS[name](serial, request.user, request.POST)
    except ServiceError as exc:
        return after_change(request, serial, exc)
    return after_change(request, serial)


def _group_page(request, group_id: int, *, error: str = "", status: int = 200):
    try:
        found = access.access_group(request.user, group_id)
    except ServiceError:
        raise Http404
    # Only the members the viewer may see are listed; the others are counted.
    all_members = found.members.select_related("ticket__department", "ticket__assignee")
    seen = visible_tickets(request.user).filter(complaint__group=found)
    members = all_members.filter(ticket__in=seen).order_by("received_at", "id")
    context = {
        "group": found,
        "members": members,
        "hidden": all_members.count() - len(members),
        "owners": services.group_owner_choices(request.user),
        "error": error,
    }
    return render(request, "complaints/group.html", context, status=status)


@login_required
@require_GET
def group(request, group_id: int):
    return _group_page(request, group_id)


@login_required
@require_POST
def group_owner(request, group_id: int):
    try:
        refuse_nul(request.POST)
        services.set_group_owner(
            group_id,
            actor=request.user,
            owner=request.POST.get("owner", "")[:150],
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        return _group_page(request, group_id, error=exc.detail, status=422)
    return redirect("complaint-group", group_id=group_id)
