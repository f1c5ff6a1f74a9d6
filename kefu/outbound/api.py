"""Outbound lists over the API (/api/v1/outbound): make a list from a source or an Excel file,
start, pause and close it, choose its agents, read its numbers and progress; an agent takes
the next number, dials it and records what came of it."""

from __future__ import annotations

from typing import Any

from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from kefu.core.masking import Masker
from kefu.core.paging import PageOut, page_out, paginate
from kefu.core.uploads import checked_upload
from kefu.outbound import selectors, services
from kefu.outbound.schemas import (
    AgentsIn,
    AttemptIn,
    BuiltOut,
    DialOut,
    EntryDetailOut,
    EntryOut,
    EntryQuery,
    ExcelListIn,
    ListIn,
    ListOut,
    ListQuery,
    NextOut,
    ProgressOut,
    ReasonIn,
    attempt_out,
    entry_out,
    list_out,
    progress_out,
)

router = Router(tags=["outbound"])


def _built(built: services.Built) -> dict[str, Any]:
    return {
        "outbound": list_out(built.outbound),
        "added": built.added,
        "excluded": built.excluded,
        "duplicates": built.duplicates,
        "no_number": built.no_number,
        "errors": built.errors,
    }


def _detail(request, entry) -> dict[str, Any]:
    return entry_out(entry, Masker(request.user)) | {
        "attempt_list": [attempt_out(a) for a in selectors.attempts_of(entry)],
        "script": [
            {"name": s.name, "text": s.text} for s in selectors.script_of(request.user, entry)
        ],
    }


@router.get("/lists", response=PageOut[ListOut])
def list_lists(request, filters: Query[ListQuery]):
    """Outbound lists the caller may see, the newest first (agents: the started lists they
    may work)."""
    rows = selectors.list_lists(request.user, status=filters.status)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), list_out)


@router.post("/lists", response={201: BuiltOut})
def create_list(request, payload: ListIn):
    """A new list (未开始) from callbacks, churned members, a survey sample or a notice's
    customers (team leads, supervisors, admins)."""
    data = services.ListIn(**payload.dict() | {"agents": tuple(payload.agents)})
    return Status(201, _built(services.create_list(request.user, data)))


@router.post("/lists/excel", response={201: BuiltOut})
def create_list_from_excel(request, payload: Form[ExcelListIn], file: File[UploadedFile]):
    """A new list from an .xlsx sheet: a 电话 column, optional 姓名 and 备注 columns. Rows
    without a number come back in ``errors`` with their row numbers."""
    checked_upload(file)
    fields = payload.dict()
    agents = services.parse_ids(fields.pop("agents"), field="agents")
    data = services.ListIn(**fields, source="excel", params={}, agents=agents)
    return Status(201, _built(services.create_list(request.user, data, file=file.read())))


@router.get("/lists/{list_id}", response=ListOut)
def get_list(request, list_id: int):
    return list_out(services.access_list(request.user, list_id))


@router.get("/lists/{list_id}/progress", response=ProgressOut)
def list_progress(request, list_id: int):
    """The list's numbers by state, its attempts and each agent's progress."""
    return progress_out(selectors.progress(services.access_list(request.user, list_id)))


@router.post("/lists/{list_id}/start", response=ListOut)
def start_list(request, list_id: int):
    return list_out(services.move_list(request.user, list_id, "start"))


@router.post("/lists/{list_id}/pause", response=ListOut)
def pause_list(request, list_id: int):
    return list_out(services.move_list(request.user, list_id, "pause"))


@router.post("/lists/{list_id}/close", response=ListOut)
def close_list(request, list_id: int, payload: ReasonIn):
    """End the list: numbers not reached are cancelled, the attempts stay."""
    return list_out(services.close_list(request.user, list_id, reason=payload.reason))


@router.put("/lists/{list_id}/agents", response=ListOut)
def set_agents(request, list_id: int, payload: AgentsIn):
    """Who works the list (an empty list: every agent who may see it)."""
    return list_out(services.set_agents(request.user, list_id, payload.agents))


@router.get("/lists/{list_id}/entries", response=PageOut[EntryOut])
def list_entries(request, list_id: int, filters: Query[EntryQuery]):
    """The list's numbers (masked for roles without the personal-data permission)."""
    outbound = services.access_list(request.user, list_id)
    rows = selectors.list_entries(
        request.user, outbound, state=filters.state, number=filters.number
    )
    masker = Masker(request.user)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    services.audit_entries_shown(request.user, outbound, page.items, how="list")
    return page_out(page, lambda e: entry_out(e, masker))


@router.post("/lists/{list_id}/next", response=NextOut)
def next_entry(request, list_id: int):
    """The next number for the caller to call, held for them for 15 minutes (the one they
    hold already, if any); ``entry`` null when none is due, with ``next_at``."""
    found = services.next_entry(request.user, list_id)
    if found.entry is None:
        return {"entry": None, "next_at": found.next_at}
    entry = selectors.get_entry(request.user, found.entry.pk)
    return {"entry": _detail(request, entry), "next_at": None}


@router.get("/entries/{entry_id}", response=EntryDetailOut)
def get_entry(request, entry_id: int):
    return _detail(request, selectors.get_entry(request.user, entry_id))


@router.post("/entries/{entry_id}/dial", response=DialOut)
def dial(request, entry_id: int):
    """Dial the held number: through the PBX's click-to-dial address when configured, else
    the answer's ``tel:`` uri for the agent's phone."""
    done = services.dial(request.user, entry_id)
    return {"mode": done.mode, "uri": done.uri, "message": done.message}


@router.post("/entries/{entry_id}/attempts", response=EntryDetailOut)
def record_attempt(request, entry_id: int, payload: AttemptIn):
    """What came of the call; the retry rule decides when the number comes round again."""
    data = services.AttemptIn(**payload.dict())
    services.record_attempt(request.user, entry_id, data)
    return _detail(request, selectors.get_entry(request.user, entry_id))


@router.post("/entries/{entry_id}/release", response=EntryOut)
def release_entry(request, entry_id: int):
    """Give the held number back uncalled (跳过)."""
    entry = services.release_entry(request.user, entry_id)
    return entry_out(entry, Masker(request.user))
