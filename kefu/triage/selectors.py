"""What triage tells about tickets already taken: the most similar recent tickets."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Value, When

from kefu.core.actor import Actor
from kefu.tickets.access import visible_tickets
from kefu.tickets.models import Ticket
from kefu.triage.models import TicketLabel

# How far back similar tickets are looked for, and how many are shown.
SIMILAR_DAYS = 30
SIMILAR_SHOWN = 8


def label_of(ticket: Ticket) -> TicketLabel | None:
    """The ticket's triage, read once per ticket object (the page and its similar tickets)."""
    try:
        return ticket.triage
    except TicketLabel.DoesNotExist:
        return None


def similar_tickets(ticket: Ticket, actor: Actor, *, limit: int = SIMILAR_SHOWN) -> list[Ticket]:
    """The most similar recent tickets the viewer may see: those on the same matter within
    ``SIMILAR_DAYS`` before or after it, of the same area first, then the closest in time —
    to link a duplicate, or see a trend while it starts. None when its matter is unknown."""
    label = label_of(ticket)
    if label is None or not label.matter:
        return []
    window = dt.timedelta(days=SIMILAR_DAYS)
    same_area = (
        Case(
            When(area_id=ticket.area_id, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        if ticket.area_id
        else Value(1, output_field=IntegerField())
    )
    rows = (
        visible_tickets(actor)
        .filter(
            triage__matter=label.matter,
            received_at__gte=ticket.received_at - window,
            received_at__lte=ticket.received_at + window,
        )
        .exclude(pk=ticket.pk)
        .select_related("type", "area", "department")
        .annotate(elsewhere=same_area)
        .order_by("elsewhere", "-received_at", "-id")
    )
    return list(rows[:limit])
