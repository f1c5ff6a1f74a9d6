"""API shapes of the business lookups and the one function that renders each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema

from kefu.business.adapters import AccountInfo, Outcome, ShipmentInfo


class BillOut(Schema):
    period: str
    usage: Decimal
    amount: Decimal
    paid: bool


class AccountOut(Schema):
    account_no: str
    owner: str
    address: str
    phone: str
    balance: Decimal
    arrears: Decimal
    bills: list[BillOut]


class EventOut(Schema):
    at: dt.datetime | None
    place: str
    description: str


class ShipmentOut(Schema):
    waybill: str
    status: str
    origin: str
    destination: str
    phone: str
    events: list[EventOut]


class AccountLookupOut(Schema):
    state: str  # ok, not_found, unavailable, slow
    source: str
    elapsed_ms: int
    account: AccountOut | None


class ShipmentLookupOut(Schema):
    state: str
    source: str
    elapsed_ms: int
    shipments: list[ShipmentOut]


def account_out(outcome: Outcome[AccountInfo] | None) -> dict[str, Any]:
    if outcome is None:
        return {"state": "not_found", "source": "", "elapsed_ms": 0, "account": None}
    return {
        "state": str(outcome.state),
        "source": outcome.source,
        "elapsed_ms": outcome.elapsed_ms,
        "account": outcome.data,
    }


def shipments_out(outcome: Outcome[list[ShipmentInfo]] | None) -> dict[str, Any]:
    if outcome is None:
        return {"state": "not_found", "source": "", "elapsed_ms": 0, "shipments": []}
    return {
        "state": str(outcome.state),
        "source": outcome.source,
        "elapsed_ms": outcome.elapsed_ms,
        "shipments": outcome.data or [],
    }
