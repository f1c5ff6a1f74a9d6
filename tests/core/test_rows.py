"""Rows written with the INSERT built once per process (kefu.core.db.rows), on databases that
say what they wrote and on an SQLite that cannot (before 3.35)."""

from __future__ import annotations

import pytest

from kefu.core.db import rows
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.selectors import get_timeline
from tests.tickets.factories import make_ticket


@pytest.mark.parametrize("returning", [True, False], ids=["returning", "one-at-a-time"])
def test_intake_writes_its_ticket_and_timeline_either_way(agent, monkeypatch, returning):
    if not returning:
        monkeypatch.setattr(rows, "returns_rows", lambda: False)
    elif not rows.returns_rows():
        pytest.skip("this SQLite cannot say what an INSERT wrote")
    ticket = make_ticket(agent, accept=True, department="repair")
    stored = Ticket.objects.get(serial=ticket.serial)
    assert stored.pk == ticket.pk and stored.created_at == ticket.created_at
    timeline = get_timeline(stored)
    assert [e.pk for e in timeline] == [e.pk for e in ticket.written_events]
    assert [(e.kind, e.action, e.to_status) for e in timeline] == [
        (TicketEvent.Kind.CREATED, "", "new"),
        (TicketEvent.Kind.STATUS, "accept", "accepted"),
        (TicketEvent.Kind.STATUS, "dispatch", "dispatched"),
    ]
    assert all(e.ticket_id == ticket.pk and e.at == ticket.created_at for e in timeline)
