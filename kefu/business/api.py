"""Business-system lookups: an account with its bills, a shipment with its tracking.

The answer carries ``state``: ok, not_found, unavailable (the system fails or its circuit
breaker is open) or slow (no answer within the connector's timeout) — a 200 either way, as
the business system's trouble is not the caller's error.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from kefu.business import services
from kefu.business.schemas import AccountLookupOut, ShipmentLookupOut, account_out, shipments_out
from kefu.core.errors import Code, ServiceError

router = Router(tags=["business"])


@router.get("/account", response=AccountLookupOut)
def account(
    request: HttpRequest, customer_id: int | None = None, account_no: str = ""
) -> dict[str, Any]:
    """The account by a customer's 户号 (``customer_id``) or by ``account_no``."""
    if customer_id is None and not account_no.strip():
        raise ServiceError(Code.INVALID, _("请提供客户或户号"), field="account_no")
    view = services.lookup(
        request.user, customer_id=customer_id, account_no=account_no, parts=("account",)
    )
    return account_out(view.account)


@router.get("/shipment", response=ShipmentLookupOut)
def shipment(request: HttpRequest, waybill: str) -> dict[str, Any]:
    """The shipment with this 托运单号 and its tracking events, newest first."""
    if not waybill.strip():
        raise ServiceError(Code.INVALID, _("请输入托运单号"), field="waybill")
    view = services.lookup(request.user, waybill=waybill, parts=("shipments",))
    return shipments_out(view.shipments)
