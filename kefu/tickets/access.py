"""Who may see which tickets and take which steps: imported by the kernel's services and
selectors and by every app that reaches a ticket, so one rule answers for all of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import INTAKE_ROLES, Reach, scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.tickets.models import Attachment, Ticket

_M = TypeVar("_M", bound=Model)

DEPT_ACTIONS = {"start", "return", "request_confirmation", "resolve"}
# Who may take each action, by role; department staff only on their department's tickets.
ACTION_ROLES: dict[str, set[str]] = {action: set(INTAKE_ROLES) for action in Ticket.ACTIONS} | {
    action: set(INTAKE_ROLES) | {Role.DEPT_HANDLER, Role.DEPT_HEAD} for action in DEPT_ACTIONS
}
ACTION_ROLES["dispatch"] = set(INTAKE_ROLES) | {Role.DEPT_HEAD}


# What field staff's work orders need: the ids of their orders' tickets, from each app whose
# records give field staff a ticket (kefu.dispatch registers its work orders).
_OwnWork = Callable[[Actor], QuerySet[Any, Any]]
_own_work: list[_OwnWork] = []


def register_own_work(tickets_of: _OwnWork) -> None:
    """``tickets_of(actor)``: a query of the ticket ids that ``actor``'s own records need
    (reach OWN_ORDERS, kefu.accounts.scope)."""
    if tickets_of not in _own_work:
        _own_work.append(tickets_of)


def visible_tickets(actor: Actor | None) -> QuerySet[Ticket]:
    """The tickets ``actor`` may see: all, its branch's, or its department's."""
    return scoped_to_tickets(Ticket.objects.all(), actor)


def scoped_to_tickets(qs: QuerySet[_M], actor: Actor | None, *, through: str = "") -> QuerySet[_M]:
    """``qs`` narrowed to the rows whose ticket ``actor`` may see; ``through`` names the path
    from a row to its ticket (``"ticket__"`` for a callback task), empty for tickets."""
    scope = scope_of(actor)
    match scope.reach:
        case Reach.ALL:
            return qs
        case Reach.BRANCH:
            return qs.filter(**{f"{through}branch_id": scope.branch_id})
        case Reach.DEPARTMENT:
            return qs.filter(**{f"{through}department_id": scope.department_id})
        case Reach.OWN_ORDERS if _own_work and actor is not None:
            mine = Q()
            for tickets_of in _own_work:
                mine |= Q(**{f"{through}pk__in": tickets_of(actor)})
            return qs.filter(mine)
    return qs.none()


def customers_of_tickets(actor: Actor) -> QuerySet[Any, Any]:
    """The customer ids of the tickets ``actor`` may see (kefu.customers.access)."""
    return visible_tickets(actor).values("customer_id")


def access_ticket(actor: Actor | None, serial: str, *, for_update: bool = False) -> Ticket:
    """The ticket with ``serial`` if ``actor`` may see it, else ServiceError(NOT_FOUND).

    With ``for_update`` the row is locked until the caller's transaction ends.
    """
    serial = str(serial)[:16]
    if "\x00" in serial:  # no serial has one, and PostgreSQL refuses NUL in a query (500)
        raise ServiceError(Code.NOT_FOUND, _("工单不存在或无权查看"))
    qs = visible_tickets(actor)
    if for_update:
        qs = qs.select_for_update()
    ticket = qs.filter(serial=serial).first()
    if ticket is None:
        raise ServiceError(Code.NOT_FOUND, _("工单不存在或无权查看"))
    return ticket


def actions_for(ticket: Ticket, actor: Actor | None) -> list[str]:
    """The actions ``actor`` may take on ``ticket`` now: its state allows them, and the role."""
    role = scope_of(actor).role
    return [action for action in ticket.allowed_actions() if role in ACTION_ROLES[action]]


def access_attachment(actor: Actor | None, path: str) -> Attachment:
    """The attachment stored at ``path`` if ``actor`` may see its ticket, else NOT_FOUND."""
    attachment = Attachment.objects.filter(file=path).select_related("ticket").first()
    if attachment is None or not visible_tickets(actor).filter(pk=attachment.ticket_id).exists():
        raise ServiceError(Code.NOT_FOUND, _("附件不存在或无权查看"))
    return attachment
