"""API shapes of outbound lists, their numbers and attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from kefu.accounts.services import display_name
from kefu.core.masking import Masker
from kefu.core.paging import PageQuery
from kefu.core.schemas import Day, Moment
from kefu.outbound.models import OutboundAttempt, OutboundEntry, OutboundList, OutboundPurpose

PURPOSES = "one of " + ", ".join(OutboundPurpose.values)


class ListIn(Schema):
    name: str = Field(..., max_length=60)
    purpose: str = Field(..., description=PURPOSES)
    source: str = Field(
        ..., description="callbacks, churned, survey or notice (excel: POST /lists/excel)"
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "callbacks: purpose (a callback purpose), due_by (YYYY-MM-DD); churned: members with "
            "no purchase for quiet_days days (1–3650, default 90), of store (a store's code; "
            "default every store), with tag (optional); "
            "survey: date_from, date_to (resolved between), percent (1–100, default 10), "
            "ticket_type (a type code); notice: notice (its id), unreached (true: only the "
            "customers its SMS did not reach)"
        ),
    )
    script: str = Field(
        "", description="a standard script's scene code (标准话术), e.g. outbound_opener"
    )
    talking_points: str = Field("", max_length=2000)
    max_attempts: int = Field(3, description="1–10 tries of a number not answered")
    retry_minutes: int = Field(
        120, description="minutes before a number not answered is tried again, 5–10080"
    )
    call_from: dt.time = dt.time(9, 0)
    call_until: dt.time = dt.time(20, 0)
    ends_on: Day | None = None
    agents: list[int] = Field(
        default_factory=list, description="user ids; empty: every agent may work it"
    )
    branch: int | None = Field(None, description="a branch id (center-wide leads only)")


class ExcelListIn(Schema):
    name: str = Field(..., max_length=60)
    purpose: str = Field(..., description=PURPOSES)
    script: str = ""
    talking_points: str = ""
    max_attempts: int = 3
    retry_minutes: int = 120
    call_from: dt.time = dt.time(9, 0)
    call_until: dt.time = dt.time(20, 0)
    ends_on: Day | None = None
    agents: str = Field("", description="user ids separated by commas")
    branch: int | None = None


class ListQuery(PageQuery):
    status: str = Field("open", description="open, active, closed or all")


class RowErrorOut(Schema):
    row: int
    field: str
    message: str


class ListOut(Schema):
    id: int
    name: str
    purpose: str
    purpose_label: str
    source: str
    source_label: str
    source_detail: dict[str, Any]
    status: str
    status_label: str
    branch: str | None
    script: str | None
    talking_points: str
    max_attempts: int
    retry_minutes: int
    call_from: str
    call_until: str
    ends_on: dt.date | None
    total: int
    agents: list[int]
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str


def list_out(o: OutboundList) -> dict[str, Any]:
    return {
        "id": o.pk,
        "name": o.name,
        "purpose": o.purpose,
        "purpose_label": o.get_purpose_display(),
        "source": o.source,
        "source_label": o.get_source_display(),
        "source_detail": o.source_detail,
        "status": o.status,
        "status_label": o.get_status_display(),
        "branch": o.branch.name if o.branch is not None else None,
        "script": o.script.scene if o.script is not None else None,
        "talking_points": o.talking_points,
        "max_attempts": o.max_attempts,
        "retry_minutes": o.retry_minutes,
        "call_from": o.call_from.strftime("%H:%M"),
        "call_until": o.call_until.strftime("%H:%M"),
        "ends_on": o.ends_on,
        "total": o.total,
        "agents": sorted(o.agents.values_list("pk", flat=True)),
        "created_by": display_name(o.created_by),
        "created_at": o.created_at,
        "started_at": o.started_at,
        "closed_at": o.closed_at,
        "close_reason": o.close_reason,
    }


class BuiltOut(Schema):
    outbound: ListOut
    added: int
    excluded: int
    duplicates: int
    no_number: int
    errors: list[RowErrorOut]


class ReasonIn(Schema):
    reason: str = ""


class AgentsIn(Schema):
    agents: list[int]


class StateCountOut(Schema):
    state: str
    label: str
    count: int


class AgentProgressOut(Schema):
    user_id: int
    name: str
    employee_no: str
    attempts: int
    reached: int
    completed: int
    reach_rate: float | None
    last_at: dt.datetime | None


class ProgressOut(Schema):
    total: int
    open: int
    finished: int
    percent_finished: int
    done: int
    attempts: int
    reach_rate: float | None
    success_rate: float | None
    average_score: float | None
    states: list[StateCountOut]
    agents: list[AgentProgressOut]


def progress_out(p) -> dict[str, Any]:
    return {
        "total": p.total,
        "open": p.open,
        "finished": p.finished,
        "percent_finished": p.percent_finished,
        "done": p.done,
        "attempts": p.attempts,
        "reach_rate": p.reach_rate,
        "success_rate": p.success_rate,
        "average_score": p.average_score,
        "states": [{"state": s, "label": label, "count": n} for s, label, n in p.states()],
        "agents": [
            {
                "user_id": a.user_id,
                "name": a.name,
                "employee_no": a.employee_no,
                "attempts": a.attempts,
                "reached": a.reached,
                "completed": a.completed,
                "reach_rate": a.reach_rate,
                "last_at": a.last_at,
            }
            for a in p.agents
        ],
    }


class EntryQuery(PageQuery):
    state: str = Field("all", description="all, open, or one state")
    number: str = ""


class EntryOut(Schema):
    id: int
    list_id: int
    name: str
    number: str = Field(..., description="masked for roles without the personal-data permission")
    customer_id: int | None
    ticket: str | None
    callback_task_id: int | None
    note: str
    state: str
    state_label: str
    attempts: int
    max_attempts: int
    next_attempt_at: dt.datetime | None
    appointment: bool
    held_by: str | None
    held_until: dt.datetime | None
    last_agent: str | None
    result: str
    score: int | None
    excluded_reason: str
    finished_at: dt.datetime | None


def entry_out(e: OutboundEntry, masker: Masker) -> dict[str, Any]:
    return {
        "id": e.pk,
        "list_id": e.outbound_id,
        "name": e.name,
        "number": masker.phone(e.number),
        "customer_id": e.customer_id,
        "ticket": e.ticket.serial if e.ticket is not None else None,
        "callback_task_id": e.callback_task_id,
        "note": e.note,
        "state": e.state,
        "state_label": e.get_state_display(),
        "attempts": e.attempts,
        "max_attempts": e.max_attempts,
        "next_attempt_at": e.next_attempt_at,
        "appointment": e.appointment,
        "held_by": display_name(e.held_by) if e.held_by_id else None,
        "held_until": e.held_until,
        "last_agent": display_name(e.last_agent) if e.last_agent_id else None,
        "result": e.result,
        "score": e.score,
        "excluded_reason": e.excluded_reason,
        "finished_at": e.finished_at,
    }


class AttemptOut(Schema):
    number: int
    at: dt.datetime
    actor: str
    outcome: str
    outcome_label: str
    note: str
    call_at: dt.datetime | None
    call_id: str | None
    recording_url: str | None


def attempt_out(a: OutboundAttempt) -> dict[str, Any]:
    return {
        "number": a.number,
        "at": a.at,
        "actor": display_name(a.actor),
        "outcome": a.outcome,
        "outcome_label": a.get_outcome_display(),
        "note": a.note,
        "call_at": a.call_at,
        "call_id": a.call.call_id if a.call is not None else None,
        "recording_url": (a.call.recording_url or None) if a.call is not None else None,
    }


class ScriptOut(Schema):
    name: str
    text: str


class EntryDetailOut(EntryOut):
    attempt_list: list[AttemptOut]
    script: list[ScriptOut]


class NextOut(Schema):
    entry: EntryDetailOut | None
    next_at: dt.datetime | None = Field(
        None, description="nothing due now: when the next number is (null: the list is worked out)"
    )


class DialOut(Schema):
    mode: str = Field(..., description="pbx: the PBX is ringing the agent; tel: dial the uri")
    uri: str
    message: str


class AttemptIn(Schema):
    outcome: str = Field(..., description="one of " + ", ".join(OutboundAttempt.Outcome.values))
    note: str = Field("", max_length=2000)
    call_at: Moment | None = Field(None, description="call_later: the time agreed")
    score: int | None = Field(None, description="1–5, when reached (required on survey lists)")
