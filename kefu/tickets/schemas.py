"""Output shapes of the kernel's own reads, shared by the pages and the API of any app."""

from __future__ import annotations

import datetime as dt
from typing import Any, overload

from django.utils import timezone

from kefu.tickets.models import Ticket


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
