"""What work orders add to a ticket's life (see kefu.tickets.hooks): a ticket is not resolved
or cancelled while one of its work orders is open."""

from __future__ import annotations

from kefu.dispatch import services
from kefu.tickets import hooks


def register() -> None:
    hooks.register_guard(services.check_ticket_action)
