"""Which customers an actor may see: imported by services and selectors alike.

The center's staff see the customers of their reach (kefu.accounts.scope: all, or their
branch's). A department's staff and field staff see only the customers of the work they may
see: each app whose records name a customer registers the customer ids of the records an
actor may see (``register_work``: tickets, work orders), so a department's handler reaches
the customers of its tickets and work orders, a fitter those of their own orders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.scope import Reach, scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.customers.models import Customer

_Work = Callable[[Actor], QuerySet[Any, Any]]
_work: list[_Work] = []


def register_work(customers_of: _Work) -> None:
    """``customers_of(actor)``: a query of the customer ids of the records ``actor`` may see
    (used for the reaches that are not the whole center or a branch)."""
    if customers_of not in _work:
        _work.append(customers_of)


def visible_customers(actor: Actor | None) -> QuerySet[Customer]:
    scope = scope_of(actor)
    qs = Customer.objects.all()
    match scope.reach:
        case Reach.ALL:
            return qs
        case Reach.BRANCH:
            return qs.filter(branch=scope.branch_id)
        case Reach.DEPARTMENT | Reach.OWN_ORDERS if _work and actor is not None:
            theirs = Q()
            for customers_of in _work:
                theirs |= Q(pk__in=customers_of(actor).exclude(customer_id=None))
            return qs.filter(theirs)
    return qs.none()


def access_customer(actor: Actor | None, customer_id: int, *, for_update: bool = False) -> Customer:
    """The customer if ``actor`` may see it; ServiceError(NOT_FOUND) otherwise."""
    qs = visible_customers(actor)
    if for_update:
        qs = qs.select_for_update()
    customer = qs.filter(pk=customer_id).first()
    if customer is None:
        raise ServiceError(Code.NOT_FOUND, _("客户不存在"))
    return customer
