"""What time limits add to a ticket's life (see kefu.tickets.hooks): deadlines computed at
intake, and started, paused, met or stopped by each step."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.sla import services
from kefu.tickets import hooks


def _deadlines(ticket, extra, actor) -> list:
    return services.on_intake(ticket)


def _on_change(ticket, change: hooks.Change) -> None:
    services.on_transition(ticket, change.action, change.at)


def register() -> None:
    hooks.register_intake(hooks.IntakeHook(name="deadlines", after=_deadlines))
    hooks.register_reaction(_on_change)
    hooks.register_event_labels(
        {"warning": _("时限预警"), "breach": _("已超时"), "escalation": _("超时升级")}
    )
