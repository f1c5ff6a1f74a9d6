from __future__ import annotations

from kefu.tickets.schemas import TicketIn
from kefu.tickets.services import create_ticket


def make_ticket(
    actor,
    *,
    type="repair",
    channel="phone",
    content="厨房水管漏水",
    accept=True,
    department="",
    **fields,
):
    return create_ticket(
        TicketIn(type=type, channel=channel, content=content, **fields),
        actor=actor,
        accept=accept,
        department=department,
    )
