"""Ticket API: intake, queues, detail with timeline, transitions, assignment, notes, merging."""

from __future__ import annotations

from typing import Literal

from ninja import Field, File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from kefu.conversations import services as conversations
from kefu.core.masking import Masker
from kefu.core.paging import PageOut, PageQuery, page_out
from kefu.core.phones import normalize_phone
from kefu.core.schemas import Day
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk
from kefu.desk.schemas import (
    AssignSchema,
    BulkIn,
    BulkOut,
    CustomerLinkSchema,
    IntakeIn,
    MergeSchema,
    NoteSchema,
    ReplySchema,
    SavedViewIn,
    SavedViewOut,
    TicketOut,
    TransitionSchema,
    WordingIn,
    WordingOut,
    deadlines_out,
    ticket_out,
)
from kefu.desk.services import take_request
from kefu.tickets import selectors, services
from kefu.tickets.models import Channel, Priority, Status
from kefu.tickets.selectors import SORT_PATTERN, SORTS, TicketFilters

router = Router(tags=["tickets"])


class ListQuery(PageQuery):
    view: Literal["all", "work", "mine", "department", "unassigned", "open"] = Field(
        "all", description="work: the caller's open work (a department's, or mine and nobody's)"
    )
    type: str = ""
    status: Status | None = None
    channel: Channel | None = None
    priority: Priority | None = None
    branch: str = ""
    department: str = ""
    date_from: Day | None = None
    date_to: Day | None = None
    q: str = ""
    # Bounded to the database's integer range: a larger id overflowed SQLite's INTEGER (a 500).
    customer_id: int | None = Field(None, ge=0, le=2**63 - 1)
    caller_number: str = ""
    sort: str = Field(
        "",
        pattern=SORT_PATTERN,
        description="a column (" + ", ".join(SORTS) + "), '-' before it for descending; "
        "due: the soonest due (overdue) first, none last",
    )

    def filters(self) -> TicketFilters:
        return TicketFilters(
            view=self.view,
            type=self.type,
            status=self.status or "",
            channel=self.channel or "",
            priority=self.priority or "",
            branch=self.branch,
            department=self.department,
            date_from=self.date_from,
            date_to=self.date_to,
            q=self.q[:200],
            customer_id=self.customer_id,
            caller_number=normalize_phone(self.caller_number) if self.caller_number else "",
            sort=self.sort,
        )


def ticket_detail(request, serial: str) -> dict:
    """The ticket as GET /tickets/{serial} shows it to this caller."""
    ticket = selectors.get_ticket_detail(request.user, serial)
    timeline = selectors.get_timeline(ticket)
    return ticket_out(ticket, Masker(request.user), actor=request.user, timeline=timeline)


@router.post("", response={201: TicketOut})
def create(request, payload: IntakeIn):
    """Record a request (受理). Returns 201 with the serial number (流水号)."""
    ticket = take_request(payload, actor=request.user, accept=payload.accept)
    if payload.notice_id is not None:  # the link to the notice wrote more: read it back
        return Reply(201, ticket_detail(request, ticket.serial))
    # The new ticket, its tags and timeline are in memory: nothing is read back.
    body = ticket_out(
        ticket,
        Masker(request.user),
        actor=request.user,
        timeline=ticket.written_events,
        with_relations=False,
    )
    body["tags"] = [tag.name for tag in ticket.written_tags]
    body["deadlines"] = deadlines_out(ticket.intake_results.get("deadlines", []))
    order = ticket.intake_results.get("work_order")
    body["work_orders"] = [order.serial] if order is not None else []
    return Reply(201, body)


@router.get("", response=PageOut[TicketOut])
def list_tickets(request, filters: Query[ListQuery]):
    """The tickets the caller may see, newest first (or by ``sort``), one page (the list
    contract: README)."""
    f = filters.filters()
    page = selectors.list_tickets(request.user, f, page=filters.page, per_page=filters.per_page)
    masker = Masker(request.user)
    return page_out(page, lambda t: ticket_out(t, masker, actor=request.user, with_relations=False))


@router.get("/counts", response=dict[str, int])
def status_counts(request, filters: Query[ListQuery]):
    """How many open tickets of each open status the same filters find (status, search and
    paging aside): the counts above the queue."""
    return selectors.count_by_status(request.user, filters.filters())


@router.post("/bulk", response=BulkOut)
def bulk(request, payload: BulkIn):
    """One step on several tickets (≤ 100), each by the rules of one at a time: those done,
    and those refused with the reason."""
    result = desk.act_on_many(
        payload.serials,
        actor=request.user,
        action=payload.action,
        note=payload.note,
        department=payload.department,
        assignee=payload.assignee,
    )
    return {
        "done": result.done,
        "refused": [{"serial": s, "reason": r} for s, r in result.refused],
    }


@router.get("/views", response=list[SavedViewOut])
def saved_views(request):
    """My saved queue views."""
    return list(desk_selectors.saved_views(request.user))


@router.post("/views", response={201: SavedViewOut})
def save_view(request, payload: SavedViewIn):
    """Save the queue's filters under a name (the same name again replaces them)."""
    return Reply(201, desk.save_view(request.user, name=payload.name, query=payload.query))


@router.delete("/views/{view_id}", response={204: None})
def remove_view(request, view_id: int):
    desk.remove_view(request.user, view_id)
    return Reply(204, None)


@router.get("/{serial}", response=TicketOut)
def detail(request, serial: str):
    return ticket_detail(request, serial)


@router.post("/{serial}/transitions", response=TicketOut)
def transition(request, serial: str, payload: TransitionSchema):
    """Move the ticket: accept, dispatch (department, assignee), start, return, request_confirmation,
    resolve, follow_up, close, reopen, cancel. 409 when the current state does not allow it."""
    services.transition_ticket(
        serial,
        actor=request.user,
        action=payload.action,
        note=payload.note,
        department=payload.department,
        assignee=payload.assignee,
    )
    return ticket_detail(request, serial)


@router.post("/{serial}/assign", response=TicketOut)
def assign(request, serial: str, payload: AssignSchema):
    services.assign_ticket(serial, actor=request.user, assignee=payload.assignee, note=payload.note)
    return ticket_detail(request, serial)


@router.post("/{serial}/notes", response={201: TicketOut})
def add_note(request, serial: str, payload: NoteSchema):
    services.add_note(serial, actor=request.user, note=payload.note)
    return Reply(201, ticket_detail(request, serial))


@router.post("/{serial}/reply", response={201: TicketOut})
def reply(request, serial: str, payload: ReplySchema):
    """Reply to the customer (答复) through the channel they wrote by, or ``via``; in the
    conversation and on the timeline. A reply with a forbidden phrase is refused under the
    center's block rule (422 on ``text``). ``attachments``: ticket attachments sent with it
    (422 on ``attachments`` for one not of this ticket, or by SMS or chat; 413 past what one
    e-mail carries)."""
    conversations.reply(
        serial,
        actor=request.user,
        text=payload.text,
        via=payload.via,
        to=payload.to,
        subject=payload.subject,
        attachments=payload.attachments,
    )
    return Reply(201, ticket_detail(request, serial))


@router.post("/{serial}/customer", response=TicketOut)
def link_customer(request, serial: str, payload: CustomerLinkSchema):
    """Say whose request this is (关联客户), e.g. a mail from an address the archive did not
    know; ``remember`` keeps that address in the customer's archive so the next mail is known."""
    conversations.link_customer(
        serial, actor=request.user, customer_id=payload.customer_id, remember=payload.remember
    )
    return ticket_detail(request, serial)


@router.post("/{serial}/merge", response=TicketOut)
def merge(request, serial: str, payload: MergeSchema):
    """Merge this duplicate into ``into``; returns the surviving ticket with both timelines."""
    survivor = services.merge_tickets(
        serial, into=payload.into, actor=request.user, note=payload.note
    )
    return ticket_detail(request, survivor.serial)


@router.post("/{serial}/attachments", response={201: TicketOut})
def upload(request, serial: str, file: File[UploadedFile]):
    services.add_attachment(serial, actor=request.user, upload=file)
    return Reply(201, ticket_detail(request, serial))


# Forbidden phrases (服务禁语): a text checked as the agent writes it.
wording_router = Router(tags=["wording"])


@wording_router.post("/check", response=WordingOut)
def check_wording(request, payload: WordingIn):
    """The forbidden phrases in a text before it is sent, with what to say instead (nothing
    is counted or sent; the send itself checks again)."""
    return desk.wording_hits(request.user, payload.text)
