"""Business-system lookups for the workbench, the customer page and the API.

One function, ``lookup``: who may look (center staff), whose data (a customer the actor may
see, else an account number or a waybill), within one time budget, masked for the viewer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.business.adapters import (
    AccountInfo,
    HttpAdapter,
    Outcome,
    ShipmentInfo,
    State,
    adapter_for,
)
from kefu.business.models import Kind
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker
from kefu.core.phones import normalize_phone
from kefu.customers.access import access_customer, visible_customers
from kefu.customers.models import Customer

# Without a connector, the local store answers at once; this is the budget's floor for HTTP.
DEFAULT_BUDGET_MS = 1000


@dataclass(frozen=True)
class BusinessView:
    """What the business systems said about one caller; None where nothing was asked."""

    account: Outcome[AccountInfo] | None
    shipments: Outcome[list[ShipmentInfo]] | None


def can_lookup(actor: Actor | None) -> bool:
    """Center staff (agents, leads, supervisors, quality, the general manager) and admins:
    the people who answer the customer. Department and field staff do not."""
    scope = scope_of(actor)
    return not scope.nothing and (scope.is_center or scope.role == Role.ADMIN)


def lookup(
    actor: Actor,
    *,
    customer: Customer | None = None,
    customer_id: int | None = None,
    account_no: str = "",
    phone: str = "",
    waybill: str = "",
    parts: tuple[str, ...] = ("account", "shipments"),
) -> BusinessView:
    """The account (by the customer's 户号 or ``account_no``) and the shipments (by
    ``waybill``, else by the customer's or the given phone), masked for ``actor``.

    All lookups together wait no longer than the slowest adapter's timeout. Raises
    ServiceError(FORBIDDEN) for a role that may not look, NOT_FOUND for a customer the actor
    may not see (an account number of such a customer too), INVALID when nothing is asked.
    ``parts`` names what to look up (the API asks for one of the two).
    """
    if not can_lookup(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查询业务系统"))
    account_no, waybill = account_no.strip()[:40], waybill.strip()[:40]
    if customer_id is not None:
        customer = access_customer(actor, customer_id)
    elif customer is not None:
        customer = access_customer(actor, customer.pk)
    if account_no:  # asked by number, with or without a customer: its owner must be visible
        owner = Customer.objects.filter(account_no=account_no).only("pk").first()
        if owner is not None and not visible_customers(actor).filter(pk=owner.pk).exists():
            raise ServiceError(Code.NOT_FOUND, _("户号不存在或无权查看"), field="account_no")
    if customer is not None:
        account_no = account_no or (customer.account_no or "")
        if not phone and not waybill:
            first = customer.phones.order_by("-is_primary", "id").first()
            phone = first.number if first is not None else ""
    phone = normalize_phone(phone)
    if "account" not in parts:
        account_no = ""
    if "shipments" not in parts:
        phone = waybill = ""
    if not (account_no or phone or waybill) and customer is None:
        raise ServiceError(Code.INVALID, _("请提供客户、户号、托运单号或电话"))
    accounts, shipments = adapter_for(Kind.ACCOUNT), adapter_for(Kind.SHIPMENT)
    budget = max(
        (a.connector.timeout_ms for a in (accounts, shipments) if isinstance(a, HttpAdapter)),
        default=DEFAULT_BUDGET_MS,
    )
    deadline = time.monotonic() + budget / 1000
    account = accounts.account(account_no, deadline=deadline) if account_no else None
    found = None
    if waybill or phone:
        found = shipments.shipments(waybill=waybill, phone=phone, deadline=deadline)
        if waybill == "" and found.state == State.NOT_FOUND:
            found = None  # a caller without shipments: nothing to say, not "not found"
    masker = Masker(actor)
    return BusinessView(_masked_account(account, masker), _masked_shipments(found, masker))


def _masked_account(
    outcome: Outcome[AccountInfo] | None, masker: Masker
) -> Outcome[AccountInfo] | None:
    if outcome is None or outcome.data is None or masker.full:
        return outcome
    info = outcome.data
    data = replace(info, address=masker.address(info.address), phone=masker.phone(info.phone))
    return replace(outcome, data=data)


def _masked_shipments(
    outcome: Outcome[list[ShipmentInfo]] | None, masker: Masker
) -> Outcome[list[ShipmentInfo]] | None:
    if outcome is None or outcome.data is None or masker.full:
        return outcome
    return replace(outcome, data=[replace(s, phone=masker.phone(s.phone)) for s in outcome.data])
