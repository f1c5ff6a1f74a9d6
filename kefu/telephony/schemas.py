"""API shapes of the blacklist and the callback worklist (numbers masked by the viewer's
permission: kefu.core.masking)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from ninja import Field, Schema

from kefu.accounts.services import display_name
from kefu.core.masking import Masker
from kefu.core.paging import PageQuery
from kefu.core.schemas import Moment
from kefu.telephony.floor import Floor
from kefu.telephony.models import AgentState, BlacklistEntry, LadderStep, MissedCallback


class BlacklistIn(Schema):
    number: str = Field(..., max_length=40, description="the number, in any format")
    kind: str = Field(..., description="block (拒接: the PBX rejects) or flag (标记: warned)")
    reason: str = Field(..., max_length=200)
    until: Moment | None = Field(None, description="the end; none: no end")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class NoteIn(Schema):
    note: str = Field(..., max_length=200, description="why no callback is needed (无需回拨)")


class StepNoteIn(Schema):
    note: str = Field("", max_length=200)


class BlacklistQuery(PageQuery):
    number: str = Field("", max_length=40)
    kind: str = Field("", description="block or flag; empty: both")
    state: str = Field("in_force", description="in_force, expired, lifted or all")


class CallbackQuery(PageQuery):
    number: str = Field("", max_length=40)
    status: str = Field("open", description="open, overdue, closed or all")


class BlacklistOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    reason: str
    until: dt.datetime | None
    in_force: bool
    is_active: bool
    added_by: str
    added_at: dt.datetime
    lifted_by: str
    lifted_at: dt.datetime | None
    lift_reason: str


def blacklist_out(entry: BlacklistEntry, masker: Masker) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "number": masker.phone(entry.number),
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "reason": entry.reason,
        "until": entry.until,
        "in_force": entry.applies_at(timezone.now()),
        "is_active": entry.is_active,
        "added_by": display_name(entry.added_by),
        "added_at": entry.added_at,
        "lifted_by": display_name(entry.lifted_by),
        "lifted_at": entry.lifted_at,
        "lift_reason": entry.lift_reason,
    }


class CallbackOut(Schema):
    id: int
    number: str
    day: dt.date
    customer_id: int | None
    customer_name: str
    attempts: int
    first_at: dt.datetime
    last_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    status: str
    closing: str
    closing_note: str
    closed_at: dt.datetime | None
    closed_by: str


def callback_out(entry: MissedCallback, masker: Masker) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "number": masker.phone(entry.number),
        "day": entry.day,
        "customer_id": entry.customer_id,
        "customer_name": entry.customer.name if entry.customer is not None else "",
        "attempts": entry.attempts,
        "first_at": entry.first_at,
        "last_at": entry.last_at,
        "due_at": entry.due_at,
        "overdue": entry.overdue_at(timezone.now()),
        "status": entry.status,
        "closing": entry.closing,
        "closing_note": entry.closing_note,
        "closed_at": entry.closed_at,
        "closed_by": display_name(entry.closed_by),
    }


class CallbackCountsOut(Schema):
    open: int
    overdue: int


class AgentStateIn(Schema):
    state: str = Field(..., description="ready (就绪), break (小休) or offline (离线)")


class AgentStateOut(Schema):
    state: str
    label: str
    since: dt.datetime | None


def agent_state_out(state: AgentState | None) -> dict[str, Any]:
    if state is None:
        return {
            "state": AgentState.State.OFFLINE,
            "label": str(AgentState.State.OFFLINE.label),
            "since": None,
        }
    return {"state": state.state, "label": str(state.get_state_display()), "since": state.since}


class QueueLineOut(Schema):
    name: str
    waiting: int
    longest_wait_seconds: int
    reported: bool


class AgentLineOut(Schema):
    user_id: int
    name: str
    employee_no: str
    state: str
    state_label: str
    since: dt.datetime
    seconds_in_state: int
    calls: int
    talk_seconds: int
    wrapup_seconds: int
    average_wrapup_seconds: int | None
    break_seconds: int
    occupancy: float | None


class LadderStepOut(Schema):
    id: int
    step: str
    step_label: str
    raised_at: dt.datetime
    waiting: int
    longest_wait_seconds: int
    people: list[dict[str, Any]]
    seats_short: int | None
    answered_by: str
    answered_at: dt.datetime | None
    answer_note: str
    sign_out_advised_at: dt.datetime | None
    signed_out_by: str
    signed_out_at: dt.datetime | None
    sign_out_note: str


def ladder_step_out(step: LadderStep) -> dict[str, Any]:
    return {
        "id": step.pk,
        "step": step.step,
        "step_label": str(step.get_step_display()),
        "raised_at": step.raised_at,
        "waiting": step.waiting,
        "longest_wait_seconds": step.longest_wait_seconds,
        "people": step.people,
        "seats_short": step.seats_short,
        "answered_by": display_name(step.answered_by),
        "answered_at": step.answered_at,
        "answer_note": step.answer_note,
        "sign_out_advised_at": step.sign_out_advised_at,
        "signed_out_by": display_name(step.signed_out_by),
        "signed_out_at": step.signed_out_at,
        "sign_out_note": step.sign_out_note,
    }


class FloorOut(Schema):
    at: dt.datetime
    waiting: int
    longest_wait_seconds: int
    queues: list[QueueLineOut]
    offered: int
    answered: int
    abandoned: int
    answered_in_target: int
    target_seconds: int
    service_level: float | None = Field(None, description="percent answered within target")
    answer_rate: float | None
    abandon_rate: float | None
    calls_in_progress: int
    line_occupancy: float | None
    occupancy: float | None
    agents_by_state: dict[str, int]
    agents: list[AgentLineOut]
    ladder: list[LadderStepOut] = Field(..., description="the emergency steps in force")


def floor_out(floor: Floor, ladder: list[LadderStep]) -> dict[str, Any]:
    calls = floor.calls
    return {
        "at": floor.at,
        "waiting": floor.queue.waiting,
        "longest_wait_seconds": floor.queue.longest_wait_seconds,
        "queues": [vars(line) for line in floor.queue.lines],
        "offered": calls.offered,
        "answered": calls.answered,
        "abandoned": calls.abandoned,
        "answered_in_target": calls.answered_in_target,
        "target_seconds": calls.target_seconds,
        "service_level": calls.service_level,
        "answer_rate": calls.answer_rate,
        "abandon_rate": calls.abandon_rate,
        "calls_in_progress": calls.in_progress,
        "line_occupancy": floor.line_occupancy,
        "occupancy": floor.occupancy,
        "agents_by_state": {key: n for key, _label, n in floor.state_counts},
        "agents": [
            vars(a) | {"occupancy": a.occupancy, "average_wrapup_seconds": a.average_wrapup_seconds}
            for a in floor.agents
        ],
        "ladder": [ladder_step_out(s) for s in ladder],
    }


class LadderQuery(PageQuery):
    pass


class PlanQuery(Schema):
    date: str | None = Field(
        None, description="YYYY-MM-DD, today up to 62 days ahead; default tomorrow"
    )


class PlanSlotOut(Schema):
    start: str
    calls: float
    seats: int
    scheduled: int
    service_level: float
    occupancy: float


class PlanOut(Schema):
    date: str
    as_of: str
    day_type: str
    calls: float
    level: float
    month_start: float
    after_holiday: float
    events: list[str]
    aht_seconds: float
    peak_seats: int
    seat_hours: float
    service_level_target: float
    service_level_seconds: int
    slots: list[PlanSlotOut]


def plan_out(plan) -> dict[str, Any]:
    return {
        "date": plan.date.isoformat(),
        "as_of": plan.as_of.isoformat(),
        "day_type": plan.day.day_type,
        "calls": round(plan.calls, 2),
        "level": round(plan.day.level, 2),
        "month_start": round(plan.day.month_start, 3),
        "after_holiday": round(plan.day.after_holiday, 3),
        "events": plan.day.events,
        "aht_seconds": round(plan.aht_seconds, 1),
        "peak_seats": plan.peak_seats,
        "seat_hours": plan.seat_hours,
        "service_level_target": settings.TELEPHONY_SERVICE_PERCENT / 100,
        "service_level_seconds": settings.TELEPHONY_SERVICE_SECONDS,
        "slots": [
            {
                "start": s.start,
                "calls": round(s.calls, 2),
                "seats": s.seats,
                "scheduled": s.scheduled,
                "service_level": round(s.service_level, 4),
                "occupancy": round(s.occupancy, 4),
            }
            for s in plan.slots
        ],
    }
