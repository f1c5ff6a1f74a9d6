"""Reads of the customer archive."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from kefu.core.actor import Actor
from kefu.core.phones import normalize_phone
from kefu.customers.access import visible_customers
from kefu.customers.models import Customer, CustomerPhone


def active_owners(number: str) -> QuerySet[Customer]:
    """Active customers with this (normalized) number, most recently updated first.

    Callers identify by it: the CTI pop takes the first, intake only a single owner.
    """
    return (
        Customer.objects.filter(is_active=True, phones__number=number)
        .distinct()
        .order_by("-updated_at", "-id")
    )


def lookup_by_phone(actor: Actor | None, raw_phone: str, *, limit: int = 5) -> list[Customer]:
    """Customers with this number, most recently updated first (one indexed equality)."""
    number = normalize_phone(raw_phone)
    if not number:
        return []
    owners = CustomerPhone.objects.filter(number=number).values("customer_id")[:50]
    return list(
        visible_customers(actor)
        .filter(id__in=owners)
        .select_related("branch", "area")
        .prefetch_related(
            "tags", "contacts", Prefetch("phones", queryset=CustomerPhone.objects.all())
        )
        .order_by("-is_active", "-updated_at")[:limit]
    )


def list_customers(
    actor: Actor | None,
    *,
    q: str = "",
    area: str = "",
    branch: str = "",
    active: bool | None = None,
) -> QuerySet[Customer]:
    qs = visible_customers(actor).select_related("branch", "area")
    if q:
        number = normalize_phone(q)
        cond = Q(name__icontains=q) | Q(account_no=q)
        if number:
            cond |= Q(phones__number=number)
        qs = qs.filter(cond).distinct()
    if area:
        qs = qs.filter(area__code=area)
    if branch:
        qs = qs.filter(branch__code=branch)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.prefetch_related("phones", "tags").order_by("-id")
