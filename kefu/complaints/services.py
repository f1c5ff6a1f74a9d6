"""Complaint operations (DOMAIN §2): decide responsibility (or book an on-site
determination), correct the intake's facts, override severity, propose and approve the
handling plan, record the customer's confirmation, the explanation or the hotline given, the
customer's dissatisfaction, and the lessons at closing; collective complaints' owner; the
monthly sweep of unresolved responsibility complaints.

Each function locks the ticket, checks the actor, writes, and records the timeline, in one
transaction; a refused call changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, StaffProfile
from kefu.accounts.scope import INTAKE_ROLES, scope_of
from kefu.complaints import rules
from kefu.complaints.access import access_complaint, access_group
from kefu.complaints.models import (
    Category,
    CollectiveGroup,
    Complaint,
    Confirmation,
    Determination,
    MunicipalHotline,
    Plan,
    Reason,
    Settings,
    Source,
)
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text
from kefu.core.wording import check_outbound
from kefu.sla import services as sla
from kefu.sla.models import ComplaintClass, Severity
from kefu.tickets import services as tickets
from kefu.tickets.models import OPEN_STATUSES, Status, Ticket, TicketEvent
from kefu.tickets.timeline import record_event

MAX_TEXT = 5000
OVERRIDE_ROLES: set[str] = {Role.SUPERVISOR, Role.GENERAL_MANAGER, Role.ADMIN}
GROUP_ROLES: set[str] = {Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}


def _text(value: str, field: str, *, required: bool = True, message: str = "") -> str:
    return clean_text(value, field, limit=MAX_TEXT, required=required, message=message)


def _require(actor, complaint: Complaint, roles: set[str], *, department: bool = False) -> str:
    """The actor's role if it is one of ``roles``, or department staff of the ticket's
    department when ``department``; FORBIDDEN otherwise."""
    scope = scope_of(actor)
    role = scope.role
    if role is not None and role in roles:
        return role
    if (
        role is not None
        and department
        and scope.is_department
        and scope.department_id == complaint.ticket.department_id
    ):
        return role
    raise ServiceError(Code.FORBIDDEN, _("无权执行此操作"))


def _require_open(complaint: Complaint) -> None:
    if complaint.ticket.status not in OPEN_STATUSES:
        raise ServiceError(Code.INVALID_TRANSITION, _("工单已办结或已结束"))


def _log(complaint: Complaint, *, actor, action: str, note: str = "", **data) -> None:
    record_event(
        complaint.ticket,
        actor=actor,
        kind=TicketEvent.Kind.COMPLAINT,
        action=action,
        note=note,
        data=data,
    )


# ---------------------------------------------------------------------------------- facts


@transaction.atomic
def classify_complaint(serial: str, *, actor, complaint_class: str, note: str = "") -> Complaint:
    """Decide the responsibility class (界定责任). The center or the ticket's department may;
    the time limits follow the class (assist complaints have their own callback)."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, INTAKE_ROLES, department=True)
    _require_open(complaint)
    if complaint_class not in ComplaintClass.values:
        raise ServiceError(Code.INVALID, _("投诉性质无效"), field="complaint_class")
    note = _text(note, "note", required=False)
    previous = complaint.complaint_class
    complaint.complaint_class = complaint_class
    complaint.determination = Determination.DECIDED
    complaint.save(update_fields=["complaint_class", "determination"])
    if previous != complaint_class:
        sla.replan(complaint.ticket, timezone.now())
    _log(
        complaint,
        actor=actor,
        action="classify",
        note=note,
        old=previous,
        new=complaint_class,
    )
    return complaint


@transaction.atomic
def book_onsite_determination(
    serial: str, *, actor, at: dt.datetime | None, note: str = ""
) -> Complaint:
    """Responsibility cannot be decided on the phone: book an on-site determination with the
    customer (现场界定). The class is set later from the finding."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, INTAKE_ROLES, department=True)
    _require_open(complaint)
    if complaint.determination == Determination.DECIDED:
        raise ServiceError(Code.INVALID_TRANSITION, _("责任已界定"))
    if at is None:
        raise ServiceError(Code.INVALID, _("请填写约定时间"), field="at")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at < complaint.ticket.received_at:
        raise ServiceError(Code.INVALID, _("约定时间不能早于受理时间"), field="at")
    if at > complaint.ticket.received_at + dt.timedelta(days=366):
        raise ServiceError(Code.INVALID, _("约定时间须在受理后一年内"), field="at")
    complaint.determination = Determination.ONSITE
    complaint.onsite_at = at
    complaint.save(update_fields=["determination", "onsite_at"])
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    _log(
        complaint,
        actor=actor,
        action="onsite",
        note=_text(note, "note", required=False),
        at=when,
    )
    return complaint


@transaction.atomic
def update_facts(
    serial: str,
    *,
    actor,
    category: str | None = None,
    source: str | None = None,
    loss_or_injury: bool | None = None,
) -> Complaint:
    """Correct what intake recorded; the severity follows (a government source, loss or
    injury make it major). ``None`` leaves a field as it is."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, INTAKE_ROLES)
    _require_open(complaint)
    changes: dict[str, Any] = {}  # timeline data: field → new value
    if category is not None:
        found = None
        if category:
            found = Category.objects.filter(code=category, is_active=True).first()
            if found is None:
                raise ServiceError(
                    Code.INVALID, _("投诉类别无效:%s") % category[:30], field="category"
                )
        if found != complaint.category:
            changes["category"] = found.code if found else ""
            complaint.category = found
    if source is not None and source != complaint.source:
        if source not in Source.values:
            raise ServiceError(Code.INVALID, _("投诉来源无效"), field="source")
        changes["source"] = complaint.source = source
    if loss_or_injury is not None and loss_or_injury != complaint.loss_or_injury:
        changes["loss_or_injury"] = complaint.loss_or_injury = bool(loss_or_injury)
    if not changes:
        return complaint
    complaint.save(update_fields=["category", "source", "loss_or_injury"])
    _log(complaint, actor=actor, action="facts", **changes)
    kept = set(complaint.reasons) - rules.FIELD_REASONS
    rules.set_reasons(
        complaint, kept | rules.field_reasons(complaint), actor=actor, at=timezone.now()
    )
    return complaint


@transaction.atomic
def override_severity(serial: str, *, actor, severity: str, reason: str) -> Complaint:
    """A supervisor decides the severity against the rules, with a reason (kept on the
    timeline). A reason found later (e.g. a collective complaint) makes it major again."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, OVERRIDE_ROLES)
    _require_open(complaint)
    if severity not in Severity.values:
        raise ServiceError(Code.INVALID, _("严重程度无效"), field="severity")
    reason = _text(reason, "reason", message=_("请填写原因"))
    if severity == complaint.severity:
        raise ServiceError(Code.INVALID, _("严重程度未改变"), field="severity")
    previous = complaint.severity
    complaint.severity = severity
    complaint.severity_overridden = True
    reasons = [r for r in complaint.reasons if r != Reason.OVERRIDE]
    if severity == Severity.MAJOR:
        reasons.append(Reason.OVERRIDE)
    complaint.reasons = reasons
    complaint.save(update_fields=["severity", "severity_overridden", "reasons"])
    sla.replan(complaint.ticket, timezone.now())
    _log(complaint, actor=actor, action="override", note=reason, old=previous, new=severity)
    if severity == Severity.MAJOR:
        rules.became_major(complaint, actor=actor)
    return complaint


# ---------------------------------------------------------------------------------- plan


@transaction.atomic
def propose_plan(serial: str, *, actor, text: str) -> Plan:
    """The department proposes a handling plan (提出处理方案); its head must approve it. A new
    proposal replaces one still waiting or rejected."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, set(), department=True)
    if complaint.ticket.status not in (Status.DISPATCHED, Status.IN_PROGRESS):
        raise ServiceError(Code.INVALID_TRANSITION, _("工单须在部门处理中"))
    text = _text(text, "text", message=_("请填写处理方案"))
    current = complaint.current_plan()
    if current is not None and current.state == Plan.State.APPROVED:
        raise ServiceError(Code.CONFLICT, _("已有批准的方案;客户不满意时方案才重新制定"))
    if current is not None and current.state in (Plan.State.PENDING_HEAD, Plan.State.PENDING_GM):
        current.state = Plan.State.SUPERSEDED
        current.save(update_fields=["state"])
    plan = Plan.objects.create(
        complaint=complaint,
        version=(current.version + 1) if current else 1,
        text=text,
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    _log(complaint, actor=actor, action="plan_proposed", note=text, version=plan.version)
    _tell_plan_submitted(
        complaint, plan, heads=rules.department_staff(complaint.ticket, heads_only=True)
    )
    return plan


def _tell_plan_submitted(complaint: Complaint, plan: Plan, *, heads: list) -> None:
    ticket = complaint.ticket
    staff = getattr(plan.proposed_by, "staff", None)
    rules.tell(
        "complaint.plan_submitted",
        users=heads,
        ticket=ticket,
        key=f"complaint:{ticket.serial}:plan:{plan.version}:{plan.state}",
        department=ticket.department.name if ticket.department is not None else "",
        submitter=staff.display_name if staff else plan.proposed_by.username,
    )


@transaction.atomic
def decide_plan(serial: str, *, actor, approve: bool, note: str = "") -> Plan:
    """The department head approves or rejects the waiting plan; a major complaint's plan then
    goes to the general manager (总经理) as well. A rejection needs a reason."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require_open(complaint)
    plan = complaint.current_plan()
    if plan is None or plan.state not in (Plan.State.PENDING_HEAD, Plan.State.PENDING_GM):
        raise ServiceError(Code.INVALID_TRANSITION, _("没有待审批的处理方案"))
    scope = scope_of(actor)
    if plan.state == Plan.State.PENDING_HEAD:
        if not (
            scope.role == Role.DEPT_HEAD and scope.department_id == complaint.ticket.department_id
        ):
            raise ServiceError(Code.FORBIDDEN, _("须由本部门负责人审批"))
    elif scope.role != Role.GENERAL_MANAGER:
        raise ServiceError(Code.FORBIDDEN, _("重大投诉的方案须由总经理审批"))
    note = _text(note, "note", required=not approve, message=_("请填写退回原因"))
    now = timezone.now()
    stage = plan.state
    if stage == Plan.State.PENDING_HEAD:
        plan.head_decided_by, plan.head_decided_at = actor, now
    else:
        plan.gm_decided_by, plan.gm_decided_at = actor, now
    if not approve:
        plan.state = Plan.State.REJECTED
    elif stage == Plan.State.PENDING_HEAD and complaint.severity == Severity.MAJOR:
        plan.state = Plan.State.PENDING_GM
    else:
        plan.state = Plan.State.APPROVED
    plan.decision_note = note
    plan.save()
    _log(
        complaint,
        actor=actor,
        action="plan_approved" if approve else "plan_rejected",
        note=note,
        version=plan.version,
        state=plan.state,
    )
    if plan.state == Plan.State.PENDING_GM:
        gms = [u for u in rules.managers(complaint.ticket) if u.staff.role == Role.GENERAL_MANAGER]
        _tell_plan_submitted(complaint, plan, heads=gms)
    else:
        rules.tell(
            "complaint.plan_decided",
            users=[plan.proposed_by],
            ticket=complaint.ticket,
            key=f"complaint:{complaint.ticket.serial}:plan:{plan.version}:{plan.state}",
            decision=str(plan.get_state_display()),
            note=note,
        )
    return plan


# ---------------------------------------------------------------------------------- result


@transaction.atomic
def record_confirmation(serial: str, *, actor, method: str, note: str = "") -> Complaint:
    """The customer agreed to the implemented plan (签字确认): how, and the agent's note. A
    signature scan is uploaded as an attachment of the ticket and named in the note."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, INTAKE_ROLES, department=True)
    _require_open(complaint)
    if method not in Confirmation.values:
        raise ServiceError(Code.INVALID, _("确认方式无效"), field="method")
    if not complaint.plans.filter(state=Plan.State.APPROVED).exists():
        raise ServiceError(Code.INVALID_TRANSITION, _("处理方案尚未批准"))
    note = _text(note, "note", required=method == Confirmation.PHONE, message=_("请记录通话要点"))
    complaint.confirmation, complaint.confirmation_note = method, note
    complaint.confirmed_at = timezone.now()
    complaint.save(update_fields=["confirmation", "confirmation_note", "confirmed_at"])
    _log(complaint, actor=actor, action="confirmed", note=note, method=method)
    return complaint


def record_explanation(serial: str, *, actor, text: str) -> Complaint:
    """What the agent explained to the customer of a complaint outside the company's
    responsibility (无责任投诉). Words said to the customer: checked for forbidden phrases
    first (kefu.core.wording), before the transaction, so a refused text is still counted."""
    access_complaint(actor, serial)
    check_outbound(text or "", actor=actor, path="explanation", field="text", ticket_serial=serial)
    return _record_explanation(serial, actor=actor, text=text)


@transaction.atomic
def _record_explanation(serial: str, *, actor, text: str) -> Complaint:
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, INTAKE_ROLES, department=True)
    _require_open(complaint)
    if complaint.complaint_class != ComplaintClass.NOT_RESPONSIBLE:
        raise ServiceError(Code.INVALID_TRANSITION, _("仅无责任投诉需要解释说明"))
    complaint.explanation = _text(text, "text", message=_("请填写解释内容"))
    complaint.save(update_fields=["explanation"])
    _log(complaint, actor=actor, action="explained", note=complaint.explanation)
    return complaint


def hotline_reply(hotline: MunicipalHotline) -> str:
    return _("您反映的问题属于%(name)s负责,请拨打 %(number)s,我们会跟进处理结果。") % {
        "name": hotline.name,
        "number": hotline.number,
    }


@transaction.atomic
def give_hotline(serial: str, *, actor, hotline_id: int, note: str = "") -> Complaint:
    """An assist complaint (协助处理): the utility's hotline goes to the customer and into the
    reply; the center follows the result."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, INTAKE_ROLES)
    _require_open(complaint)
    if complaint.complaint_class != ComplaintClass.ASSIST:
        raise ServiceError(Code.INVALID_TRANSITION, _("仅协助处理投诉需告知相关单位热线"))
    hotline = MunicipalHotline.objects.filter(pk=hotline_id, is_active=True).first()
    if hotline is None:
        raise ServiceError(Code.INVALID, _("热线不存在"), field="hotline_id")
    complaint.hotline = hotline
    complaint.reply_text = hotline_reply(hotline)
    complaint.save(update_fields=["hotline", "reply_text"])
    _log(
        complaint,
        actor=actor,
        action="hotline",
        note=_text(note, "note", required=False) or complaint.reply_text,
        hotline=f"{hotline.name} {hotline.number}",
    )
    return complaint


@transaction.atomic
def record_unsatisfied(serial: str, *, actor, words: str) -> Ticket:
    """The customer is not satisfied (at confirmation or at the callback): the complaint goes
    back to its department with the customer's words, and the department revises the plan,
    until the customer is satisfied."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, INTAKE_ROLES)
    words = _text(words, "words", message=_("请记录客户的原话"))
    ticket = complaint.ticket
    if ticket.status in OPEN_STATUSES and ticket.status != Status.AWAITING_CONFIRMATION:
        raise ServiceError(Code.INVALID_TRANSITION, _("工单仍在处理中"))
    for plan in complaint.plans.filter(state=Plan.State.APPROVED):
        plan.state = Plan.State.SUPERSEDED
        plan.save(update_fields=["state"])
    complaint.unsatisfied_count += 1
    complaint.confirmation, complaint.confirmed_at = "", None
    complaint.save(update_fields=["unsatisfied_count", "confirmation", "confirmed_at"])
    _log(complaint, actor=actor, action="unsatisfied", note=words)
    reopened = tickets.transition_ticket(
        ticket.serial, actor=actor, action="reopen", note=_("客户不满意:%s") % words
    )
    rules.tell(
        "complaint.unsatisfied",
        users=rules.department_staff(reopened),
        ticket=reopened,
        key=f"complaint:{ticket.serial}:unsatisfied:{complaint.unsatisfied_count}",
        note=words,
    )
    return reopened


@transaction.atomic
def record_lessons(serial: str, *, actor, cause: str, corrective_action: str) -> Complaint:
    """Cause analysis and corrective action (总结改进), needed before the complaint is archived."""
    complaint = access_complaint(actor, serial, for_update=True)
    _require(actor, complaint, INTAKE_ROLES | {Role.GENERAL_MANAGER}, department=True)
    if complaint.ticket.status in (Status.CLOSED, Status.CANCELLED, Status.MERGED):
        raise ServiceError(Code.INVALID_TRANSITION, _("工单已结束"))
    complaint.cause = _text(cause, "cause", message=_("请填写原因分析"))
    complaint.corrective_action = _text(
        corrective_action, "corrective_action", message=_("请填写整改措施")
    )
    complaint.save(update_fields=["cause", "corrective_action"])
    _log(
        complaint,
        actor=actor,
        action="lessons",
        note=f"{complaint.cause}\n{complaint.corrective_action}",
    )
    return complaint


# ---------------------------------------------------------------------------------- groups


def group_owner_choices(actor) -> list[StaffProfile]:
    """Who ``actor`` may make the owner of a collective complaint (none when it may not)."""
    scope = scope_of(actor)
    if scope.role not in GROUP_ROLES:
        return []
    people = StaffProfile.objects.filter(user__is_active=True).exclude(
        role__in=[Role.QUALITY, Role.ADMIN]
    )
    if not scope.everything:  # a branch's lead names the branch's people
        people = people.filter(
            Q(branch_id=scope.branch_id) | Q(department__branch_id=scope.branch_id)
        )
    return list(people.select_related("department").order_by("department_id", "employee_no"))


@transaction.atomic
def set_group_owner(group_id: int, *, actor, owner: str, note: str = "") -> CollectiveGroup:
    """One owner for a collective complaint (handled as one case): every open member ticket
    goes to the owner's department and is assigned to the owner, each step on its timeline."""
    if scope_of(actor).role not in GROUP_ROLES:
        raise ServiceError(Code.FORBIDDEN, _("无权指定负责人"))
    group = access_group(actor, group_id)
    staff = (
        StaffProfile.objects.select_related("user", "department")
        .filter(Q(user__username=owner) | Q(employee_no=owner), user__is_active=True)
        .first()
    )
    if staff is None or staff not in group_owner_choices(actor):
        raise ServiceError(Code.INVALID, _("处理人不存在:%s") % owner[:40], field="owner")
    CollectiveGroup.objects.filter(pk=group.pk).select_for_update().first()
    group.owner = staff.user
    group.save(update_fields=["owner"])
    members = group.members.select_related("ticket__department").filter(is_open=True)
    for member in members.order_by("received_at", "id"):
        ticket = member.ticket
        if staff.department is None:  # a center coordinator: the departments keep the work
            record_event(
                ticket,
                actor=actor,
                kind=TicketEvent.Kind.COMPLAINT,
                action="group_owner",
                note=note or _("集体投诉由 %s 统一协调") % staff.display_name,
                data={"group": group.id, "owner": staff.user.username},
            )
        elif ticket.status == Status.AWAITING_CONFIRMATION:
            # Already with the customer: left where it is, the owner told on its timeline.
            record_event(
                ticket,
                actor=actor,
                kind=TicketEvent.Kind.COMPLAINT,
                action="group_owner",
                note=note or _("集体投诉由 %s 统一处理") % staff.display_name,
                data={"group": group.id, "owner": staff.user.username},
            )
        elif ticket.department_id != staff.department_id:
            tickets.transition_ticket(
                ticket.serial,
                actor=actor,
                action="dispatch",
                department=staff.department.code,
                assignee=staff.user.username,
                note=note or _("集体投诉统一处理"),
            )
        else:
            tickets.assign_ticket(
                ticket.serial,
                actor=actor,
                assignee=staff.user.username,
                note=note or _("集体投诉统一处理"),
            )
    return group


# ---------------------------------------------------------------------------------- sweep

SWEEP_BATCH = 500


def sweep_unresolved(now: dt.datetime | None = None) -> int:
    """A responsibility complaint still unresolved a month (configurable) after intake becomes
    major. Reads the partial index of open general responsibility complaints; each row is
    claimed with a conditional update, so two workers never raise one twice. A supervisor's
    own decision on the severity stands. Returns how many were raised."""
    now = now or timezone.now()
    settings = Settings.current()
    months = relativedelta(months=settings.unresolved_months)
    # A month is 28 to 31 days: read every complaint at least the shortest such span old, and
    # raise those whose month (received + N months, the end of February for 31 January) is up.
    shortest = timezone.localtime(now) - dt.timedelta(days=28 * settings.unresolved_months)
    candidates = Complaint.objects.filter(
        is_open=True,
        complaint_class=ComplaintClass.RESPONSIBLE,
        severity=Severity.GENERAL,
        received_at__lte=shortest,
        severity_overridden=False,
    ).values_list("pk", "received_at")
    due = [
        pk
        for pk, received in candidates.order_by("received_at", "pk")[: SWEEP_BATCH * 2]
        if timezone.localtime(received) + months <= now
    ]
    raised = 0
    for pk in due[:SWEEP_BATCH]:
        with transaction.atomic():
            complaint = Complaint.objects.select_related("ticket__type").filter(pk=pk).first()
            if complaint is None:  # gone since the candidates were read: nothing to claim
                continue
            # Lock the ticket, then claim: the complaint must still be open, general and not
            # decided by a supervisor meanwhile.
            Ticket.objects.select_for_update().filter(pk=complaint.ticket_id).first()
            claimed = Complaint.objects.filter(
                pk=pk, severity=Severity.GENERAL, is_open=True, severity_overridden=False
            ).update(severity=Severity.MAJOR)
            if not claimed:
                continue
            complaint.refresh_from_db()
            complaint.severity = Severity.GENERAL  # as it was: set_reasons records the change
            rules.set_reasons(
                complaint,
                set(complaint.reasons) | {Reason.UNRESOLVED_MONTH},
                actor=None,
                at=now,
            )
            raised += 1
    return raised


# ---------------------------------------------------------------------------------- page


def steps_for(complaint: Complaint, actor) -> set[str]:
    """The complaint steps ``actor`` may take now (what the ticket page offers); each service
    checks again when called."""
    scope = scope_of(actor)
    ticket = complaint.ticket
    own_department = scope.is_department and scope.department_id == ticket.department_id
    center = scope.role in INTAKE_ROLES
    is_open = ticket.status in OPEN_STATUSES
    plan = complaint.current_plan()
    approved = plan is not None and plan.state == Plan.State.APPROVED
    steps = set()
    if is_open and (center or own_department):
        steps.add("classify")
        if complaint.determination != Determination.DECIDED:
            steps.add("onsite")
        if approved:
            steps.add("confirmation")
        if complaint.complaint_class == ComplaintClass.NOT_RESPONSIBLE:
            steps.add("explanation")
    if is_open and center:
        steps.add("facts")
        if complaint.complaint_class == ComplaintClass.ASSIST:
            steps.add("hotline")
    if is_open and scope.role in OVERRIDE_ROLES:
        steps.add("severity")
    if own_department and ticket.status in (Status.DISPATCHED, Status.IN_PROGRESS) and not approved:
        steps.add("plan")
    if (
        plan is not None
        and plan.state == Plan.State.PENDING_HEAD
        and own_department
        and (scope.role == Role.DEPT_HEAD)
    ):
        steps.add("decide")
    if (
        plan is not None
        and plan.state == Plan.State.PENDING_GM
        and scope.role == Role.GENERAL_MANAGER
    ):
        steps.add("decide")
    if center and ticket.status in (
        Status.AWAITING_CONFIRMATION,
        Status.RESOLVED,
        Status.FOLLOWED_UP,
    ):
        steps.add("unsatisfied")
    if ticket.status not in (Status.CLOSED, Status.CANCELLED, Status.MERGED) and (
        center or own_department or scope.role == Role.GENERAL_MANAGER
    ):
        steps.add("lessons")
    return steps
