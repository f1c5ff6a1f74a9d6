"""Which callback tasks an actor may see and who may call back."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError
from kefu.followups.models import CallbackTask
from kefu.tickets.access import scoped_to_tickets

# Callbacks are the center's work: agents, team leads and supervisors make them. Department
# staff, the quality inspector and the general manager read them but record nothing.
CALLER_ROLES: set[str] = {Role.AGENT, Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}


def visible_tasks(actor):
    """The callback tasks of the tickets ``actor`` may see (as kefu.tickets' scope)."""
    return scoped_to_tickets(CallbackTask.objects.all(), actor, through="ticket__")


def access_task(actor, task_id: int, *, for_update: bool = False) -> CallbackTask:
    """The task ``task_id`` if ``actor`` may see its ticket, else ServiceError(NOT_FOUND)."""
    qs = visible_tasks(actor).select_related("ticket__type")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    task = qs.filter(pk=task_id).first() if 0 < task_id < 2**63 else None
    if task is None:
        raise ServiceError(Code.NOT_FOUND, _("回访任务不存在或无权查看"))
    return task


def can_call_back(actor) -> bool:
    return scope_of(actor).role in CALLER_ROLES
