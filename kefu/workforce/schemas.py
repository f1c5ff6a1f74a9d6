"""API shapes of shift templates, rosters and agents' wishes and schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import StrictInt

from kefu.accounts.services import display_name
from kefu.core.paging import PageQuery
from kefu.core.schemas import Day
from kefu.workforce.models import (
    AgentWish,
    Leave,
    Roster,
    RosterShift,
    ShiftSwap,
    ShiftTemplate,
)


class TemplateIn(Schema):
    code: str = Field(..., max_length=8, description="short code shown in the grid (A, B, 夜…)")
    name: str = Field(..., max_length=40)
    start: str = Field(..., description="HH:MM on the hour or half hour")
    minutes: int = Field(..., description="worked minutes, 120–720 in half hours")
    is_night: bool = False


class TemplateOut(Schema):
    id: int
    code: str
    name: str
    start: str
    minutes: int
    is_night: bool
    is_active: bool


def template_out(t: ShiftTemplate) -> dict[str, Any]:
    return {
        "id": t.pk,
        "code": t.code,
        "name": t.name,
        "start": t.start.strftime("%H:%M"),
        "minutes": t.minutes,
        "is_night": t.is_night,
        "is_active": t.is_active,
    }


class RosterIn(Schema):
    first_day: str | None = Field(None, description="YYYY-MM-DD, today or later; default tomorrow")
    weeks: int = Field(..., description="1–4")
    member_ids: list[int] | None = Field(None, description="user ids; default every agent")
    template_ids: list[int] | None = Field(None, description="default every active template")
    reserve_percent: int = Field(10, description="reserve seats on top, % of those needed")
    festival_spare: int = Field(5, description="spare seats through a holiday's day hours")
    max_week_hours: int = 40
    min_rest_hours: int = 12
    days_off_per_week: int = 2
    time_limit_seconds: int = Field(45, description="the solver's time, 1–600 s")
    note: str = Field("", max_length=200)


class RosterQuery(PageQuery):
    status: str = Field("all", description="all, solving, draft, published, superseded, …")


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class RosterOut(Schema):
    id: int
    first_day: str
    weeks: int
    status: str
    status_label: str
    members: int
    reserve_percent: int
    festival_spare: int
    max_week_hours: int
    min_rest_hours: int
    days_off_per_week: int
    solver_status: str
    solve_seconds: float | None
    need_seat_hours: float
    short_seat_hours: float
    wishes: int
    wishes_honoured: int
    error: str
    note: str
    created_by: str
    created_at: str
    published_at: str | None


def roster_out(r: Roster) -> dict[str, Any]:
    return {
        "id": r.pk,
        "first_day": r.first_day.isoformat(),
        "weeks": r.weeks,
        "status": r.status,
        "status_label": r.get_status_display(),
        "members": getattr(r, "member_count", None) or r.members.count(),
        "reserve_percent": r.reserve_percent,
        "festival_spare": r.festival_spare,
        "max_week_hours": r.max_week_hours,
        "min_rest_hours": r.min_rest_hours,
        "days_off_per_week": r.days_off_per_week,
        "solver_status": r.solver_status,
        "solve_seconds": r.solve_seconds,
        "need_seat_hours": r.need_seat_hours,
        "short_seat_hours": r.short_seat_hours,
        "wishes": r.wishes,
        "wishes_honoured": r.wishes_honoured,
        "error": r.error,
        "note": r.note,
        "created_by": display_name(r.created_by),
        "created_at": r.created_at.isoformat(),
        "published_at": r.published_at.isoformat() if r.published_at else None,
    }


class ShiftOut(Schema):
    id: int
    user_id: int
    name: str
    day: str
    code: str
    starts_at: str
    ends_at: str
    on_leave: bool = Field(False, description="the agent has approved leave that day (请假)")


def shift_out(s: RosterShift, away: frozenset | set = frozenset()) -> dict[str, Any]:
    """A shift; ``away``: (user id, day) pairs of approved leave, to mark it."""
    return {
        "id": s.pk,
        "user_id": s.user_id,
        "name": display_name(s.user),
        "day": s.day.isoformat(),
        "code": s.template.code,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "on_leave": (s.user_id, s.day) in away,
    }


class DayCoverOut(Schema):
    date: str
    need_seat_hours: float
    reserve_seat_hours: float
    covered_seat_hours: float
    short_seat_hours: float
    short_slots: list[str]


class RosterDetailOut(RosterOut):
    shifts: list[ShiftOut]
    cover: list[DayCoverOut]


class WishIn(Schema):
    weekdays_off: list[int] = Field(default_factory=list, description="0 = Monday … 6 = Sunday")
    no_night: bool = False


class WishOut(Schema):
    weekdays_off: list[int]
    no_night: bool


def wish_out(w: AgentWish) -> dict[str, Any]:
    return {"weekdays_off": list(w.weekdays_off or []), "no_night": w.no_night}


class SwapIn(Schema):
    shift_id: int = Field(..., description="the caller's own shift (published, not begun)")
    colleague_id: int = Field(..., description="the agent asked")
    their_shift_id: int | None = Field(None, description="the colleague's shift in return")
    reason: str = Field(..., max_length=200)


class SwapQuery(PageQuery):
    status: str = Field("open", description="open (asked or agreed), all, or one status")


class DecisionIn(Schema):
    note: str = Field("", max_length=200)


class SwapOut(Schema):
    id: int
    status: str
    status_label: str
    requester: str
    colleague: str
    shift: ShiftOut
    their_shift: ShiftOut | None
    reason: str
    asked_at: str
    decision_note: str


def swap_out(s: ShiftSwap) -> dict[str, Any]:
    return {
        "id": s.pk,
        "status": s.status,
        "status_label": s.get_status_display(),
        "requester": display_name(s.requester),
        "colleague": display_name(s.colleague),
        "shift": shift_out(s.shift),
        "their_shift": shift_out(s.their_shift) if s.their_shift else None,
        "reason": s.reason,
        "asked_at": s.asked_at.isoformat(),
        "decision_note": s.decision_note,
    }


class AttendanceQuery(Schema):
    date: str | None = Field(None, description="YYYY-MM-DD; default today")


class AttendanceOut(Schema):
    user_id: int
    name: str
    code: str
    starts_at: str
    ends_at: str
    status: str
    status_label: str
    signed_in: str | None
    late_minutes: int
    left_early: bool
    signed_out: str | None


def attendance_out(a) -> dict[str, Any]:
    return {
        "user_id": a.shift.user_id,
        "name": a.name,
        "code": a.shift.template.code,
        "starts_at": a.shift.starts_at.isoformat(),
        "ends_at": a.shift.ends_at.isoformat(),
        "status": a.status,
        "status_label": a.status_label,
        "signed_in": a.signed_in.isoformat() if a.signed_in else None,
        "late_minutes": a.late_minutes,
        "left_early": a.left_early,
        "signed_out": a.signed_out.isoformat() if a.signed_out else None,
    }


class AttendanceDayOut(Schema):
    date: str
    grace_minutes: int
    items: list[AttendanceOut]


class TablesQuery(Schema):
    month: str | None = Field(None, description="YYYY-MM; default this month")


class SlotSeatsOut(Schema):
    start: str
    seats: float
    scheduled: float
    peak: int


class DayCapacityOut(Schema):
    date: str
    forecast: float
    rostered_hours: float
    capacity: float
    ratio: float | None


class DayActualOut(Schema):
    date: str
    calls: int
    answered: int
    abandoned: int
    agents: int
    hours: float
    per_agent: float | None


class DayAccuracyOut(Schema):
    date: str
    forecast: float
    actual: int
    error: float | None


class AgentLoadOut(Schema):
    user_id: int
    name: str
    rostered_hours: float
    expected: float
    answered: int
    ratio: float | None


class FiveTablesOut(Schema):
    month: str
    previous_month: str
    aht_seconds: float
    daily_seat_hours: float
    seats: list[SlotSeatsOut]
    capacity: list[DayCapacityOut]
    actual: list[DayActualOut]
    accuracy: list[DayAccuracyOut]
    agents: list[AgentLoadOut]


def five_tables_out(t) -> dict[str, Any]:
    def day(row, **extra) -> dict[str, Any]:
        values = {k: v for k, v in vars(row).items() if k != "date"}
        return {"date": row.date.isoformat(), **values, **extra}

    return {
        "month": t.month.strftime("%Y-%m"),
        "previous_month": t.previous.strftime("%Y-%m"),
        "aht_seconds": round(t.aht_seconds, 1),
        "daily_seat_hours": t.daily_seat_hours,
        "seats": [vars(s) for s in t.seats],
        "capacity": [day(d, ratio=d.ratio) for d in t.capacity],
        "actual": [day(d, per_agent=d.per_agent) for d in t.actual],
        "accuracy": [day(d) for d in t.accuracy],
        "agents": [vars(a) | {"ratio": a.ratio} for a in t.agents],
    }


class LeaveIn(Schema):
    kind: str = Field(..., description="annual, sick, personal, training or other")
    first_day: Day
    last_day: Day | None = Field(None, description="the last day away (default: first_day)")
    reason: str = Field(..., max_length=200)
    user_id: StrictInt | None = Field(
        None, description="planners: record leave for this agent (approved at once)"
    )


class LeaveQuery(PageQuery):
    status: str = Field("open", description="open (asked or approved), all, or one status")


class LeaveOut(Schema):
    id: int
    user_id: int
    name: str
    kind: str
    kind_label: str
    first_day: dt.date
    last_day: dt.date
    days: int
    reason: str
    status: str
    status_label: str
    asked_by: str
    asked_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str


def leave_out(leave: Leave) -> dict[str, Any]:
    return {
        "id": leave.pk,
        "user_id": leave.user_id,
        "name": display_name(leave.user),
        "kind": leave.kind,
        "kind_label": leave.get_kind_display(),
        "first_day": leave.first_day,
        "last_day": leave.last_day,
        "days": leave.days,
        "reason": leave.reason,
        "status": leave.status,
        "status_label": leave.get_status_display(),
        "asked_by": display_name(leave.asked_by),
        "asked_at": leave.asked_at,
        "decided_by": display_name(leave.decided_by) if leave.decided_by_id else None,
        "decided_at": leave.decided_at,
        "decision_note": leave.decision_note,
    }
