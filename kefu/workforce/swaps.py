"""Shift swaps (调班): an agent asks to give a published shift of theirs to a colleague, for
one of the colleague's in return (换班) or not (替班); the colleague agrees or declines; a
team lead, supervisor or administrator approves (the shifts change hands) or rejects; the
agent may withdraw until then.

Checked when asked and again when approved (the roster may have changed): both shifts are in
force (a published roster) and not yet begun, belong to whom they should, and after the swap
neither agent has two shifts on one day or less than the roster's rest between shifts.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.scope import FLOOR_LEADS
from kefu.accounts.services import display_name
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit
from kefu.notify.services import notify_users
from kefu.telephony.floor import may_lead_floor
from kefu.workforce.models import Roster, RosterShift, ShiftSwap
from kefu.workforce.services import approved_days, require_planner, rosterable_users


def _shift_in_force(shift_id: int, now: dt.datetime, *, field: str) -> RosterShift:
    shift = (
        RosterShift.objects.select_related("roster", "template")
        .filter(pk=shift_id, roster__status=Roster.Status.PUBLISHED)
        .first()
    )
    if shift is None:
        raise ServiceError(Code.INVALID, _("班次不存在或所在排班表未发布"), field=field)
    if shift.starts_at <= now:
        raise ServiceError(Code.INVALID, _("已开始的班次不能调换"), field=field)
    return shift


def _check_after_swap(user, gives: RosterShift, takes: RosterShift | None) -> None:
    """``user`` gives up ``gives`` and takes ``takes``: refused when they are on leave that day
    (kefu.workforce.leave), or it leaves them two shifts on a day or too little rest next to
    ``takes``."""
    if takes is None:
        return
    if takes.day in approved_days([user.pk], takes.day, takes.day).get(user.pk, ()):
        raise ServiceError(
            Code.INVALID,
            _("%(name)s 在 %(day)s 请假") % {"name": display_name(user), "day": takes.day},
        )
    rest = dt.timedelta(hours=takes.roster.min_rest_hours)
    near = RosterShift.objects.filter(
        user=user,
        roster__status=Roster.Status.PUBLISHED,
        starts_at__lt=takes.ends_at + rest,
        ends_at__gt=takes.starts_at - rest,
    ).exclude(pk=gives.pk)
    for other in near:
        if other.day == takes.day:
            raise ServiceError(
                Code.INVALID,
                _("%(name)s 在 %(day)s 已有班次") % {"name": display_name(user), "day": takes.day},
            )
        raise ServiceError(
            Code.INVALID,
            _("%(name)s 换班后与 %(day)s 的班次间隔不足 %(h)d 小时")
            % {"name": display_name(user), "day": other.day, "h": takes.roster.min_rest_hours},
        )


def _check(swap_shift: RosterShift, their: RosterShift | None, requester, colleague) -> None:
    _check_after_swap(colleague, their or swap_shift, swap_shift)
    if their is not None:
        _check_after_swap(requester, swap_shift, their)


def _open_on(shift_ids: list[int]) -> bool:
    return ShiftSwap.objects.filter(
        Q(shift_id__in=shift_ids) | Q(their_shift_id__in=shift_ids),
        status__in=ShiftSwap.OPEN,
    ).exists()


def _said(shift: RosterShift) -> str:
    start = shift.template.start.strftime("%H:%M")
    return f"{shift.day:%m-%d} {shift.template.code} {start}"


def _tell(swap: ShiftSwap, event: str, users, *, actor, note: str = "", planners=False) -> None:
    """Tell ``users`` of a step of ``swap`` (kefu.notify, in the step's transaction): the
    shifts as "12-08 A 07:00 ⇄ 12-09 B 15:00", who took the step; a planner's link opens
    调班审批, an agent's 我的排班."""
    shifts = RosterShift.objects.select_related("template")
    shift = _said(shifts.get(pk=swap.shift_id))
    if swap.their_shift_id:
        shift += " ⇄ " + _said(shifts.get(pk=swap.their_shift_id))
    notify_users(
        event,
        users=[u for u in users if u is not None and u.pk != actor.pk],
        context={
            "who": display_name(actor),
            "shift": shift,
            "note": note or "—",
            "path": reverse("roster-swaps" if planners else "my-roster"),
        },
        key=f"swap:{swap.pk}:{event}",
    )


def _planners():
    return get_user_model().objects.filter(is_active=True, staff__role__in=FLOOR_LEADS)


def ask_swap(
    actor,
    *,
    shift_id: int,
    colleague_id: int,
    their_shift_id: int | None = None,
    their_day: dt.date | None = None,
    reason: str,
) -> ShiftSwap:
    """The agent asks to swap their ``shift_id`` with ``colleague_id`` (and the colleague's
    ``their_shift_id``, or their shift on ``their_day``, in return; neither: the colleague
    covers)."""
    reason = clean_text(reason, field="reason", limit=200, required=True)
    now = timezone.now()
    if their_shift_id is None and their_day is not None:
        theirs = RosterShift.objects.filter(
            user_id=colleague_id, day=their_day, roster__status=Roster.Status.PUBLISHED
        ).first()
        if theirs is None:
            raise ServiceError(Code.INVALID, _("对方当天没有班次"), field="their_day")
        their_shift_id = theirs.pk
    with transaction.atomic():
        shift = _shift_in_force(shift_id, now, field="shift_id")
        if shift.user_id != actor.pk:
            raise ServiceError(Code.FORBIDDEN, _("只能为自己的班次申请调班"))
        colleague = rosterable_users().filter(pk=colleague_id).first()
        if colleague is None or colleague.pk == actor.pk:
            raise ServiceError(Code.INVALID, _("请选择另一位在职坐席"), field="colleague_id")
        their = None
        if their_shift_id is not None:
            their = _shift_in_force(their_shift_id, now, field="their_shift_id")
            if their.user_id != colleague.pk:
                raise ServiceError(
                    Code.INVALID, _("对方班次不属于所选同事"), field="their_shift_id"
                )
        ids = [shift.pk] + ([their.pk] if their else [])
        if _open_on(ids):
            raise ServiceError(Code.CONFLICT, _("该班次已有未完成的调班申请"))
        _check(shift, their, actor, colleague)
        swap = ShiftSwap.objects.create(
            shift=shift,
            their_shift=their,
            requester=actor,
            colleague=colleague,
            reason=reason,
            status=ShiftSwap.Status.ASKED,
            asked_at=now,
        )
        record_audit(actor=actor, action="shift_swap.ask", obj=swap, detail={"shifts": ids})
        _tell(swap, "roster.swap_asked", [colleague], actor=actor)
    return swap


def _locked(swap_id: int) -> ShiftSwap:
    swap = ShiftSwap.objects.select_for_update().filter(pk=swap_id).first()
    if swap is None:
        raise ServiceError(Code.NOT_FOUND, _("调班申请不存在"))
    return swap


def answer_swap(actor, swap_id: int, *, agree: bool) -> ShiftSwap:
    """The colleague agrees (then a planner decides) or declines."""
    with transaction.atomic():
        swap = _locked(swap_id)
        if swap.colleague_id != actor.pk:
            raise ServiceError(Code.FORBIDDEN, _("只有被邀请的同事可以答复"))
        if swap.status != ShiftSwap.Status.ASKED:
            raise ServiceError(Code.CONFLICT, _("该申请已答复或已结束"))
        swap.status = ShiftSwap.Status.AGREED if agree else ShiftSwap.Status.DECLINED
        swap.answered_at = timezone.now()
        swap.save(update_fields=["status", "answered_at"])
        record_audit(
            actor=actor, action="shift_swap.agree" if agree else "shift_swap.decline", obj=swap
        )
        if agree:
            _tell(swap, "roster.swap_agreed", [swap.requester], actor=actor)
            _tell(swap, "roster.swap_agreed", list(_planners()), actor=actor, planners=True)
        else:
            _tell(swap, "roster.swap_declined", [swap.requester], actor=actor)
    return swap


def decide_swap(actor, swap_id: int, *, approve: bool, note: str = "") -> ShiftSwap:
    """A planner approves (the shifts change hands, checked again) or rejects, with a note."""
    require_planner(actor)
    note = clean_text(note, field="note", limit=200)
    now = timezone.now()
    with transaction.atomic():
        swap = _locked(swap_id)
        if swap.status != ShiftSwap.Status.AGREED:
            raise ServiceError(Code.CONFLICT, _("只有同事已同意的申请可以审批"))
        if approve:
            shift = _shift_in_force(swap.shift_id, now, field="shift_id")
            their = (
                _shift_in_force(swap.their_shift_id, now, field="their_shift_id")
                if swap.their_shift_id
                else None
            )
            if shift.user_id != swap.requester_id or (
                their is not None and their.user_id != swap.colleague_id
            ):
                raise ServiceError(Code.CONFLICT, _("班次已变动,请重新申请"))
            staying = rosterable_users().filter(pk__in=[swap.requester_id, swap.colleague_id])
            if staying.count() != 2:
                raise ServiceError(Code.CONFLICT, _("申请人或同事已不在岗,不能批准"))
            _check(shift, their, swap.requester, swap.colleague)
            _hand_over(shift, their, swap.requester, swap.colleague)
        swap.status = ShiftSwap.Status.APPROVED if approve else ShiftSwap.Status.REJECTED
        swap.decided_by = actor
        swap.decided_at = now
        swap.decision_note = note
        swap.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record_audit(
            actor=actor,
            action="shift_swap.approve" if approve else "shift_swap.reject",
            obj=swap,
            detail={"note": note},
        )
        _tell(
            swap,
            "roster.swap_approved" if approve else "roster.swap_rejected",
            [swap.requester, swap.colleague],
            actor=actor,
            note=note,
        )
    return swap


def _hand_over(shift: RosterShift, their: RosterShift | None, requester, colleague) -> None:
    """Give ``shift`` to the colleague and ``their`` to the requester. Two shifts of one day
    and roster cannot pass each other row by row (one shift a person a day): the first is
    parked on a day outside any roster for the moment, inside the transaction."""
    if their is None:
        RosterShift.objects.filter(pk=shift.pk).update(user=colleague)
        return
    parked = shift.day.replace(year=1)
    RosterShift.objects.filter(pk=shift.pk).update(day=parked)
    RosterShift.objects.filter(pk=their.pk).update(user=requester)
    RosterShift.objects.filter(pk=shift.pk).update(user=colleague, day=shift.day)


def withdraw_swap(actor, swap_id: int) -> ShiftSwap:
    """The agent who asked withdraws (撤回) before it is decided."""
    with transaction.atomic():
        swap = _locked(swap_id)
        if swap.requester_id != actor.pk:
            raise ServiceError(Code.FORBIDDEN, _("只有申请人可以撤回"))
        if swap.status not in ShiftSwap.OPEN:
            raise ServiceError(Code.CONFLICT, _("该申请已结束"))
        waited = swap.status == ShiftSwap.Status.AGREED  # the planners were told it waits
        swap.status = ShiftSwap.Status.WITHDRAWN
        swap.save(update_fields=["status"])
        record_audit(actor=actor, action="shift_swap.withdraw", obj=swap)
        _tell(swap, "roster.swap_withdrawn", [swap.colleague], actor=actor)
        if waited:
            _tell(swap, "roster.swap_withdrawn", list(_planners()), actor=actor, planners=True)
    return swap


def list_swaps(actor, *, status: str = "open") -> QuerySet[ShiftSwap]:
    """Planners: every swap; others: those they asked or were asked. ``status``: open
    (asked or agreed), all, or one status."""
    rows = ShiftSwap.objects.select_related(
        "shift__template", "their_shift__template", "requester__staff", "colleague__staff"
    )
    if not may_lead_floor(actor):
        rows = rows.filter(Q(requester=actor) | Q(colleague=actor))
    if status == "open":
        return rows.filter(status__in=ShiftSwap.OPEN)
    if status == "all":
        return rows
    if status not in ShiftSwap.Status.values:
        raise ServiceError(Code.INVALID, _("未知的状态"), field="status")
    return rows.filter(status=status)


def colleagues(user) -> QuerySet:
    """The agents a swap can be asked of."""
    return rosterable_users().exclude(pk=user.pk)
