"""API shapes of the notebooks. Choices are plain strings (their values are listed in the
descriptions); a grumbling customer's phone and name go out masked for a viewer without
core.view_pii."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from kefu.accounts.services import staff_of
from kefu.core.masking import Masker
from kefu.core.paging import PageQuery
from kefu.core.schemas import Day, Moment
from kefu.frontdesk.selectors import mask_name
from kefu.notebooks.models import (
    EntryKind,
    Grumble,
    GrumbleChannel,
    Problem,
    ProblemCategory,
    ServiceEntry,
    WeeklyCollection,
)
from kefu.notebooks.selectors import SOURCES, CountRow, GrumbleStats, ServiceCount

PROBLEM_CATEGORIES = "one of " + ", ".join(ProblemCategory.values)
ENTRY_KINDS = "one of " + ", ".join(EntryKind.values)
CHANNELS = "one of " + ", ".join(GrumbleChannel.values)


class ProblemIn(Schema):
    category: str = Field(..., description=PROBLEM_CATEGORIES)
    text: str = Field(..., max_length=2000)
    ticket: str = Field("", max_length=16, description="the serial of the ticket it came from")


class NotebookAnswerIn(Schema):
    text: str = Field(..., max_length=2000)


class ForwardIn(Schema):
    to: int = Field(..., description="the user id of the lead or supervisor to answer it")
    note: str = Field("", max_length=300)


class NotebookCloseIn(Schema):
    duplicate_of: int = Field(..., description="the id of the problem this one repeats")


class NotebookEntryIn(Schema):
    day: Day
    kind: str = Field(..., description=ENTRY_KINDS)
    count: int = Field(..., description="1 to 999")
    note: str = Field("", max_length=200)


class CorrectIn(Schema):
    count: int = Field(..., description="the right count, 0 to 999")
    note: str = Field(..., max_length=200, description="why")


class GrumbleIn(Schema):
    at: Moment | None = Field(None, description="default now")
    channel: str = Field(..., description=CHANNELS)
    category: str = Field("", max_length=30, description="a complaint category code")
    customer_name: str = Field("", max_length=40)
    customer_phone: str = Field("", max_length=40)
    content: str = Field(..., max_length=2000, description="what the customer was unhappy about")
    handling: str = Field(..., max_length=2000, description="how it was handled")
    satisfied: bool


class EscalateIn(Schema):
    note: str = Field("", max_length=500)


class ProblemQuery(PageQuery):
    status: str = Field("", description="empty for all, or " + ", ".join(Problem.Status.values))
    category: str = Field("", description="empty for all, or " + PROBLEM_CATEGORIES)
    mine: bool = Field(False, description="only the problems I recorded")


class MonthQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="default this year")
    month: int | None = Field(None, ge=1, le=12, description="default this month")


class NotebookEntryQuery(PageQuery):
    year: int | None = Field(None, ge=2000, le=2100, description="with month: that month only")
    month: int | None = Field(None, ge=1, le=12)
    agent: int | None = Field(None, ge=1, le=2**62, description="a user id (leads)")


class CountQuery(MonthQuery):
    agent: int | None = Field(None, ge=1, le=2**62, description="a user id (leads)")


class GrumbleQuery(PageQuery):
    year: int | None = Field(None, ge=2000, le=2100, description="with month: that month only")
    month: int | None = Field(None, ge=1, le=12)
    escalated: bool | None = Field(None, description="true: only those turned into complaints")


class NotebookPersonOut(Schema):
    id: int
    employee_no: str
    name: str


class ProblemOut(Schema):
    id: int
    category: str
    category_label: str
    text: str
    ticket: str | None
    status: str
    status_label: str
    created_by: NotebookPersonOut | None
    created_at: dt.datetime
    collected_at: dt.datetime | None
    answer: str
    answered_by: NotebookPersonOut | None
    answered_at: dt.datetime | None
    forwarded_to: NotebookPersonOut | None
    forward_note: str
    duplicate_of: int | None


class CollectionOut(Schema):
    id: int
    week_start: dt.date
    lead: NotebookPersonOut | None
    created_at: dt.datetime
    problems: int
    answered: int


class CollectionDetailOut(CollectionOut):
    items: list[ProblemOut]


class NotebookEntryOut(Schema):
    id: int
    agent: NotebookPersonOut | None
    day: dt.date
    kind: str
    kind_label: str
    count: int
    note: str
    corrects: int | None
    created_by: NotebookPersonOut | None
    created_at: dt.datetime


class CountRowOut(Schema):
    agent: NotebookPersonOut | None
    day: dt.date | None
    tickets: int
    calls: int
    callbacks: int
    messages: int
    found_items: int
    manual: dict[str, int] = Field(description="entry kind → count")
    manual_total: int
    total: int


class ServiceCountOut(Schema):
    first: dt.date
    last: dt.date
    days: list[CountRowOut]
    agents: list[CountRowOut]
    total: CountRowOut


class GrumbleOut(Schema):
    id: int
    at: dt.datetime
    channel: str
    channel_label: str
    category: str
    category_label: str
    customer_name: str
    customer_phone: str
    content: str
    handling: str
    satisfied: bool
    escalated: bool
    ticket: str | None
    created_by: NotebookPersonOut | None
    created_at: dt.datetime


class EscalatedOut(Schema):
    grumble: GrumbleOut
    ticket: str


class GrumbleAgentOut(Schema):
    agent: NotebookPersonOut
    grumbles: int
    satisfied: int
    escalated: int
    complaints: int


class GrumbleCategoryOut(Schema):
    category: str
    grumbles: int
    complaints: int


class GrumbleStatsOut(Schema):
    first: dt.date
    last: dt.date
    grumbles: int
    complaints: int
    agents: list[GrumbleAgentOut]
    categories: list[GrumbleCategoryOut]


def person_out(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    staff = staff_of(user)
    return {
        "id": user.pk,
        "employee_no": staff.employee_no if staff else "",
        "name": staff.display_name if staff else user.get_username(),
    }


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value is not None else None


def problem_out(problem: Problem, masker: Masker) -> dict[str, Any]:
    """A problem; numbers typed into its texts masked for a viewer without the permission."""
    return {
        "id": problem.pk,
        "category": problem.category,
        "category_label": problem.get_category_display(),
        "text": masker.text(problem.text),
        "ticket": problem.ticket.serial if problem.ticket_id and problem.ticket else None,
        "status": problem.status,
        "status_label": problem.get_status_display(),
        "created_by": person_out(problem.created_by),
        "created_at": timezone.localtime(problem.created_at),
        "collected_at": _local(problem.collected_at),
        "answer": masker.text(problem.answer),
        "answered_by": person_out(problem.answered_by) if problem.answered_by_id else None,
        "answered_at": _local(problem.answered_at),
        "forwarded_to": person_out(problem.forwarded_to) if problem.forwarded_to_id else None,
        "forward_note": masker.text(problem.forward_note),
        "duplicate_of": problem.duplicate_of_id,
    }


def collection_out(collection: WeeklyCollection) -> dict[str, Any]:
    return {
        "id": collection.pk,
        "week_start": collection.week_start,
        "lead": person_out(collection.lead),
        "created_at": timezone.localtime(collection.created_at),
        "problems": getattr(collection, "problem_count", 0),
        "answered": getattr(collection, "answered", 0),
    }


def entry_out(entry: ServiceEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "agent": person_out(entry.agent),
        "day": entry.day,
        "kind": entry.kind,
        "kind_label": entry.get_kind_display(),
        "count": entry.count,
        "note": entry.note,
        "corrects": entry.corrects_id,
        "created_by": person_out(entry.created_by),
        "created_at": timezone.localtime(entry.created_at),
    }


def count_row_out(row: CountRow) -> dict[str, Any]:
    return {
        "agent": {"id": row.agent_id, "employee_no": row.employee_no, "name": row.name}
        if row.agent_id
        else None,
        "day": row.day,
        **{code: row.counts.get(code, 0) for code, _label in SOURCES},
        "manual": dict(row.manual),
        "manual_total": row.manual_total,
        "total": row.total,
    }


def service_count_out(result: ServiceCount) -> dict[str, Any]:
    return {
        "first": result.first,
        "last": result.last,
        "days": [count_row_out(r) for r in result.days],
        "agents": [count_row_out(r) for r in result.agents],
        "total": count_row_out(result.total),
    }


def grumble_out(grumble: Grumble, masker: Masker) -> dict[str, Any]:
    return {
        "id": grumble.pk,
        "at": timezone.localtime(grumble.at),
        "channel": grumble.channel,
        "channel_label": grumble.get_channel_display(),
        "category": grumble.category.code if grumble.category else "",
        "category_label": grumble.category.name if grumble.category else "",
        "customer_name": mask_name(masker, grumble.customer_name),
        "customer_phone": masker.phone(grumble.customer_phone),
        "content": masker.text(grumble.content),
        "handling": masker.text(grumble.handling),
        "satisfied": grumble.satisfied,
        "escalated": grumble.escalated,
        "ticket": grumble.ticket.serial if grumble.ticket_id and grumble.ticket else None,
        "created_by": person_out(grumble.created_by),
        "created_at": timezone.localtime(grumble.created_at),
    }


def grumble_stats_out(stats: GrumbleStats) -> dict[str, Any]:
    return {
        "first": stats.first,
        "last": stats.last,
        "grumbles": stats.grumbles,
        "complaints": stats.complaints,
        "agents": [
            {
                "agent": {"id": r["agent_id"], "employee_no": r["employee_no"], "name": r["name"]},
                "grumbles": r["grumbles"],
                "satisfied": r["satisfied"],
                "escalated": r["escalated"],
                "complaints": r["complaints"],
            }
            for r in stats.agents
        ],
        "categories": stats.categories,
    }
