"""The CTI endpoint, compatible with PBX scripts written for Zammad's generic CTI API
(``router``, under /api/v1/cti), and the blacklist and the callback worklist
(``telephony_router``, under /api/v1/telephony). Thin: each calls one service."""

from __future__ import annotations

import hmac

from django.conf import settings
from ninja import Query, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.responses import Status

from kefu.core.bodies import load_json
from kefu.core.masking import Masker
from kefu.core.paging import PageOut, page_out, paginate
from kefu.telephony import blacklist, callbacks, floor, ladder, planning
from kefu.telephony.schemas import (
    AgentStateIn,
    AgentStateOut,
    BlacklistIn,
    BlacklistOut,
    BlacklistQuery,
    CallbackCountsOut,
    CallbackOut,
    CallbackQuery,
    FloorOut,
    LadderQuery,
    LadderStepOut,
    NoteIn,
    PlanOut,
    PlanQuery,
    ReasonIn,
    StepNoteIn,
    agent_state_out,
    blacklist_out,
    callback_out,
    floor_out,
    ladder_step_out,
    plan_out,
)
from kefu.telephony.services import answer_cti_event

router = Router(tags=["telephony"])
telephony_router = Router(tags=["telephony"])


def _params(request) -> dict:
    content_type = request.content_type or ""
    if content_type.startswith("application/json"):
        try:
            body = load_json(request.body or b"{}")
        except ValueError as exc:  # not JSON, or nested too deep: 400, like the API's parser
            raise HttpError(400, "unreadable body") from exc
        return body if isinstance(body, dict) else {}
    data = request.POST if request.method == "POST" else request.GET
    params = {key.removesuffix("[]"): data.get(key) for key in data}
    users = data.getlist("user[]") or data.getlist("user")
    params["user"] = users
    return params


@router.post("/{token}", auth=None, include_in_schema=True)
def cti_event(request, token: str):
    """newCall / answer / hangup events from the PBX (Zammad generic CTI format).

    The secret is the last part of the URL (set KEFU_CTI_TOKEN). Answers ``{}`` like Zammad,
    or ``{"action": "reject", "reason": "busy"}`` to a newCall from a blocked number.
    """
    expected = settings.CTI_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        # The API's AuthenticationError handler answers 401 {"code": "unauthorized", ...}.
        # (A Router template has no ``.api`` in django-ninja 1.7: that used to crash with a 500.)
        raise AuthenticationError()
    return answer_cti_event(_params(request))


@telephony_router.get("/blacklist", response=PageOut[BlacklistOut])
def list_blacklist(request, filters: Query[BlacklistQuery]):
    """The blacklist (center staff), newest first, one page; numbers masked for roles without
    the personal-data permission."""
    qs = blacklist.list_blacklist(
        request.user, number=filters.number, kind=filters.kind, state=filters.state
    )
    masker = Masker(request.user)
    page = paginate(qs, page=filters.page, per_page=filters.per_page)
    return page_out(page, lambda e: blacklist_out(e, masker))


@telephony_router.post("/blacklist", response={201: BlacklistOut})
def add_to_blacklist(request, payload: BlacklistIn):
    """Add a number: team leads, supervisors, admins (block or flag); agents (flag only).
    409 when the number has an entry in force."""
    entry = blacklist.add_blacklist_entry(
        payload.number,
        actor=request.user,
        kind=payload.kind,
        reason=payload.reason,
        until=payload.until,
    )
    return Status(201, blacklist_out(entry, Masker(request.user)))


@telephony_router.post("/blacklist/{entry_id}/lift", response=BlacklistOut)
def lift(request, entry_id: int, payload: ReasonIn):
    """Lift (解除) an entry with a reason; the row is kept (team leads, supervisors, admins)."""
    entry = blacklist.lift_blacklist_entry(entry_id, actor=request.user, reason=payload.reason)
    return blacklist_out(entry, Masker(request.user))


@telephony_router.get("/callbacks", response=PageOut[CallbackOut])
def list_callbacks(request, filters: Query[CallbackQuery]):
    """The missed-call worklist (未接来电回拨, center staff): open entries first, the earliest
    time limit first; one page."""
    qs = callbacks.list_callbacks(request.user, status=filters.status, number=filters.number)
    masker = Masker(request.user)
    page = paginate(qs, page=filters.page, per_page=filters.per_page)
    return page_out(page, lambda e: callback_out(e, masker))


@telephony_router.get("/callbacks/counts", response=CallbackCountsOut)
def callback_counts(request):
    """Open and overdue entries of the worklist (center staff)."""
    counts = callbacks.count_callbacks(request.user)
    return {"open": counts.open, "overdue": counts.overdue}


@telephony_router.post("/callbacks/{entry_id}/close", response=CallbackOut)
def close_callback(request, entry_id: int, payload: NoteIn):
    """Close an entry by hand: no callback needed (无需回拨), with why."""
    entry = callbacks.close_callback(entry_id, actor=request.user, note=payload.note)
    return callback_out(entry, Masker(request.user))


@telephony_router.get("/floor", response=FloorOut)
def get_floor(request):
    """The floor now (话务监控: team leads, supervisors, quality, the general manager, admins):
    calls waiting, longest wait, today's service level, answer and abandon rates, each
    agent's state and occupancy, the emergency-staffing steps in force."""
    floor.require_floor_watcher(request.user)
    return floor_out(floor.get_floor(request.user), ladder.active_steps())


@telephony_router.get("/agents/me/state", response=AgentStateOut)
def my_state(request):
    """The caller's own phone state."""
    return agent_state_out(floor.own_state(request.user))


@telephony_router.post("/agents/me/state", response=AgentStateOut)
def set_my_state(request, payload: AgentStateIn):
    """The agent's state button: ready (就绪), break (小休) or offline (离线). 409 while on a
    call."""
    return agent_state_out(floor.change_own_state(request.user, payload.state))


@telephony_router.get("/ladder", response=PageOut[LadderStepOut])
def list_ladder(request, filters: Query[LadderQuery]):
    """The emergency-staffing record (应急增援), newest first, one page."""
    page = paginate(ladder.list_steps(request.user), page=filters.page, per_page=filters.per_page)
    return page_out(page, ladder_step_out)


@telephony_router.post("/ladder/{step_id}/answer", response=LadderStepOut)
def answer_ladder_step(request, step_id: int, payload: StepNoteIn):
    """Answer a step (已安排): who was brought in (team leads, supervisors, admins)."""
    return ladder_step_out(ladder.answer_step(step_id, actor=request.user, note=payload.note))


@telephony_router.post("/ladder/{step_id}/sign-out", response=LadderStepOut)
def sign_out_ladder_step(request, step_id: int, payload: StepNoteIn):
    """Sign a step's people out (撤回), latest step first (409 otherwise)."""
    return ladder_step_out(ladder.sign_out_step(step_id, actor=request.user, note=payload.note))


@telephony_router.get("/plan", response=PlanOut)
def seat_plan(request, filters: Query[PlanQuery]):
    """排班需求: a day's call forecast per 30-minute slot and the seats it needs (Erlang C, to
    the service level); 422 for a date that is not YYYY-MM-DD or not within 62 days ahead."""
    return plan_out(planning.plan_day(request.user, planning.parse_day(filters.date)))
