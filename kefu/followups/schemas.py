"""Shapes of the callback API (validation of shape only; the rules are in services)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from kefu.core.masking import Masker
from kefu.core.paging import PageQuery
from kefu.core.schemas import Day, Moment
from kefu.followups.models import Attempt, CallbackTask, Method, Purpose


class ListQuery(PageQuery):
    view: Literal["mine", "open", "overdue"] = "mine"


class TaskIn(Schema):
    serial: str = Field(..., max_length=16, description="the ticket's serial (流水号)")
    purpose: Purpose = Purpose.AFTER_SALES
    method: Method = Method.PHONE
    due_at: Moment | None = Field(None, description="default: 2 working days from now")
    note: str = Field("", max_length=2000)


class AttemptIn(Schema):
    outcome: Attempt.Outcome
    note: str = Field("", max_length=2000, description="required when unsatisfied: their words")
    score: int | None = Field(None, ge=1, le=5, description="survey score at the callback")
    comment: str = Field("", max_length=500)


class StatsQuery(Schema):
    date_from: Day | None = None
    date_to: Day | None = None


class AttemptOut(Schema):
    number: int
    at: dt.datetime
    actor: str
    outcome: str
    note: str


class TaskOut(Schema):
    id: int
    serial: str
    ticket_type: str
    purpose: str
    method: str
    state: str
    outcome: str
    excluded_reason: str
    due_at: dt.datetime
    overdue: bool
    next_attempt_at: dt.datetime | None
    attempts: int
    max_attempts: int
    assignee: str | None
    phone: str = Field(description="the caller's number, masked without core.view_pii")
    contact_name: str
    history: list[AttemptOut] = []


class RatesOut(Schema):
    id: int | None
    name: str
    due: int
    done: int
    in_time: int
    open: int
    excluded: int = Field(description="declined a callback or anonymous")
    not_sampled: int
    given_up: int
    refused: int
    satisfied: int
    unsatisfied: int
    invited: int
    surveys: int = Field(description="surveys answered")
    callback_rate: float | None = Field(description="done ÷ (due − refused)")
    satisfaction_rate: float | None = Field(description="satisfied ÷ (satisfied + unsatisfied)")
    average_score: float | None


class StatsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    total: RatesOut
    agents: list[RatesOut]
    departments: list[RatesOut]


def _name(user) -> str | None:
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return staff.display_name if staff is not None else user.username


def task_out(task: CallbackTask, masker: Masker, *, now: dt.datetime) -> dict:
    ticket = task.ticket
    history = getattr(task, "attempt_list", None) or []
    return {
        "id": task.id,
        "serial": ticket.serial,
        "ticket_type": ticket.type.code,
        "purpose": task.purpose,
        "method": task.method,
        "state": task.state,
        "outcome": task.outcome,
        "excluded_reason": task.excluded_reason,
        "due_at": task.due_at,
        "overdue": task.is_open and task.due_at < now,
        "next_attempt_at": task.next_attempt_at,
        "attempts": task.attempts,
        "max_attempts": task.max_attempts,
        "assignee": _name(task.assignee) if task.assignee_id else None,
        "phone": masker.phone(ticket.caller_number),
        "contact_name": ticket.contact_name,
        "history": [
            {
                "number": a.number,
                "at": a.at,
                "actor": _name(a.actor),
                "outcome": a.outcome,
                "note": a.note,
            }
            for a in history
        ],
    }
