"""Leave (请假): days an agent is away — annual, sick or personal leave, training.

An agent asks for their own leave (待审批) and may withdraw it until it is decided; a team lead,
supervisor or administrator approves or rejects it with a note, records leave for an agent at
once (approved), and may cancel approved leave with a reason. Each step is audited and told to
whom it concerns; nothing is deleted.

Approved leave is honoured on every path that reads the roster: the solver gives the agent no
shift on those days (kefu.workforce.services), and a published shift on a leave day — leave
approved after publishing — shows as 请假 in attendance, not 缺勤 (kefu.workforce.attendance).
Leave may not overlap the agent's other approved or asked leave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.scope import FLOOR_LEADS
from kefu.accounts.services import display_name
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit
from kefu.notify.services import notify_users
from kefu.telephony.floor import may_lead_floor
from kefu.workforce.models import Leave
from kefu.workforce.services import require_planner, rosterable_users

MAX_DAYS = 90
OPEN = (Leave.Status.ASKED, Leave.Status.APPROVED)


def _days(first_day: dt.date | None, last_day: dt.date | None) -> tuple[dt.date, dt.date]:
    if first_day is None:
        raise ServiceError(Code.INVALID, _("请填写开始日期"), field="first_day")
    last_day = last_day or first_day
    if last_day < first_day:
        raise ServiceError(Code.INVALID, _("结束日期不能早于开始日期"), field="last_day")
    today = timezone.localdate()
    if not today - dt.timedelta(days=31) <= first_day <= today + dt.timedelta(days=366):
        raise ServiceError(Code.INVALID, _("开始日期应在一个月前到一年以内"), field="first_day")
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise ServiceError(Code.INVALID, _("一次请假最多 %d 天") % MAX_DAYS, field="last_day")
    return first_day, last_day


def _tell(leave: Leave, event: str, users: Iterable, *, actor, note: str = "") -> None:
    planners = event in ("roster.leave_asked", "roster.leave_withdrawn")
    notify_users(
        event,
        users=[u for u in users if u.pk != actor.pk],
        context={
            "who": display_name(actor),
            "agent": display_name(leave.user),
            "days": f"{leave.first_day:%m-%d}–{leave.last_day:%m-%d}",
            "kind": leave.get_kind_display(),
            "note": note or "—",
            "path": reverse("roster-leave" if planners else "my-roster"),
        },
        key=f"leave:{leave.pk}:{event}",
    )


def _planners() -> QuerySet:
    return get_user_model().objects.filter(is_active=True, staff__role__in=FLOOR_LEADS)


def ask_leave(
    actor,
    *,
    kind: str,
    first_day: dt.date | None,
    last_day: dt.date | None = None,
    reason: str,
    user_id: int | None = None,
) -> Leave:
    """Leave asked by the agent for themselves (待审批), or recorded by a planner for
    ``user_id`` (approved at once). Raises ServiceError: INVALID (kind, days, reason, a user
    who is not rostered), FORBIDDEN (an agent for someone else), CONFLICT (overlapping leave)."""
    if kind not in Leave.Kind.values:
        raise ServiceError(Code.INVALID, _("请假类别无效"), field="kind")
    reason = clean_text(reason, field="reason", limit=200, required=True)
    first_day, last_day = _days(first_day, last_day)
    planner = may_lead_floor(actor)
    if user_id is not None and (isinstance(user_id, bool) or not isinstance(user_id, int)):
        raise ServiceError(Code.INVALID, _("请选择在职坐席"), field="user_id")
    if user_id is not None and user_id != actor.pk and not planner:
        raise ServiceError(Code.FORBIDDEN, _("只能为自己申请请假"))
    target = actor.pk if user_id is None else user_id
    user = rosterable_users().filter(pk=target).first() if 0 < target < 2**62 else None
    if user is None:
        raise ServiceError(Code.INVALID, _("请选择在职坐席"), field="user_id")
    now = timezone.now()
    recorded = planner and user.pk != actor.pk
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if Leave.objects.filter(
            user=user, status__in=OPEN, first_day__lte=last_day, last_day__gte=first_day
        ).exists():
            raise ServiceError(Code.CONFLICT, _("这段时间已有请假"))
        leave = Leave.objects.create(
            user=user,
            kind=kind,
            first_day=first_day,
            last_day=last_day,
            reason=reason,
            status=Leave.Status.APPROVED if recorded else Leave.Status.ASKED,
            asked_by=actor,
            asked_at=now,
            decided_by=actor if recorded else None,
            decided_at=now if recorded else None,
        )
        record_audit(
            actor=actor,
            action="leave.record" if recorded else "leave.ask",
            obj=leave,
            detail={"user": user.pk, "days": [str(first_day), str(last_day)], "kind": kind},
        )
        if recorded:
            _tell(leave, "roster.leave_approved", [user], actor=actor)
        else:
            _tell(leave, "roster.leave_asked", _planners(), actor=actor)
    return leave


def _locked(leave_id: int) -> Leave:
    leave = (
        Leave.objects.select_for_update().filter(pk=leave_id).first()
        if 0 < leave_id < 2**62
        else None
    )
    if leave is None:
        raise ServiceError(Code.NOT_FOUND, _("请假申请不存在"))
    return leave


def decide_leave(actor, leave_id: int, *, approve: bool, note: str = "") -> Leave:
    """A planner approves or rejects leave asked for (a rejection says why)."""
    require_planner(actor)
    note = clean_text(
        note, field="note", limit=200, required=not approve, message=_("请填写驳回原因")
    )
    with transaction.atomic():
        leave = _locked(leave_id)
        if leave.user_id == actor.pk:
            raise ServiceError(Code.FORBIDDEN, _("不能审批自己的请假"))
        if leave.status != Leave.Status.ASKED:
            raise ServiceError(Code.CONFLICT, _("该请假已审批或已结束"))
        if approve and not rosterable_users().filter(pk=leave.user_id).exists():
            raise ServiceError(Code.CONFLICT, _("该坐席已不在岗,不能批准"))
        leave.status = Leave.Status.APPROVED if approve else Leave.Status.REJECTED
        leave.decided_by, leave.decided_at, leave.decision_note = actor, timezone.now(), note
        leave.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record_audit(
            actor=actor,
            action="leave.approve" if approve else "leave.reject",
            obj=leave,
            detail={"note": note},
        )
        event = "roster.leave_approved" if approve else "roster.leave_rejected"
        _tell(leave, event, [leave.user], actor=actor, note=note)
    return leave


def withdraw_leave(actor, leave_id: int) -> Leave:
    """The agent withdraws (撤回) their leave before it is decided."""
    with transaction.atomic():
        leave = _locked(leave_id)
        if leave.user_id != actor.pk:
            raise ServiceError(Code.FORBIDDEN, _("只有申请人可以撤回"))
        if leave.status != Leave.Status.ASKED:
            raise ServiceError(Code.CONFLICT, _("该请假已审批或已结束,请联系班长"))
        leave.status = Leave.Status.WITHDRAWN
        leave.save(update_fields=["status"])
        record_audit(actor=actor, action="leave.withdraw", obj=leave)
        _tell(leave, "roster.leave_withdrawn", _planners(), actor=actor)
    return leave


def cancel_leave(actor, leave_id: int, *, reason: str) -> Leave:
    """A planner cancels approved leave (the agent comes after all), saying why."""
    require_planner(actor)
    reason = clean_text(
        reason, field="reason", limit=200, required=True, message=_("请填写取消原因")
    )
    with transaction.atomic():
        leave = _locked(leave_id)
        if leave.status != Leave.Status.APPROVED:
            raise ServiceError(Code.CONFLICT, _("只有已批准的请假可以取消"))
        leave.status = Leave.Status.CANCELLED
        leave.decision_note = reason
        leave.save(update_fields=["status", "decision_note"])
        record_audit(actor=actor, action="leave.cancel", obj=leave, detail={"reason": reason})
        _tell(leave, "roster.leave_cancelled", [leave.user], actor=actor, note=reason)
    return leave


def list_leave(actor, *, status: str = "open") -> QuerySet[Leave]:
    """Planners: everyone's; others: their own. ``status``: open (asked or approved), all, or
    one status."""
    rows = Leave.objects.select_related("user__staff", "decided_by__staff")
    if not may_lead_floor(actor):
        rows = rows.filter(user=actor)
    if status == "open":
        return rows.filter(status__in=OPEN)
    if status == "all":
        return rows
    if status not in Leave.Status.values:
        raise ServiceError(Code.INVALID, _("未知的状态"), field="status")
    return rows.filter(status=status)
