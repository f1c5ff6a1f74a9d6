from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kefu.business.models import Account, Bill, Connector, Kind, Shipment, ShipmentEvent
from tests.business.conftest import ACCOUNT_MAP, SHIPMENT_MAP


def make_account(account_no="SW100001", *, arrears="86.40", months=6, **fields):
    """An account of the local store with ``months`` monthly bills, the newest unpaid when in
    arrears. (The store is filled by import or the demo; this writes the rows directly.)"""
    values = {
        "owner": "王建国",
        "address": "朝阳区幸福路12号3单元501",
        "phone": "13812345678",
        "arrears": Decimal(arrears),
    } | fields
    account = Account.objects.create(account_no=account_no, **values)
    for month in range(1, months + 1):
        Bill.objects.create(
            account=account,
            period=f"2026-{month:02d}",
            usage=Decimal(10 + month),
            amount=Decimal("4.80") * (10 + month),
            paid=not (Decimal(arrears) > 0 and month == months),
        )
    return account


def make_shipment(waybill="YD001", phone="13812345678", **fields):
    shipment = Shipment.objects.create(
        waybill=waybill, phone=phone, status=fields.pop("status", "运输中"), **fields
    )
    start = timezone.now() - dt.timedelta(days=2)
    for hours, place, text in ((0, "深圳", "已揽收"), (20, "杭州", "到达杭州中转")):
        ShipmentEvent.objects.create(
            shipment=shipment, at=start + dt.timedelta(hours=hours), place=place, description=text
        )
    return shipment


def account_connector(billing, **fields):
    values = {
        "name": "营收系统",
        "kind": Kind.ACCOUNT,
        "url_template": billing.base + "/accounts/{account_no}",
        "auth_header": "X-Api-Key",
        "auth_value": "secret-key-123",
        "field_map": ACCOUNT_MAP,
        "timeout_ms": 300,
        "fail_max": 3,
        "reset_seconds": 1,
    } | fields
    return Connector.objects.create(**values)


def shipment_connector(billing, **fields):
    values = {
        "name": "运单系统",
        "kind": Kind.SHIPMENT,
        "url_template": billing.base + "/shipments/{waybill}",
        "field_map": SHIPMENT_MAP,
        "timeout_ms": 300,
    } | fields
    return Connector.objects.create(**values)
