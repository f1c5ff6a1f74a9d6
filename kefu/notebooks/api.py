"""The agent's notebooks over the API (/api/v1/notebooks): the problem log and its weekly
collections, the service count with its manual entries, and the grumbles with their monthly
count next to the complaints."""

from __future__ import annotations

from ninja import Query, Router
from ninja.responses import Status

from kefu.core.masking import Masker
from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.core.services import record_unmasked_read
from kefu.notebooks import access, selectors, services
from kefu.notebooks.models import Grumble
from kefu.notebooks.schemas import (
    CollectionOut,
    CorrectIn,
    CountQuery,
    EscalatedOut,
    EscalateIn,
    ForwardIn,
    GrumbleIn,
    GrumbleOut,
    GrumbleQuery,
    GrumbleStatsOut,
    MonthQuery,
    NotebookAnswerIn,
    NotebookCloseIn,
    NotebookEntryIn,
    NotebookEntryOut,
    NotebookEntryQuery,
    ProblemIn,
    ProblemOut,
    ProblemQuery,
    ServiceCountOut,
    collection_out,
    entry_out,
    grumble_out,
    grumble_stats_out,
    problem_out,
    service_count_out,
)

router = Router(tags=["notebooks"])


# --- problems ---------------------------------------------------------------------------------


@router.get("/problems", response=PageOut[ProblemOut])
def list_problems(request, filters: Query[ProblemQuery]):
    """Problems the caller sees (an agent their own, a lead the team's), the newest first."""
    access.require_read(request.user)
    rows = selectors.list_problems(
        request.user, status=filters.status, category=filters.category, mine=filters.mine
    )
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    masker = Masker(request.user)
    return page_out(page, lambda p: problem_out(p, masker))


@router.post("/problems", response={201: ProblemOut})
def create_problem(request, payload: ProblemIn):
    """问题登记: a problem met in the work (``ticket``: the serial it came from)."""
    problem = services.record_problem(
        request.user, category=payload.category, text=payload.text, ticket_serial=payload.ticket
    )
    return Status(201, problem_out(problem, Masker(request.user)))


@router.get("/problems/{problem_id}", response=ProblemOut)
def get_problem(request, problem_id: int):
    return problem_out(access.access_problem(request.user, problem_id), Masker(request.user))


@router.post("/problems/{problem_id}/answer", response=ProblemOut)
def answer_problem(request, problem_id: int, payload: NotebookAnswerIn):
    """答复 a collected problem, once (a second answer: 409)."""
    return problem_out(
        services.answer_problem(request.user, problem_id, text=payload.text), Masker(request.user)
    )


@router.post("/problems/{problem_id}/forward", response=ProblemOut)
def forward_problem(request, problem_id: int, payload: ForwardIn):
    """转交 to another lead or supervisor who then may answer it."""
    problem = services.forward_problem(
        request.user, problem_id, to_user_id=payload.to, note=payload.note
    )
    return problem_out(problem, Masker(request.user))


@router.post("/problems/{problem_id}/close", response=ProblemOut)
def close_problem(request, problem_id: int, payload: NotebookCloseIn):
    """关闭 as a duplicate of ``duplicate_of``."""
    problem = services.close_problem(request.user, problem_id, duplicate_of=payload.duplicate_of)
    return problem_out(problem, Masker(request.user))


@router.get("/collections", response=PageOut[CollectionOut])
def list_collections(request, filters: Query[PageQuery]):
    """The weekly collections (汇总): a team lead's own, a supervisor's team's."""
    access.require_lead(request.user)
    page = paginate(
        selectors.list_collections(request.user), page=filters.page, per_page=filters.per_page
    )
    return page_out(page, collection_out)


# --- the service count ------------------------------------------------------------------------


@router.get("/entries", response=PageOut[NotebookEntryOut])
def list_entries(request, filters: Query[NotebookEntryQuery]):
    """Manual lines of the service count, corrections included (the newest day first)."""
    access.require_read(request.user)
    first, last = selectors.period_of(filters.year, filters.month)
    rows = selectors.list_entries(request.user, first=first, last=last, agent_id=filters.agent)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    return page_out(page, entry_out)


@router.post("/entries", response={201: NotebookEntryOut})
def create_entry(request, payload: NotebookEntryIn):
    """A manual line of my service count (现场咨询, 指路, 借用物品...)."""
    entry = services.add_entry(
        request.user, day=payload.day, kind=payload.kind, count=payload.count, note=payload.note
    )
    return Status(201, entry_out(entry))


@router.post("/entries/{entry_id}/correct", response={201: NotebookEntryOut})
def correct_entry(request, entry_id: int, payload: CorrectIn):
    """更正: ``count`` is the right number; the difference is added as a new line."""
    row = services.correct_entry(request.user, entry_id, count=payload.count, note=payload.note)
    return Status(201, entry_out(row))


@router.get("/counts", response=ServiceCountOut)
def service_count(request, filters: Query[CountQuery]):
    """服务统计 of a month: per agent and day, per agent and in all (an agent: their own)."""
    first, last = selectors.month_of(filters.year, filters.month)
    result = selectors.service_count(request.user, first=first, last=last, agent_id=filters.agent)
    return service_count_out(result)


# --- grumbles ---------------------------------------------------------------------------------


@router.get("/grumbles", response=PageOut[GrumbleOut])
def list_grumbles(request, filters: Query[GrumbleQuery]):
    """抱怨登记, the latest first; the customer's name and phone masked by permission."""
    access.require_read(request.user)
    first, last = selectors.period_of(filters.year, filters.month)
    rows = selectors.list_grumbles(
        request.user, first=first, last=last, escalated=filters.escalated
    )
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    _audit_shown(request.user, page.items)
    masker = Masker(request.user)
    return page_out(page, lambda g: grumble_out(g, masker))


@router.get("/grumbles/stats", response=GrumbleStatsOut)
def grumble_stats(request, filters: Query[MonthQuery]):
    """The month's grumbles per agent and category, next to the complaint tickets."""
    first, last = selectors.month_of(filters.year, filters.month)
    return grumble_stats_out(selectors.grumble_stats(request.user, first=first, last=last))


@router.post("/grumbles", response={201: GrumbleOut})
def create_grumble(request, payload: GrumbleIn):
    grumble = services.record_grumble(request.user, services.GrumbleIn(**payload.dict()))
    return Status(201, grumble_out(grumble, Masker(request.user)))


@router.get("/grumbles/{grumble_id}", response=GrumbleOut)
def get_grumble(request, grumble_id: int):
    grumble = access.access_grumble(request.user, grumble_id)
    _audit_shown(request.user, [grumble])
    return grumble_out(grumble, Masker(request.user))


@router.post("/grumbles/{grumble_id}/escalate", response={201: EscalatedOut})
def escalate_grumble(request, grumble_id: int, payload: EscalateIn):
    """转投诉: a complaint ticket is made from the grumble (once; again: 409)."""
    ticket = services.escalate_grumble(request.user, grumble_id, note=payload.note)
    grumble = access.access_grumble(request.user, grumble_id)
    return Status(
        201, {"grumble": grumble_out(grumble, Masker(request.user)), "ticket": ticket.serial}
    )


def _audit_shown(user, grumbles) -> None:
    record_unmasked_read(
        actor=user,
        action="notebooks.grumbles.read",
        model=Grumble,
        ids=[g.pk for g in grumbles if g.customer_phone],
    )
