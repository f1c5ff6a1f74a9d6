"""Callback API: the task lists, one task, recording an attempt, manual tasks, the rates."""

from __future__ import annotations

from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status as Reply

from kefu.core.masking import Masker
from kefu.core.paging import PageOut, page_out
from kefu.followups import selectors, services
from kefu.followups.schemas import (
    AttemptIn,
    ListQuery,
    StatsOut,
    StatsQuery,
    TaskIn,
    TaskOut,
    task_out,
)

router = Router(tags=["followups"])


@router.get("", response=PageOut[TaskOut])
def list_tasks(request, filters: Query[ListQuery]):
    """Open callback tasks: ``mine``, all ``open``, ``overdue``; by due time, one page."""
    page = selectors.list_tasks(
        request.user, view=filters.view, page=filters.page, per_page=filters.per_page
    )
    masker, now = Masker(request.user), timezone.now()
    return page_out(page, lambda t: task_out(t, masker, now=now))


@router.post("", response={201: TaskOut})
def create(request, payload: TaskIn):
    """A callback task made by hand for a ticket (售后回访, ...). 409 when one is open."""
    task = services.create_callback(
        payload.serial,
        actor=request.user,
        purpose=payload.purpose,
        method=payload.method,
        due_at=payload.due_at,
        note=payload.note,
    )
    return Reply(201, _detail(request, task.id))


@router.get("/stats", response=StatsOut)
def stats(request, filters: Query[StatsQuery]):
    """Callback and satisfaction rates per agent and per department (default: this month)."""
    report = selectors.callback_rates(
        request.user, date_from=filters.date_from, date_to=filters.date_to
    )
    return {
        "date_from": report.date_from,
        "date_to": report.date_to,
        "total": report.total.as_dict(),
        "agents": [r.as_dict() for r in report.agents],
        "departments": [r.as_dict() for r in report.departments],
    }


def _detail(request, task_id: int) -> dict:
    task = selectors.get_task(request.user, task_id)
    return task_out(task, Masker(request.user), now=timezone.now())


@router.get("/{int:task_id}", response=TaskOut)
def detail(request, task_id: int):
    return _detail(request, task_id)


@router.post("/{int:task_id}/attempts", response={201: TaskOut})
def attempt(request, task_id: int, payload: AttemptIn):
    """Record a callback attempt: satisfied (the ticket is followed up), unsatisfied (sent back
    to its department), unreachable (tried again later, then given up) or refused."""
    services.record_attempt(
        task_id,
        actor=request.user,
        outcome=payload.outcome,
        note=payload.note,
        score=payload.score,
        comment=payload.comment,
    )
    return Reply(201, _detail(request, task_id))
