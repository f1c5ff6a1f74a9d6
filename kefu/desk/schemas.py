"""API shapes of tickets and the functions that render a ticket for a viewer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import StrictInt

from kefu.complaints.schemas import ComplaintOut, complaint_out
from kefu.core.masking import Masker
from kefu.core.schemas import BlankIsNone
from kefu.tickets.access import actions_for, visible_tickets
from kefu.tickets.models import Channel, Priority, ReplyMethod, Status, Ticket, TicketEvent
from kefu.tickets.schemas import TicketIn, local_time

ActionName = Literal[
    "accept",
    "dispatch",
    "start",
    "return",
    "request_confirmation",
    "resolve",
    "follow_up",
    "close",
    "reopen",
    "cancel",
]


class IntakeIn(TicketIn):
    """Intake at the workbench or through the API: the request, and what to do with it now."""

    accept: bool = Field(False, description="record it as accepted (受理) at once")
    notice_id: Annotated[int | None, BlankIsNone] = Field(
        None,
        description="a call about this active notice (停水/抢修 …): the ticket is recorded "
        "against it (accepted at once) instead of as a new repair",
    )
    department: str = Field("", max_length=30, description="dispatch at once to this department")
    assignee: str = Field("", max_length=150)
    # Dispatching a request whose type makes work orders (a repair, an order) makes its work
    # order (派工单) in the same step.
    crew: Annotated[int | None, BlankIsNone] = Field(
        None, description="with a department: the crew (班组) its work order goes to at once"
    )
    field_staff: str = Field(
        "", max_length=40, description="or the field staff member (username or 工号)"
    )
    address: str = Field(
        "", max_length=200, description="where the work is (default: the customer's address)"
    )
    call_id: str = Field(
        "",
        max_length=100,
        description="the PBX's callId of the call this request came on (the caller log links "
        "the call to the ticket); without it, the agent's own call from the caller's number "
        "within the last hour is linked",
    )


class TransitionSchema(Schema):
    action: ActionName
    note: str = Field("", max_length=5000)
    department: str = Field("", max_length=30, description="for dispatch")
    assignee: str = Field("", max_length=150, description="for dispatch")


class BulkIn(Schema):
    serials: list[str] = Field(..., max_length=100, description="the tickets, by serial (≤ 100)")
    action: str = Field(
        ..., max_length=30, description="assign, or a ticket action (accept, dispatch, start…)"
    )
    note: str = Field("", max_length=2000)
    department: str = Field("", max_length=30, description="dispatch: the department")
    assignee: str = Field("", max_length=150, description="assign / dispatch: the person")


class RefusedOut(Schema):
    serial: str
    reason: str


class BulkOut(Schema):
    done: list[str]
    refused: list[RefusedOut]


class SavedViewIn(Schema):
    name: str = Field(..., max_length=30)
    query: str = Field(
        "", max_length=500, description="the queue's query string, e.g. view=work&sort=due"
    )


class SavedViewOut(Schema):
    id: int
    name: str
    query: str


class AssignSchema(Schema):
    assignee: str = Field("", max_length=150, description="username or 工号; empty unassigns")
    note: str = Field("", max_length=5000)


class NoteSchema(Schema):
    note: str = Field(..., min_length=1, max_length=5000)


class CustomerLinkSchema(Schema):
    customer_id: int | None = Field(
        ..., description="the customer whose request this is; null takes the customer off"
    )
    remember: bool = Field(
        False,
        description="also keep the address the customer wrote from in their archive (an "
        "e-mail address when they have none, a number they lack)",
    )


class ReplySchema(Schema):
    text: str = Field(
        ...,
        min_length=1,
        max_length=10000,
        description="the reply to the customer (at most 1000 characters, 10000 by e-mail)",
    )
    via: Literal["", "sms", "email", "web", "chat"] = Field(
        "",
        description="sms, email, web (shown on the portal), chat (the open chat); default: "
        "the channel the customer last wrote by, else SMS",
    )
    to: str = Field(
        "",
        max_length=320,
        description="number or e-mail address; default: where the customer wrote from, for an "
        "SMS the caller's number",
    )
    subject: str = Field("", max_length=200, description="e-mail: default Re: the customer's")
    attachments: list[StrictInt] = Field(
        default_factory=list,
        description="ids of the ticket's own attachments (uploaded first: POST "
        "/tickets/{serial}/attachments) sent with the reply: by e-mail as its attachments, on "
        "the portal (web) for download; an SMS or a chat cannot carry files",
    )


class WordingIn(Schema):
    text: str = Field(..., max_length=5000)


class WordingHitOut(Schema):
    phrase: str
    suggestion: str
    start: int = Field(description="where it starts in the text (characters)")
    end: int


class WordingOut(Schema):
    policy: str = Field(description="block: refused when sent; warn: sent after a warning")
    hits: list[WordingHitOut]


class MergeSchema(Schema):
    into: str = Field(..., min_length=1, max_length=16)
    note: str = Field("", max_length=5000)


class EventOut(Schema):
    at: dt.datetime
    serial: str
    actor: str
    kind: str
    action: str
    from_status: str
    to_status: str
    note: str
    data: dict


class DeadlineOut(Schema):
    code: str
    name: str
    due_at: dt.datetime
    state: str
    met_at: dt.datetime | None
    paused: bool = False


class TicketOut(Schema):
    serial: str
    type: str
    type_label: str
    channel: Channel
    status: Status
    priority: Priority
    received_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    branch: str
    area: str
    customer_id: int | None
    customer_name: str
    contact_name: str
    caller_number: str
    content: str
    desired_result: str
    reply_method: ReplyMethod
    reply_by: dt.datetime | None
    due_at: dt.datetime | None = Field(
        None, description="下一期限: the earliest running time limit while open (past: overdue)"
    )
    callback_declined: bool
    anonymous: bool
    department: str
    assignee: str
    created_by: str
    tags: list[str]
    merged_into: str | None
    allowed_actions: list[str]
    attachments: list[dict]
    deadlines: list[DeadlineOut] = []
    work_orders: list[str] = Field([], description="its work orders (派工单), by serial")
    complaint: ComplaintOut | None = None
    timeline: list[EventOut] | None = None


def _username(user) -> str:
    return user.username if user is not None else ""


def deadlines_out(deadlines) -> list[dict]:
    return [
        {
            "code": d.code,
            "name": d.name,
            "due_at": local_time(d.due_at),
            "state": d.state,
            "met_at": local_time(d.met_at),
            "paused": d.paused_at is not None,
        }
        for d in deadlines
    ]


# Where an event's data names a customer's address or number: masked as the ticket's are.
_PII_IN_DATA = {"reply": ("to",)}


def _event_data(event: TicketEvent, masker: Masker) -> dict[str, Any]:
    data = event.data if isinstance(event.data, dict) else {}
    keys = _PII_IN_DATA.get(event.action, ())
    if masker.full or not any(k in data for k in keys):
        return data
    return {
        k: masker.contact(v) if k in keys and isinstance(v, str) else v for k, v in data.items()
    }


def ticket_out(
    ticket: Ticket,
    masker: Masker,
    *,
    actor,
    timeline: list[TicketEvent] | None = None,
    with_relations: bool = True,
) -> dict:
    body = {
        "serial": ticket.serial,
        "type": ticket.type.code,
        "type_label": ticket.type.label,
        "channel": ticket.channel,
        "status": ticket.status,
        "priority": ticket.priority,
        "received_at": local_time(ticket.received_at),
        "created_at": local_time(ticket.created_at),
        "updated_at": local_time(ticket.updated_at),
        "resolved_at": local_time(ticket.resolved_at),
        "closed_at": local_time(ticket.closed_at),
        "branch": ticket.branch.code,
        "area": ticket.area.code if ticket.area is not None else "",
        "customer_id": ticket.customer_id,
        "customer_name": ticket.customer.name if ticket.customer is not None else "",
        "contact_name": ticket.contact_name,
        "caller_number": masker.phone(ticket.caller_number),
        "content": ticket.content,
        "desired_result": ticket.desired_result,
        "reply_method": ticket.reply_method,
        "reply_by": local_time(ticket.reply_by),
        "due_at": local_time(ticket.due_at),
        "callback_declined": ticket.callback_declined,
        "anonymous": ticket.anonymous,
        "department": ticket.department.code if ticket.department is not None else "",
        "assignee": _username(ticket.assignee) if ticket.assignee_id else "",
        "created_by": _username(ticket.created_by) if ticket.created_by_id else "",
        "tags": [t.name for t in ticket.tags.all()] if with_relations else [],
        "merged_into": ticket.merged_into.serial if ticket.merged_into is not None else None,
        "allowed_actions": actions_for(ticket, actor),  # what this caller may do now
        "attachments": [
            # The access-checked download (kefu.desk.views.media), not the storage's URL.
            {
                "id": a.id,
                "name": a.name,
                "size": a.size,
                # Destroyed after its retention period: no url, the row stays.
                "url": reverse("media", args=[a.file.name]) if a.purged_at is None else None,
                "purged": a.purged_at is not None,
            }
            for a in ticket.attachments.all()
        ]
        if with_relations
        else [],
    }
    if with_relations:
        body["deadlines"] = deadlines_out(ticket.deadlines.all())
        body["work_orders"] = [o.serial for o in ticket.work_orders.order_by("id")]
    if (with_relations or timeline is not None) and ticket.type.code == "complaint":
        complaint = getattr(ticket, "complaint", None)
        if complaint is not None:
            body["complaint"] = complaint_out(complaint, visible=visible_tickets(actor))
    if timeline is not None:
        body["timeline"] = [
            {
                "at": local_time(e.at),
                "serial": e.ticket.serial,
                "actor": _username(e.actor) if e.actor_id else "",
                "kind": e.kind,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "data": _event_data(e, masker),
            }
            for e in timeline
        ]
    return body
