"""Rosters over the API (/api/v1/workforce): shift templates, rosters asked for, published and
discarded, and each agent's own schedule and wishes."""

from django.conf import settings
from ninja import Query, Router
from ninja.responses import Status

from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.workforce import attendance, leave, selectors, services, swaps, tables
from kefu.workforce.schemas import (
    AttendanceDayOut,
    AttendanceQuery,
    DecisionIn,
    FiveTablesOut,
    LeaveIn,
    LeaveOut,
    LeaveQuery,
    ReasonIn,
    RosterDetailOut,
    RosterIn,
    RosterOut,
    RosterQuery,
    ShiftOut,
    SwapIn,
    SwapOut,
    SwapQuery,
    TablesQuery,
    TemplateIn,
    TemplateOut,
    WishIn,
    WishOut,
    attendance_out,
    five_tables_out,
    leave_out,
    roster_out,
    shift_out,
    swap_out,
    template_out,
    wish_out,
)

router = Router(tags=["workforce"])


@router.get("/templates", response=PageOut[TemplateOut])
def list_templates(request, filters: Query[PageQuery]):
    """Shift templates (班次), active and retired (team leads, supervisors, admins)."""
    rows = services.list_templates(request.user)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    return page_out(page, template_out)


@router.post("/templates", response={201: TemplateOut})
def create_template(request, payload: TemplateIn):
    """A new shift template; 409 when the code is taken."""
    template = services.create_template(request.user, **payload.dict())
    return Status(201, template_out(template))


@router.post("/templates/{template_id}/retire", response=TemplateOut)
def retire_template(request, template_id: int):
    """Retire a template (停用): new rosters leave it out, old ones keep it."""
    return template_out(services.set_template_active(request.user, template_id, False))


@router.post("/templates/{template_id}/activate", response=TemplateOut)
def activate_template(request, template_id: int):
    """Bring a retired template back."""
    return template_out(services.set_template_active(request.user, template_id, True))


@router.get("/rosters", response=PageOut[RosterOut])
def list_rosters(request, filters: Query[RosterQuery]):
    """Rosters, the latest first (team leads, supervisors, admins)."""
    rows = selectors.list_rosters(request.user, filters.status)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    return page_out(page, roster_out)


@router.post("/rosters", response={202: RosterOut})
def create_roster(request, payload: RosterIn):
    """Ask for a roster: 202 with the roster 计算中 (solving); the solver makes it in the
    background within its time limit, then it is 待发布 (draft) with its shifts and coverage,
    or 计算失败 (failed) with why."""
    roster = services.create_roster(request.user, **payload.dict())
    roster.refresh_from_db()  # made already where background work runs inline
    return Status(202, roster_out(roster))


@router.get("/rosters/{roster_id}", response=RosterDetailOut)
def get_roster(request, roster_id: int):
    """One roster with every shift and each day's coverage (seat-hours needed, reserve,
    rostered, short, and the slots short of seats)."""
    roster = selectors.get_roster(request.user, roster_id)
    view = selectors.roster_view(roster)
    return {
        **roster_out(roster),
        "shifts": [shift_out(s) for s in view.shifts],
        "cover": [
            {
                "date": d.date.isoformat(),
                "need_seat_hours": d.need_hours,
                "reserve_seat_hours": d.reserve_hours,
                "covered_seat_hours": d.covered_hours,
                "short_seat_hours": d.short_hours,
                "short_slots": d.short_slots,
            }
            for d in view.cover
        ],
    }


@router.post("/rosters/{roster_id}/publish", response=RosterOut)
def publish_roster(request, roster_id: int):
    """Publish a draft; a published roster sharing its days is superseded. 409 otherwise."""
    return roster_out(services.publish_roster(request.user, roster_id))


@router.post("/rosters/{roster_id}/discard", response=RosterOut)
def discard_roster(request, roster_id: int, payload: ReasonIn):
    """Discard (作废) a roster not published; it stays on the list."""
    return roster_out(services.discard_roster(request.user, roster_id, reason=payload.reason))


@router.get("/me/shifts", response=PageOut[ShiftOut])
def my_shifts(request, filters: Query[PageQuery]):
    """The caller's own shifts in published rosters, the next four weeks, the first first."""
    page = paginate(selectors.my_shifts(request.user), page=filters.page, per_page=filters.per_page)
    away = selectors.leave_marks(list(page.items))
    return page_out(page, lambda s: shift_out(s, away))


@router.get("/me/wish", response=WishOut)
def my_wish(request):
    """The caller's own roster wishes."""
    return wish_out(services.wish_of(request.user))


@router.put("/me/wish", response=WishOut)
def set_my_wish(request, payload: WishIn):
    """Set the caller's wishes: up to two weekdays off (0 = Monday) and no night shifts."""
    return wish_out(
        services.set_wish(
            request.user, weekdays_off=payload.weekdays_off, no_night=payload.no_night
        )
    )


@router.get("/swaps", response=PageOut[SwapOut])
def list_swaps(request, filters: Query[SwapQuery]):
    """Shift swaps (调班): planners see all, agents those they asked or were asked; open ones
    by default, the latest first."""
    rows = swaps.list_swaps(request.user, status=filters.status)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    return page_out(page, swap_out)


@router.post("/swaps", response={201: SwapOut})
def ask_swap(request, payload: SwapIn):
    """Ask a colleague to take the caller's shift, for one of theirs (their_shift_id) or
    not; 422 when a shift is not in force or the swap would break the rest or one-a-day rule,
    409 when a swap is already open on a shift."""
    return Status(201, swap_out(swaps.ask_swap(request.user, **payload.dict())))


@router.post("/swaps/{swap_id}/agree", response=SwapOut)
def agree_swap(request, swap_id: int):
    """The colleague agrees; a planner decides next."""
    return swap_out(swaps.answer_swap(request.user, swap_id, agree=True))


@router.post("/swaps/{swap_id}/decline", response=SwapOut)
def decline_swap(request, swap_id: int):
    """The colleague declines."""
    return swap_out(swaps.answer_swap(request.user, swap_id, agree=False))


@router.post("/swaps/{swap_id}/approve", response=SwapOut)
def approve_swap(request, swap_id: int, payload: DecisionIn):
    """A planner approves: the shifts change hands (checked again)."""
    return swap_out(swaps.decide_swap(request.user, swap_id, approve=True, note=payload.note))


@router.post("/swaps/{swap_id}/reject", response=SwapOut)
def reject_swap(request, swap_id: int, payload: DecisionIn):
    """A planner rejects, with a note."""
    return swap_out(swaps.decide_swap(request.user, swap_id, approve=False, note=payload.note))


@router.post("/swaps/{swap_id}/withdraw", response=SwapOut)
def withdraw_swap(request, swap_id: int):
    """The agent who asked withdraws before it is decided."""
    return swap_out(swaps.withdraw_swap(request.user, swap_id))


@router.get("/leave", response=PageOut[LeaveOut])
def list_leave(request, filters: Query[LeaveQuery]):
    """Leave (请假): planners see everyone's, agents their own; open (asked or approved) by
    default, the latest first."""
    rows = leave.list_leave(request.user, status=filters.status)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), leave_out)


@router.post("/leave", response={201: LeaveOut})
def ask_leave(request, payload: LeaveIn):
    """Ask for the caller's own leave (待审批), or, as a planner with ``user_id``, record an
    agent's leave (approved). 409 when it overlaps leave already asked or approved."""
    return Status(201, leave_out(leave.ask_leave(request.user, **payload.dict())))


@router.post("/leave/{leave_id}/approve", response=LeaveOut)
def approve_leave(request, leave_id: int, payload: DecisionIn):
    """A planner approves: the solver leaves those days free, attendance shows 请假."""
    return leave_out(leave.decide_leave(request.user, leave_id, approve=True, note=payload.note))


@router.post("/leave/{leave_id}/reject", response=LeaveOut)
def reject_leave(request, leave_id: int, payload: DecisionIn):
    """A planner rejects, saying why."""
    return leave_out(leave.decide_leave(request.user, leave_id, approve=False, note=payload.note))


@router.post("/leave/{leave_id}/withdraw", response=LeaveOut)
def withdraw_leave(request, leave_id: int):
    """The agent withdraws their leave before it is decided."""
    return leave_out(leave.withdraw_leave(request.user, leave_id))


@router.post("/leave/{leave_id}/cancel", response=LeaveOut)
def cancel_leave(request, leave_id: int, payload: ReasonIn):
    """A planner cancels approved leave, saying why."""
    return leave_out(leave.cancel_leave(request.user, leave_id, reason=payload.reason))


@router.get("/attendance", response=AttendanceDayOut)
def day_attendance(request, filters: Query[AttendanceQuery]):
    """考勤: each published shift of a day (default today) with the agent's sign-in from their
    phone states: 准时 on_time, 迟到 late (minutes), 缺勤 absent, 未签到 waiting (begun, no
    sign-in yet), 未到班 upcoming; and 早退 left_early. Planners."""
    day = attendance.parse_attendance_day(filters.date)
    rows = attendance.day_attendance(request.user, day)
    return {
        "date": day.isoformat(),
        "grace_minutes": settings.WORKFORCE_GRACE_MINUTES,
        "items": [attendance_out(a) for a in rows],
    }


@router.get("/tables", response=FiveTablesOut)
def five_tables(request, filters: Query[TablesQuery]):
    """五表 of a month (default this month; 422 outside two years back to two months ahead):
    seats per slot and the daily average; per day, forecast calls against what the rostered
    agents can take; the month before's actual calls and staff per day; actual against
    forecast per past day; per agent, the calls their shifts were expected to take against
    those they answered. Floor watchers."""
    return five_tables_out(tables.five_tables(request.user, tables.month_asked(filters.month)))
