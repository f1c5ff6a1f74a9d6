"""Which customers an actor may see: imported by services and selectors alike."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.customers.models import Customer


def visible_customers(actor: Actor | None) -> QuerySet[Customer]:
    scope = scope_of(actor)
    qs = Customer.objects.all()
    if scope.nothing:
        return qs.none()
    if scope.everything:
        return qs
    if scope.branch_id is not None:
        return qs.filter(branch_id=scope.branch_id)
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
