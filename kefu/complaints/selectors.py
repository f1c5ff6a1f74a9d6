"""Reads for the complaint part of the ticket page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.services import display_name
from kefu.complaints import rules
from kefu.complaints.models import (
    Category,
    Complaint,
    Confirmation,
    MunicipalHotline,
    Plan,
    Source,
)
from kefu.complaints.services import steps_for
from kefu.sla.models import ComplaintClass, Severity
from kefu.tickets.models import Status, TicketEvent


@dataclass
class ComplaintPage:
    complaint: Complaint
    plan: object
    plans: list
    steps: set[str]
    suggested_department: object
    classes: list
    severities: list
    sources: list
    confirmations: list
    categories: list
    hotlines: list
    group_size: int
    stages: list[Stage] = field(default_factory=list)


@dataclass
class Stage:
    """One step of the complaint process as the page's step indicator shows it: done (by
    whom, when), now (whose turn), or to come."""

    key: str
    label: str
    state: str  # done, now, next; skipped (a later step came first), stopped (cancelled)
    who: str = ""
    at: dt.datetime | None = None


# The process of DOMAIN §2 as Kefu runs it (the department it is sent to may decide the
# class, so sending comes first; a class decided at intake is done at once); the middle step
# depends on the class: a responsibility complaint gets a plan the head approves and the customer confirms,
# a no-responsibility one an explanation, an assist one the other utility's hotline.
STAGE_LABELS = {
    "received": gettext_lazy("受理登记"),
    "classify": gettext_lazy("界定责任"),
    "dispatch": gettext_lazy("转责任部门"),
    "plan": gettext_lazy("处理方案审批"),
    "explain": gettext_lazy("解释说明"),
    "hotline": gettext_lazy("告知热线"),
    "confirm": gettext_lazy("客户确认"),
    "resolve": gettext_lazy("办结"),
    "follow_up": gettext_lazy("回访"),
    "close": gettext_lazy("总结归档"),
}


def complaint_page(ticket, actor, timeline: list[TicketEvent]) -> ComplaintPage | None:
    """What the ticket page shows of a complaint and which steps it offers ``actor``; None
    for other tickets. ``timeline``: the page's events (kefu.tickets.selectors.get_timeline),
    read once for the page and the step indicator."""
    if not rules.is_complaint(ticket):
        return None
    complaint = (
        Complaint.objects.select_related("category", "group", "repeat_of", "hotline")
        .filter(ticket=ticket)
        .first()
    )
    if complaint is None:
        return None
    complaint.ticket = ticket
    plans = list(complaint.plans.select_related("proposed_by").order_by("-version"))
    # An outage's group has hundreds of members: the page shows how many, not which.
    group_size = complaint.group.members.count() if complaint.group is not None else 0
    return ComplaintPage(
        complaint=complaint,
        plan=plans[0] if plans else None,
        plans=plans,
        steps=steps_for(complaint, actor),
        suggested_department=rules.suggest_department(ticket),
        classes=ComplaintClass.choices,
        severities=Severity.choices,
        sources=Source.choices,
        confirmations=Confirmation.choices,
        categories=list(Category.objects.filter(is_active=True)),
        hotlines=list(MunicipalHotline.objects.filter(is_active=True)),
        group_size=group_size,
        stages=complaint_stages(
            complaint,
            plans[0] if plans else None,
            [e for e in timeline if e.ticket_id == ticket.id],
        ),
    )


def complaint_stages(
    complaint: Complaint, plan: Plan | None, events: list[TicketEvent]
) -> list[Stage]:
    """The complaint's steps in order: each done one with who did it and when (from its own
    timeline ``events``, in time order), the first open one as now with whose turn it is, the
    rest to come."""
    ticket = complaint.ticket

    def last(**match) -> TicketEvent | None:
        found = [e for e in events if all(getattr(e, k) == v for k, v in match.items())]
        return found[-1] if found else None

    klass = complaint.complaint_class
    middle = {"not_responsible": "explain", "assist": "hotline"}.get(klass, "plan")
    keys = ["received", "dispatch", "classify", middle]
    if middle == "plan":
        keys.append("confirm")
    keys += ["resolve", "follow_up", "close"]
    department = ticket.department.name if ticket.department is not None else _("责任部门")
    head = _("总经理") if complaint.severity == Severity.MAJOR else _("部门负责人")
    done: dict[str, TicketEvent | None | bool] = {
        "received": last(kind=TicketEvent.Kind.CREATED),
        "classify": bool(klass) and (last(action="classify") or last(kind="created")),
        "dispatch": ticket.department_id is not None
        and (last(action="dispatch", kind=TicketEvent.Kind.STATUS) or True),
        "plan": plan is not None
        and plan.state == Plan.State.APPROVED
        and (last(action="plan_approved") or True),
        "explain": bool(complaint.explanation) and (last(action="explained") or True),
        "hotline": complaint.hotline_id is not None and (last(action="hotline") or True),
        "confirm": complaint.confirmed_at is not None and (last(action="confirmed") or True),
        "resolve": ticket.resolved_at is not None and (last(action="resolve") or True),
        "follow_up": ticket.status in (Status.FOLLOWED_UP, Status.CLOSED)
        and (last(action="follow_up") or True),
        "close": ticket.status == Status.CLOSED and (last(action="close") or True),
    }
    turn = {
        "classify": department if ticket.department_id else _("坐席"),
        "dispatch": _("坐席"),
        "plan": department if plan is None or plan.state == Plan.State.REJECTED else head,
        "explain": _("坐席"),
        "hotline": _("坐席"),
        "confirm": _("坐席"),
        "resolve": department if ticket.department_id else _("坐席"),
        "follow_up": _("班长"),
        "close": _("班长"),
    }
    stopped = ticket.status in (Status.CANCELLED, Status.MERGED)
    reached = max((i for i, key in enumerate(keys) if done[key]), default=-1)
    stages, current = [], False
    for index, key in enumerate(keys):
        mark = done[key]
        if not mark and index < reached:  # e.g. closed without a callback
            stages.append(Stage(key, str(STAGE_LABELS[key]), "skipped"))
        elif mark:
            event = mark if isinstance(mark, TicketEvent) else None
            who = display_name(event.actor) if event and event.actor_id else ""
            stages.append(
                Stage(key, str(STAGE_LABELS[key]), "done", who, event.at if event else None)
            )
        elif stopped:
            stages.append(Stage(key, str(STAGE_LABELS[key]), "stopped"))
        elif not current:
            current = True
            stages.append(Stage(key, str(STAGE_LABELS[key]), "now", turn.get(key, "")))
        else:
            stages.append(Stage(key, str(STAGE_LABELS[key]), "next", turn.get(key, "")))
    return stages
