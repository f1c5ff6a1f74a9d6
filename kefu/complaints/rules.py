"""The complaint rules a ticket meets at intake and on each action: the complaint fields of an
intake, routing, severity and its reasons, collective and repeat complaints, and what must be
recorded before a complaint may be resolved or closed.

The kernel calls them through the hooks registered in kefu.complaints.ticket_hooks (no
signals); user operations on complaints are in kefu.complaints.services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts import org
from kefu.accounts.models import Branch, Department, Role, ServiceArea, StaffProfile
from kefu.complaints.matching import Subject, features, same_matter
from kefu.complaints.models import (
    COMPLAINT_TYPE,
    Category,
    CollectiveGroup,
    Complaint,
    Plan,
    Reason,
    RoutingRule,
    Settings,
    Source,
)
from kefu.core import refcache
from kefu.core.errors import Code, ServiceError
from kefu.core.realtime import AGENTS_GROUP, publish_on_commit
from kefu.core.said import said
from kefu.notify.services import emit_webhook, notify_users
from kefu.sla import services as sla
from kefu.sla.models import ComplaintClass, Severity
from kefu.tickets.models import OPEN_STATUSES, Status, Ticket, TicketEvent
from kefu.tickets.timeline import record_event

# The reasons that follow from the complaint's own fields; the others are found or decided.
FIELD_REASONS = {Reason.LOSS_INJURY, Reason.GOVERNMENT, Reason.MEDIA}
CLOSED_TO_MATCHING = (Status.CANCELLED, Status.MERGED, Status.CLOSED)


@dataclass
class ComplaintFields:
    """The complaint part of an intake, checked."""

    category: Category | None = None
    source: str = Source.CUSTOMER
    loss_or_injury: bool = False
    complaint_class: str = ""


def clean_fields(
    type_code: str,
    *,
    category: str,
    source: str,
    loss_or_injury: bool,
    complaint_class: str,
    matter: str = "",
) -> ComplaintFields | None:
    """The complaint fields of an intake; None for other types. Raises ServiceError(INVALID)
    for an unknown category, source or class, or complaint fields on another type. A complaint
    saved without a category takes the one its matter (kefu.triage) names by the same code, so
    the routing table, the read-back and the statistics see what the agent chose."""
    if type_code != COMPLAINT_TYPE:
        if category or (source and source != Source.CUSTOMER) or loss_or_injury or complaint_class:
            raise ServiceError(Code.INVALID, _("只有投诉可填写投诉信息"), field="category")
        return None
    found = None
    if category:
        found = Category.objects.filter(code=category, is_active=True).first()
        if found is None:
            raise ServiceError(Code.INVALID, _("投诉类别无效:%s") % category[:30], field="category")
    elif matter:
        found = Category.objects.filter(code=matter, is_active=True).first()
    if source and source not in Source.values:
        raise ServiceError(Code.INVALID, _("投诉来源无效"), field="source")
    if complaint_class and complaint_class not in ComplaintClass.values:
        raise ServiceError(Code.INVALID, _("投诉性质无效"), field="complaint_class")
    return ComplaintFields(found, source or Source.CUSTOMER, bool(loss_or_injury), complaint_class)


def promised_result(cleaned: dict):
    """The result time to read back to a complaining customer, from what intake knows: the
    fields that make a complaint major count already (a repeat or collective complaint is found
    when it is saved, and the time then shown on the ticket)."""
    fields = cleaned["extras"].get("complaint")
    if fields is None:
        return None
    probe = Complaint(loss_or_injury=fields.loss_or_injury, source=fields.source)
    return sla.promised_result(
        COMPLAINT_TYPE,
        received_at=cleaned["received_at"],
        severity=Severity.MAJOR if field_reasons(probe) else Severity.GENERAL,
        complaint_class=fields.complaint_class,
        channel=cleaned["channel"],
        priority=cleaned["priority"],
    )


def route(
    type_code: str,
    *,
    area: ServiceArea | None,
    category: Category | None,
    branch: Branch | None = None,
):
    """The department the routing table sends such a request to, or None. With ``branch``
    (the request's), only a department of that branch: a 深圳 caller's request is never sent
    to a head-office department by a rule written for head office."""
    rules = RoutingRule.objects.filter(
        Q(ticket_type__isnull=True) | Q(ticket_type__code=type_code),
        Q(area__isnull=True) | Q(area=area),
        Q(category__isnull=True) | Q(category=category),
        is_active=True,
        department__is_active=True,
    ).select_related("department__branch")
    if branch is not None:
        rules = rules.filter(department__branch=branch)
    best = max(rules, key=lambda r: (r.specificity, -r.id), default=None)
    return best.department if best else None


def suggest_department(ticket: Ticket) -> Department | None:
    complaint = getattr(ticket, "complaint", None) if is_complaint(ticket) else None
    return route(
        ticket.type.code,
        area=ticket.area,
        category=complaint.category if complaint else None,
        branch=ticket.branch,
    )


def is_complaint(ticket: Ticket) -> bool:
    return ticket.type.code == COMPLAINT_TYPE


# ---------------------------------------------------------------------------------- notices


def department_staff(ticket: Ticket, *, heads_only: bool = False) -> list:
    """The active staff of the ticket's department (its heads only, if asked)."""
    if not ticket.department_id:
        return []
    people = StaffProfile.objects.filter(department_id=ticket.department_id, user__is_active=True)
    if heads_only:
        people = people.filter(role=Role.DEPT_HEAD)
    return [p.user for p in people.select_related("user")]


def managers(ticket: Ticket) -> list:
    """Who handles major complaints: the general manager, and the supervisors of the center
    or the ticket's branch (kept per process and branch: kefu.core.refcache watches the staff;
    read the users, do not change them)."""

    def load() -> list:
        people = StaffProfile.objects.filter(user__is_active=True).filter(
            Q(role=Role.GENERAL_MANAGER)
            | Q(role=Role.SUPERVISOR, branch__isnull=True)
            | Q(role=Role.SUPERVISOR, branch_id=ticket.branch_id)
        )
        return [p.user for p in people.select_related("user").order_by("user_id")]

    return list(refcache.get(("complaint_managers", ticket.branch_id), load))


def tell(event: str, *, users: list, ticket: Ticket, key: str, **context) -> None:
    """Notify ``users`` of a complaint event (in-app, and e-mail/SMS as the event's rule says);
    ``key`` makes a repeat of the same event send nothing new."""
    if users:
        notify_users(event, users=users, context=context, key=key, ticket=ticket)
    emit_webhook(event, {"serial": ticket.serial, **context}, key=key)


def tell_major(complaint: Complaint) -> None:
    ticket = complaint.ticket
    tell(
        "complaint.major",
        users=managers(ticket),
        ticket=ticket,
        key=f"complaint:{ticket.serial}:major:{','.join(complaint.reasons)}",
        reason="、".join(str(label) for label in complaint.reason_labels()),
    )


def tell_assigned(ticket: Ticket) -> None:
    department = ticket.department
    assert department is not None, "told when the ticket is dispatched, so with a department"
    tell(
        "complaint.assigned",
        users=department_staff(ticket),
        ticket=ticket,
        # Each dispatch once: sent back and dispatched to the same department, told again.
        key=f"complaint:{ticket.serial}:assigned:{ticket.department_id}:{ticket.updated_at.timestamp():.6f}",
        department=department.name,
    )


# ---------------------------------------------------------------------------------- severity


def field_reasons(complaint: Complaint) -> set[str]:
    reasons: set[str] = set()
    if complaint.loss_or_injury:
        reasons.add(Reason.LOSS_INJURY)
    if complaint.source == Source.GOVERNMENT:
        reasons.add(Reason.GOVERNMENT)
    if complaint.source == Source.MEDIA:
        reasons.add(Reason.MEDIA)
    return reasons


def set_reasons(complaint: Complaint, reasons: set[str], *, actor, at: dt.datetime) -> bool:
    """Store the complaint's reasons and the severity they give, and move its clocks when the
    severity changes. A new reason makes it major even over a supervisor's earlier decision
    (that decision was made without it). Returns whether the severity changed."""
    old_reasons = set(complaint.reasons)
    ordered = [r for r in Reason.values if r in reasons]
    added = set(ordered) - old_reasons
    severity = complaint.severity
    if added - {Reason.OVERRIDE}:
        severity = Severity.MAJOR
        complaint.severity_overridden = False
    elif not complaint.severity_overridden:
        severity = Severity.MAJOR if set(ordered) - {Reason.OVERRIDE} else Severity.GENERAL
    changed = severity != complaint.severity
    complaint.reasons, complaint.severity = ordered, severity
    complaint.save(update_fields=["reasons", "severity", "severity_overridden"])
    if changed and complaint.pk:
        ticket = complaint.ticket
        sla.replan(ticket, at)
        record_event(
            ticket,
            actor=actor,
            kind=TicketEvent.Kind.COMPLAINT,
            action="severity",
            note=said(
                gettext_noop("严重程度:%(severity)s(%(reasons)s)"),
                severity=Severity(severity).label,
                reasons=[Reason(r).label for r in ordered if r in added],
            ),
            data={"severity": severity, "reasons": ordered},
        )
        publish_on_commit(
            AGENTS_GROUP,
            {"type": "complaint.severity", "serial": ticket.serial, "severity": severity},
        )
        if severity == Severity.MAJOR:
            became_major(complaint, actor=actor)
    return changed


def became_major(complaint: Complaint, *, actor) -> None:
    """The managers hear of it; a plan the department head approved while the complaint was
    general, not yet agreed with the customer, goes to the general manager too."""
    tell_major(complaint)
    plan = complaint.plans.filter(state=Plan.State.APPROVED).order_by("-version").first()
    if plan is None or complaint.confirmed_at is not None:
        return
    plan.state = Plan.State.PENDING_GM
    plan.save(update_fields=["state"])
    record_event(
        complaint.ticket,
        actor=actor,
        kind=TicketEvent.Kind.COMPLAINT,
        action="plan_to_gm",
        note=said(gettext_noop("已定为重大投诉,处理方案须经总经理审批")),
        data={"version": plan.version},
    )
    gms = [u for u in managers(complaint.ticket) if u.staff.role == Role.GENERAL_MANAGER]
    tell(
        "complaint.plan_submitted",
        users=gms,
        ticket=complaint.ticket,
        key=f"complaint:{complaint.ticket.serial}:plan:{plan.version}:pending_gm",
        department=complaint.ticket.department.name
        if complaint.ticket.department is not None
        else "",
        submitter=getattr(getattr(plan.proposed_by, "staff", None), "display_name", ""),
    )


# ---------------------------------------------------------------------------------- matching


def _identity(complaint: Complaint) -> tuple:
    """Who complained: the customer, else the number, else only this ticket (a letter)."""
    ticket = complaint.ticket
    if ticket.customer_id:
        return ("customer", ticket.customer_id)
    if ticket.caller_number:
        return ("phone", ticket.caller_number)
    return ("ticket", ticket.id)


def find_repeat(complaint: Complaint, settings: Settings) -> Ticket | None:
    """The same customer's earlier complaint about the same matter that is still unresolved."""
    ticket = complaint.ticket
    who = Q()
    if ticket.customer_id:
        who |= Q(ticket__customer_id=ticket.customer_id)
    if ticket.caller_number:
        who |= Q(ticket__caller_number=ticket.caller_number)
    if not who:
        return None
    earlier = Complaint.objects.filter(who, is_open=True, received_at__lte=complaint.received_at)
    if complaint.pk is not None:
        earlier = earlier.exclude(pk=complaint.pk)
    # Their matters and texts alone are compared; only the earliest on the same matter is read.
    places = _places(complaint)
    mine = _subject(complaint.ticket, places)
    for ticket_id, *facts in earlier.order_by("received_at", "id").values_list(
        "ticket_id", *_FACTS
    )[:20]:
        if same_matter(mine, _facts_subject(facts, places), settings.similarity):
            return Ticket.objects.only("serial").get(pk=ticket_id)
    return None


# What matching reads of a complaint's ticket: its text and its triage (kefu.triage).
_FACTS = ("ticket__content", "ticket__triage__matter", "ticket__triage__matter_sure")


def _places(complaint: Complaint) -> tuple[str, ...]:
    """The names of the complaint's area, which say nothing about its matter."""
    if complaint.area_id is None:
        return ()
    area = org.area(complaint.area_id)
    return (area.name, area.code) if area.name else (area.code,)


def _subject(ticket: Ticket, places: tuple[str, ...]) -> Subject:
    label = getattr(ticket, "triage", None)
    return _facts_subject(
        (ticket.content, label.matter if label else "", label.matter_sure if label else False),
        places,
    )


def _facts_subject(facts, places: tuple[str, ...]) -> Subject:
    content, matter, sure = facts
    return Subject(matter or "", bool(sure), features(content, places))


def find_collective(complaint: Complaint, settings: Settings, *, actor) -> CollectiveGroup | None:
    """Join or form a collective complaint: enough distinct customers of the same area about
    the same matter within the window. Every member becomes major (reason: collective)."""
    if complaint.area_id is None:
        return None
    # One intake at a time per area decides (an outage brings many calls at once): the area's
    # row is locked until the intake commits (PostgreSQL; SQLite has one writer anyway).
    ServiceArea.objects.select_for_update().filter(pk=complaint.area_id).first()
    window = dt.timedelta(hours=settings.collective_window_hours)
    # An outage brings hundreds of complaints to an area in a day: compare their texts alone,
    # then read in full only the ones on the same matter.
    recent = Complaint.objects.filter(
        area_id=complaint.area_id,
        received_at__gte=complaint.received_at - window,
        received_at__lte=complaint.received_at + window,
    )
    if complaint.pk is not None:
        recent = recent.exclude(pk=complaint.pk)
    nearby = (
        recent.exclude(ticket__status__in=CLOSED_TO_MATCHING)
        .order_by("received_at", "id")
        .values_list("pk", "group_id", *_FACTS)[:500]
    )
    places = _places(complaint)
    mine = _subject(complaint.ticket, places)
    on_matter = [
        (pk, group_id)
        for pk, group_id, *facts in nearby
        if same_matter(mine, _facts_subject(facts, places), settings.similarity)
    ]
    # Read whole only what this intake changes: the group they are in (the earliest's), and
    # the ones on the same matter not in a group yet (in an outage, a handful of hundreds).
    group_id = next((group_id for _pk, group_id in on_matter if group_id), None)
    group = CollectiveGroup.objects.filter(pk=group_id).first() if group_id else None
    loose = [pk for pk, group_id in on_matter if group_id is None]
    members = [
        *(
            Complaint.objects.filter(pk__in=loose)
            .select_related("ticket")
            .order_by("received_at", "id")
            if loose
            else []
        ),
        complaint,
    ]
    if group is None:
        if len({_identity(c) for c in members}) < settings.collective_customers:
            return None
        first = members[0]
        group = CollectiveGroup.objects.create(
            area_id=complaint.area_id,
            title=first.ticket.content[:120],
            detected_at=timezone.now(),
        )
    now = timezone.now()
    # The other members' clocks move: their tickets are locked first, in a fixed order.
    list(
        Ticket.objects.select_for_update()
        .filter(pk__in=[m.ticket_id for m in members if m is not complaint])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for member in members:
        member.group = group
        if member.pk is not None:  # a complaint at intake is written once, after this
            member.save(update_fields=["group"])
        record_event(
            member.ticket,
            actor=actor,
            kind=TicketEvent.Kind.COMPLAINT,
            action="collective",
            note=said(
                gettext_noop("列入集体投诉 #%(id)s:%(title)s"), id=group.id, title=group.title
            ),
            data={"group": group.id},
        )
        if member is not complaint:  # the new one's reasons are set by its intake
            set_reasons(member, set(member.reasons) | {Reason.COLLECTIVE}, actor=actor, at=now)
    return group


# ---------------------------------------------------------------------------------- tickets


def on_intake(ticket: Ticket, fields: ComplaintFields, *, actor) -> Complaint:
    """Record the complaint part of a new complaint ticket: before its deadlines are computed,
    since its severity and class choose the policy."""
    settings = Settings.current()
    complaint = Complaint(
        ticket=ticket,
        area=ticket.area,
        received_at=ticket.received_at,
        is_open=ticket.status in OPEN_STATUSES,
        category=fields.category,
        source=fields.source,
        loss_or_injury=fields.loss_or_injury,
        complaint_class=fields.complaint_class,
        determination="decided" if fields.complaint_class else "pending",
    )
    # Decided first, written once: its repeat, its collective group, its severity.
    reasons = field_reasons(complaint)
    repeat = find_repeat(complaint, settings)
    if repeat is not None:
        complaint.repeat_of = repeat
        reasons.add(Reason.REPEAT)
    group = find_collective(complaint, settings, actor=actor)
    if group is not None:
        reasons.add(Reason.COLLECTIVE)
        if ticket.area is not None and group.area_id == ticket.area_id:
            group.area = ticket.area  # the group's area is the ticket's, known already
    # Not through set_reasons: the new ticket has no clocks yet to move.
    complaint.reasons = [r for r in Reason.values if r in reasons]
    complaint.severity = Severity.MAJOR if reasons else Severity.GENERAL
    complaint.save(force_insert=True)
    if complaint.severity == Severity.MAJOR:
        tell_major(complaint)
    if ticket.department_id:
        tell_assigned(ticket)
    return complaint


def check_action(ticket: Ticket, action: str) -> None:
    """Refuse an action the complaint is not ready for, saying what is missing.

    Resolving needs the responsibility decided and, by class: an approved plan and the
    customer's confirmation (责任投诉), the explanation (无责任投诉), the hotline or reply given
    (协助处理). Asking the customer to confirm needs the approved plan; closing needs the cause
    and corrective action (总结改进).
    """
    if action not in ("request_confirmation", "resolve", "close"):
        return
    complaint = getattr(ticket, "complaint", None)
    if complaint is None:
        return
    klass = complaint.complaint_class
    approved = complaint.plans.filter(state=Plan.State.APPROVED).exists()
    missing = ""
    if action == "close":
        # (and, for a responsibility complaint, its callback: kefu.followups checks that)
        if not (complaint.cause.strip() and complaint.corrective_action.strip()):
            missing = _("请先填写原因分析和整改措施")
    elif not klass:
        missing = _("请先界定投诉责任")
    elif klass == ComplaintClass.RESPONSIBLE and not approved:
        missing = _("处理方案尚未批准")
    elif action == "resolve" and klass == ComplaintClass.RESPONSIBLE and not complaint.confirmed_at:
        missing = _("请先记录客户确认")
    elif (
        action == "resolve"
        and klass == ComplaintClass.NOT_RESPONSIBLE
        and not complaint.explanation
    ):
        missing = _("请先记录向客户所作的解释")
    elif action == "resolve" and klass == ComplaintClass.ASSIST and not complaint.reply_text:
        missing = _("请先告知客户相关单位热线")
    if missing:
        raise ServiceError(Code.INVALID_TRANSITION, missing, field="action")


def on_transition(ticket: Ticket, action: str) -> None:
    """Keep the complaint's open flag with its ticket (the overdue sweep reads it); tell the
    department a complaint has come to it."""
    is_open = ticket.status in OPEN_STATUSES
    Complaint.objects.filter(ticket=ticket).exclude(is_open=is_open).update(is_open=is_open)
    if action in ("dispatch", "return"):
        # A plan waiting for approval belongs to the department that proposed it.
        for plan in Plan.objects.filter(
            complaint__ticket=ticket, state__in=(Plan.State.PENDING_HEAD, Plan.State.PENDING_GM)
        ).select_related("proposed_by__staff"):
            staff = getattr(plan.proposed_by, "staff", None)
            if staff is None or staff.department_id != ticket.department_id:
                plan.state = Plan.State.SUPERSEDED
                plan.save(update_fields=["state"])
    if action == "dispatch":
        tell_assigned(ticket)
