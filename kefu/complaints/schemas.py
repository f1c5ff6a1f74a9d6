"""API shapes of complaints."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kefu.complaints.models import Complaint, Confirmation, Source
from kefu.core.schemas import Moment
from kefu.sla.models import ComplaintClass, Severity
from kefu.tickets.schemas import local_time


class ClassifyIn(Schema):
    complaint_class: ComplaintClass
    note: str = Field("", max_length=5000)


class OnsiteIn(Schema):
    at: Moment = Field(..., description="the on-site determination booked with the customer")
    note: str = Field("", max_length=5000)


class FactsIn(Schema):
    category: str | None = Field(None, max_length=30, description="category code; '' clears it")
    source: Source | None = None
    loss_or_injury: bool | None = None


class SeverityIn(Schema):
    severity: Severity
    reason: str = Field(..., min_length=1, max_length=5000)


class PlanIn(Schema):
    text: str = Field(..., min_length=1, max_length=5000)


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=5000, description="required to reject")


class ConfirmationIn(Schema):
    method: Confirmation
    note: str = Field("", max_length=5000, description="required for a phone confirmation")


class TextIn(Schema):
    text: str = Field(..., min_length=1, max_length=5000)


class HotlineIn(Schema):
    hotline_id: int = Field(..., ge=1, le=2**63 - 1)
    note: str = Field("", max_length=5000)


class UnsatisfiedIn(Schema):
    words: str = Field(..., min_length=1, max_length=5000, description="the customer's words")


class LessonsIn(Schema):
    cause: str = Field(..., min_length=1, max_length=5000)
    corrective_action: str = Field(..., min_length=1, max_length=5000)


class OwnerIn(Schema):
    owner: str = Field(..., min_length=1, max_length=150, description="username or 工号")
    note: str = Field("", max_length=5000)


class GroupOut(Schema):
    id: int
    area: str
    title: str
    detected_at: dt.datetime
    owner: str
    members: list[str] = Field(description="the member tickets the caller may see")
    size: int = Field(description="all member tickets, seen or not")


class ComplaintOut(Schema):
    complaint_class: str
    determination: str
    onsite_at: dt.datetime | None
    severity: Severity
    reasons: list[str]
    reason_labels: list[str]
    severity_overridden: bool
    category: str
    source: Source
    loss_or_injury: bool
    repeat_of: str | None
    group: GroupOut | None
    plan: dict | None
    confirmation: str
    confirmed_at: dt.datetime | None
    explanation: str
    reply_text: str
    cause: str
    corrective_action: str
    unsatisfied_count: int


def group_out(group, *, visible) -> dict:
    """``visible``: the tickets the caller may see; others are only counted."""
    # The members' numbers only: a collective complaint in an outage has hundreds.
    members = list(
        group.members.order_by("received_at", "id").values_list("ticket_id", "ticket__serial")
    )
    seen = set(visible.filter(complaint__group=group).values_list("pk", flat=True))
    return {
        "id": group.id,
        "area": group.area.code,
        "title": group.title,
        "detected_at": local_time(group.detected_at),
        "owner": group.owner.username if group.owner is not None else "",
        "members": [serial for ticket_id, serial in members if ticket_id in seen],
        "size": len(members),
    }


def complaint_out(complaint: Complaint, *, visible) -> dict:
    """The complaint as the API shows it; ``visible``: the tickets the caller may see."""
    plan = complaint.current_plan()
    return {
        "complaint_class": complaint.complaint_class,
        "determination": complaint.determination,
        "onsite_at": local_time(complaint.onsite_at),
        "severity": complaint.severity,
        "reasons": list(complaint.reasons),
        "reason_labels": [str(label) for label in complaint.reason_labels()],
        "severity_overridden": complaint.severity_overridden,
        "category": complaint.category.code if complaint.category is not None else "",
        "source": complaint.source,
        "loss_or_injury": complaint.loss_or_injury,
        "repeat_of": complaint.repeat_of.serial if complaint.repeat_of is not None else None,
        "group": group_out(complaint.group, visible=visible) if complaint.group_id else None,
        "plan": {
            "version": plan.version,
            "text": plan.text,
            "state": plan.state,
            "proposed_by": plan.proposed_by.username,
            "proposed_at": local_time(plan.proposed_at),
            "decision_note": plan.decision_note,
        }
        if plan
        else None,
        "confirmation": complaint.confirmation,
        "confirmed_at": local_time(complaint.confirmed_at),
        "explanation": complaint.explanation,
        "reply_text": complaint.reply_text,
        "cause": complaint.cause,
        "corrective_action": complaint.corrective_action,
        "unsatisfied_count": complaint.unsatisfied_count,
    }
