"""What time limits add to a ticket's life (see kefu.tickets.hooks): the result time the
read-back promises, deadlines computed at intake, and started, paused, met or stopped by each step."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.sla import services
from kefu.tickets import hooks


def _deadlines(ticket, extra, actor) -> list:
    return services.on_intake(ticket)


def _readback(cleaned: dict) -> dict:
    """The result time to tell the caller. A complaint's is the complaint rules' (its severity
    and class choose), registered before this one."""
    if cleaned["type"].code == "complaint":
        return {}
    return {
        "promised": services.promised_result(
            cleaned["type"].code,
            received_at=cleaned["received_at"],
            channel=cleaned["channel"],
            priority=cleaned["priority"],
        )
    }


def _on_change(ticket, change: hooks.Change) -> None:
    services.on_transition(ticket, change.action, change.at)


def register() -> None:
    hooks.register_intake(hooks.IntakeHook(name="deadlines", readback=_readback, after=_deadlines))
    hooks.register_reaction(_on_change)
    hooks.register_event_labels(
        {"warning": _("时限预警"), "breach": _("已超时"), "escalation": _("超时升级")}
    )
