"""What integrators hear of tickets (see kefu.tickets.hooks): a webhook on every creation and
change."""

from __future__ import annotations

import uuid

from kefu.notify.services import emit_webhook
from kefu.tickets import hooks


def _webhook(ticket, event: str) -> None:
    payload = {"type": event, "serial": ticket.serial, "status": ticket.status}
    # The key is unique per change: nothing to de-duplicate.
    emit_webhook(event, payload, key=f"{event}:{ticket.serial}:{uuid.uuid4().hex}")


def register() -> None:
    hooks.register_announcer(_webhook)
