"""What telephony adds to a ticket's life (see kefu.tickets.hooks): a ticket taken from a
number closes that number's open missed-call entries (已受理), whichever channel took it."""

from __future__ import annotations

from kefu.core.actor import Actor
from kefu.telephony.callbacks import close_by_ticket
from kefu.tickets import hooks


def _after_intake(ticket, extra, actor: Actor | None) -> int:
    return close_by_ticket(ticket, actor)


def register() -> None:
    hooks.register_intake(hooks.IntakeHook(name="missed_calls", after=_after_intake))
