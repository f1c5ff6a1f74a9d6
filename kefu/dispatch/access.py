"""Which work orders an actor may see and which steps it may take on them: imported by services,
selectors, pages and the API alike."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import INTAKE_ROLES, Reach, scope_of
from kefu.core.errors import Code, ServiceError
from kefu.dispatch.models import WorkOrder

CENTER_ACTIONS = {"dispatch", "close", "reject", "cancel"}


READ_ONLY_ROLES: set[str] = {Role.QUALITY, Role.GENERAL_MANAGER}


def visible_orders(actor):
    """The work orders ``actor`` may see: all, the branch's, the department's; field staff
    their own and their crews' orders."""
    scope = scope_of(actor)
    qs = WorkOrder.objects.all()
    match scope.reach:
        case Reach.ALL:
            return qs
        case Reach.BRANCH:
            return qs.filter(branch_id=scope.branch_id)
        case Reach.DEPARTMENT:
            return qs.filter(department_id=scope.department_id)
        case Reach.OWN_ORDERS:
            return qs.filter(
                Q(assignee=actor) | Q(crew__members=actor) | Q(crew__leader=actor)
            ).distinct()
    return qs.none()


def tickets_of_orders(actor) -> QuerySet:
    """The ticket ids of the orders ``actor`` may see: what field staff's orders need of the
    tickets (kefu.tickets.access)."""
    return visible_orders(actor).exclude(ticket=None).values("ticket_id")


def customers_of_orders(actor) -> QuerySet:
    """The customer ids of the orders ``actor`` may see (kefu.customers.access)."""
    return visible_orders(actor).values("customer_id")


def access_order(actor, serial: str, *, for_update: bool = False) -> WorkOrder:
    """The order ``serial`` if ``actor`` may see it, else ServiceError(NOT_FOUND).

    With ``for_update`` the row is locked until the caller's transaction ends.
    """
    serial = str(serial)[:20]
    if "\x00" in serial:
        raise ServiceError(Code.NOT_FOUND, _("派工单不存在或无权查看"))
    ids = visible_orders(actor).filter(serial=serial).values_list("pk", flat=True)[:1]
    rows = WorkOrder.objects.select_for_update() if for_update else WorkOrder.objects.all()
    order = rows.filter(pk__in=list(ids)).first()
    if order is None:
        raise ServiceError(Code.NOT_FOUND, _("派工单不存在或无权查看"))
    return order


def is_field_member(order: WorkOrder, actor) -> bool:
    """``actor`` is the order's field staff: its assignee, or its crew's leader or member."""
    if order.assignee_id == actor.pk:
        return True
    crew = order.crew
    if crew is None:
        return False
    return crew.leader_id == actor.pk or crew.members.filter(pk=actor.pk).exists()


def actions_for(order: WorkOrder, actor) -> list[str]:
    """The actions ``actor`` may take on ``order`` now."""
    return [a for a in order.allowed_actions() if may_take(order, actor, a)]


def may_take(order: WorkOrder, actor, action: str) -> bool:
    """``actor``'s role lets them take ``action`` on ``order`` (its state aside)."""
    scope = scope_of(actor)
    if scope.nothing or scope.role in READ_ONLY_ROLES:
        return False
    if action in CENTER_ACTIONS:
        if scope.role in INTAKE_ROLES:
            return True
        return (
            action in {"dispatch", "cancel"}
            and scope.role == Role.DEPT_HEAD
            and order.department_id == scope.department_id
        )
    # Field steps: the field staff on the order, or the department's handlers and head.
    if scope.role == Role.FIELD_STAFF:
        return is_field_member(order, actor)
    if scope.role in (Role.DEPT_HANDLER, Role.DEPT_HEAD):
        return order.department_id == scope.department_id
    return scope.role in INTAKE_ROLES  # the center may record what the field phoned in


def can_create(actor) -> bool:
    scope = scope_of(actor)
    return not scope.nothing and (scope.role in INTAKE_ROLES or scope.role == Role.DEPT_HEAD)
