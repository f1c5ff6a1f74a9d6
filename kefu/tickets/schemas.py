"""The kernel's input declarations (one per operation, taken by the service, the API and the
pages alike) and the output shapes of its own reads."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, overload

from django.utils import timezone
from ninja import Field
from pydantic import BeforeValidator

from kefu.core.schemas import BlankIsNone, InputSchema, Moment, NoneIsBlank
from kefu.customers.services import split_tags
from kefu.tickets.models import Channel, Priority, ReplyMethod, Ticket

MAX_CONTENT = 5000


def _tag_list(value: object) -> object:
    """Tags as a list, or as the one text a page's form sends (comma separated)."""
    return split_tags(value) if isinstance(value, str) else value


class TicketIn(InputSchema):
    """A request as the workbench, the API or an import gives it. Shapes are checked here;
    what depends on the center's data (an active request type, a customer the actor may see,
    a complaint category) is checked by ``create_ticket`` and the domains' intake hooks."""

    type: str = Field(
        ...,
        max_length=30,
        examples=["repair"],
        description="repair, inquiry, complaint, help, report, lookup, suggestion, order",
    )
    channel: Channel
    content: str = Field(..., min_length=1, max_length=MAX_CONTENT)
    received_at: Annotated[Moment | None, BlankIsNone] = Field(
        None, description="default now; never in the future"
    )
    customer_id: Annotated[int | None, BlankIsNone] = None
    contact_name: str = Field("", max_length=40)
    caller_number: str = Field("", max_length=40)
    desired_result: str = Field("", max_length=MAX_CONTENT)
    reply_method: ReplyMethod = ReplyMethod.PHONE
    reply_by: Annotated[Moment | None, BlankIsNone] = None
    callback_declined: bool = False
    anonymous: bool = False
    priority: Priority = Priority.NORMAL
    branch: str = Field("", max_length=20)
    area: str = Field("", max_length=30)
    tags: Annotated[list[str], BeforeValidator(_tag_list)] = Field(
        default_factory=list, max_length=20
    )
    # Complaints (kefu.complaints checks them: only a complaint may carry them).
    category: str = Field("", max_length=30, description="complaints: category code")
    source: Annotated[str, NoneIsBlank] = Field(
        "",
        max_length=20,
        description="complaints: who brought it (customer, parent, government, media)",
    )
    loss_or_injury: bool = Field(False, description="complaints: economic loss or injury")
    complaint_class: Annotated[str, NoneIsBlank] = Field(
        "",
        max_length=20,
        description="complaints: responsibility, when already known "
        "(responsible, not_responsible, assist)",
    )
    # Triage (kefu.triage checks them): what the agent confirmed of its suggestions.
    matter: Annotated[str, NoneIsBlank] = Field(
        "", max_length=30, description="what the request is about (a matter code)"
    )
    sentiment: Annotated[str, NoneIsBlank] = Field(
        "", max_length=10, description="calm, anxious, angry, abusive"
    )


@overload
def local_time(value: dt.datetime) -> dt.datetime: ...
@overload
def local_time(value: None) -> None: ...
@overload
def local_time(value: dt.datetime | None) -> dt.datetime | None: ...
def local_time(value: dt.datetime | None) -> dt.datetime | None:
    """Times go out in the center's zone (+08:00), as its staff and integrators read them."""
    return timezone.localtime(value) if value is not None else None


def ticket_brief(ticket: Ticket) -> dict[str, Any]:
    """A ticket in one line: a caller's last tickets, a customer's history."""
    return {
        "serial": ticket.serial,
        "type": ticket.type.code,
        "type_label": ticket.type.label,
        "status": ticket.status,
        "received_at": local_time(ticket.received_at).isoformat(),
        "content": ticket.content[:80],
        "department": ticket.department.name if ticket.department is not None else "",
    }
