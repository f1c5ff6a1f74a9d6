"""What callbacks add to a ticket's life (see kefu.tickets.hooks): a callback task by rule when
it is resolved, its open tasks ended by the steps that end them, and no archiving of a
responsibility complaint before its callback."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.complaints import rules as complaint_rules
from kefu.core.errors import Code, ServiceError
from kefu.followups import services
from kefu.followups.models import CallbackTask
from kefu.sla.models import ComplaintClass
from kefu.tickets import hooks


def _guard(ticket, action: str) -> None:
    """A responsibility complaint is archived only after its callback (100 %)."""
    if action != "close" or not complaint_rules.is_complaint(ticket):
        return
    complaint = getattr(ticket, "complaint", None)
    if complaint is None or complaint.complaint_class != ComplaintClass.RESPONSIBLE:
        return
    if CallbackTask.objects.filter(ticket=ticket, state=CallbackTask.State.OPEN).exists():
        raise ServiceError(Code.INVALID_TRANSITION, _("责任投诉须回访后才能归档"), field="action")


def _on_change(ticket, change: hooks.Change) -> None:
    if change.action == "resolve":
        services.on_ticket_resolved(ticket, actor=change.actor)
    else:
        services.on_ticket_transition(ticket, change.action, actor=change.actor)


def register() -> None:
    hooks.register_guard(_guard)
    hooks.register_reaction(_on_change)
    hooks.register_event_labels(
        {
            "callback_planned": gettext_lazy("回访安排"),
            "callback_satisfied": gettext_lazy("回访:满意"),
            "callback_unsatisfied": gettext_lazy("回访:不满意"),
            "callback_unreachable": gettext_lazy("回访:未联系上"),
            "callback_refused": gettext_lazy("回访:客户拒绝"),
            "callback_ended": gettext_lazy("回访任务结束"),
            "survey_invited": gettext_lazy("发送满意度评价"),
            "survey_answered": gettext_lazy("满意度评价"),
        }
    )
