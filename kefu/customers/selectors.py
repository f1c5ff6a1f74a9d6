"""Reads of the customer archive."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts import org
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.phones import normalize_phone
from kefu.customers.access import access_customer, visible_customers
from kefu.customers.analyses import churned_members
from kefu.customers.member_access import (
    analysed_stores,
    may_analyse,
    may_enrol,
    may_import,
    visible_stores,
)
from kefu.customers.models import Customer, CustomerPhone, Member, MemberLevel, Store

# Tags an agent must see before saying a word: shown first and in red on the pop and the
# customer page (the others as plain badges).
PROMINENT_TAGS = ("重点客户", "投诉敏感", "VIP")


def active_owners(number: str) -> QuerySet[Customer]:
    """Active customers with this (normalized) number, most recently updated first.

    Callers identify by it: the CTI pop takes the first, intake only a single owner.
    """
    return (
        Customer.objects.filter(is_active=True, phones__number=number)
        .distinct()
        .order_by("-updated_at", "-id")
    )


def sole_active_owner(number: str) -> Customer | None:
    """The one active customer with this (normalized) number, or None when nobody or several
    have it: intake identifies a caller only then.

    It runs on every request taken, so it is one statement written out rather than built by
    the ORM each time (that took longer than the database did); the customer comes with its
    branch and area from the per-process store (kefu.core.refcache).
    """
    # raw(): the database's values converted as the ORM converts them (aware times on SQLite).
    owners = list(Customer.objects.raw(_owner_sql(), [True, number]))
    return _with_org(owners[0]) if len(owners) == 1 else None


def sole_owner_of_email(address: str) -> Customer | None:
    """The one active customer with this (lower-cased) e-mail address, or None when nobody or
    several have it: a mail is identified as a customer's only then."""
    if not address or "@" not in address:
        return None
    owners = list(
        Customer.objects.filter(is_active=True, email=address.strip().lower()).order_by("id")[:2]
    )
    return _with_org(owners[0]) if len(owners) == 1 else None


def _with_org(customer: Customer) -> Customer:
    """The customer with its branch and area from the per-process store, not joined."""
    customer.branch = org.branch(customer.branch_id)
    if customer.area_id is not None:
        customer.area = org.area(customer.area_id)
    return customer


@functools.cache
def _owner_sql() -> str:
    quote = connection.ops.quote_name
    customer, phone = Customer._meta, CustomerPhone._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    columns = ", ".join(quote(f.column) for f in customer.concrete_fields if f.column)
    return (
        f"SELECT {columns} FROM {quote(customer.db_table)} "  # noqa: S608 - our own names
        f"WHERE {column(customer, 'is_active')} = %s AND {column(customer, 'id')} IN "
        f"(SELECT {column(phone, 'customer')} FROM {quote(phone.db_table)} "
        f"WHERE {column(phone, 'number')} = %s) LIMIT 2"
    )


def lookup_by_phone(actor: Actor | None, raw_phone: str, *, limit: int = 5) -> list[Customer]:
    """Customers with this number, most recently updated first (one indexed equality)."""
    number = normalize_phone(raw_phone)
    if not number:
        return []
    owners = CustomerPhone.objects.filter(number=number).values("customer_id")[:50]
    return [
        _with_org(customer)
        for customer in visible_customers(actor)
        .filter(id__in=owners)
        .prefetch_related(
            "tags",
            "contacts",
            # Each phone says whose it is (a contact's): joined, not read a phone at a time.
            Prefetch("phones", queryset=CustomerPhone.objects.select_related("contact")),
        )
        .order_by("-is_active", "-updated_at")[:limit]
    ]


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
        if "@" in q:
            cond |= Q(email=q.strip().lower())
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


# --- members -------------------------------------------------------------------------------


def list_stores(actor: Actor | None) -> QuerySet[Store]:
    """The stores of ``actor``'s reach (kefu.customers.member_access.visible_stores), open and
    closed, by code, with their branch and how many members each enrolled. FORBIDDEN for
    those who neither enrol, import nor analyse members."""
    if not (may_enrol(actor) or may_import(actor) or may_analyse(actor)):
        raise ServiceError(Code.FORBIDDEN, _("无权查看门店"))
    return (
        visible_stores(actor)
        .select_related("branch")
        .annotate(member_count=Count("members"))
        .order_by("code")
    )


def membership_of(actor: Actor | None, customer_id: int) -> Member | None:
    """The membership of a customer ``actor`` may see (NOT_FOUND otherwise), None for a
    customer who is not a member: number, level and store are shown with the customer."""
    customer = access_customer(actor, customer_id)
    return Member.objects.select_related("store", "customer").filter(customer=customer).first()


def list_members(
    actor: Actor | None,
    *,
    store: str = "",
    branch: str = "",
    level: str = "",
    q: str = "",
    expiring_days: int | None = None,
    churned_days: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[Member]:
    """The members of the stores ``actor`` may analyse (kefu.customers.member_access), newest
    first: of a level, a member number or customer name, expiring within ``expiring_days``
    days, or churned (no purchase in ``churned_days`` days: analyses.churned_members)."""
    today = today or timezone.localdate()
    stores = analysed_stores(actor, store=store.strip(), branch=branch.strip())
    members = Member.objects.filter(store__in=stores).select_related("store", "customer")
    if level:
        if level not in MemberLevel.values:
            raise ServiceError(Code.INVALID, _("会员等级无效"), field="level")
        members = members.filter(level=level)
    if q:
        members = members.filter(Q(number=q.strip()) | Q(customer__name__icontains=q.strip()))
    if expiring_days is not None:
        if not 1 <= expiring_days <= 366:
            raise ServiceError(Code.INVALID, _("到期天数应在 1 到 366 之间"), field="expiring_days")
        until = today + dt.timedelta(days=expiring_days)
        members = members.filter(expires_on__range=(today, until))
    if churned_days is not None:
        if not 1 <= churned_days <= 3650:
            raise ServiceError(Code.INVALID, _("天数应在 1 到 3650 之间"), field="churned_days")
        members = churned_members(members, days=churned_days, today=today)
    return members.order_by("-id")
