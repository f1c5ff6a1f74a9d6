"""Writing a ticket's timeline: one row per change, who, when, from which status to which.

Shared by every app whose operations change a ticket (tickets, complaints, time limits), so
each change is recorded the same way; only services call these.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kefu.core.actor import Actor
from kefu.core.said import Said, written
from kefu.tickets.models import Ticket, TicketEvent


def new_event(
    ticket: Ticket, *, actor: Actor | None, kind: str, note: str | Said = "", **fields: Any
) -> TicketEvent:
    """A timeline row for ``ticket``, not yet saved (``actor`` None or anonymous: the system).
    System words (``Said``) are kept so that each reader sees them in their language."""
    note, fields["data"] = written(note, fields.get("data") or {})
    return TicketEvent(
        ticket=ticket,
        at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        note=note,
        **fields,
    )


def record_event(
    ticket: Ticket, *, actor: Actor | None, kind: str, note: str | Said = "", **fields: Any
) -> TicketEvent:
    """Write a timeline row for ``ticket`` now."""
    event = new_event(ticket, actor=actor, kind=kind, note=note, **fields)
    event.save()
    return event
