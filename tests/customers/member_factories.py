"""Stores, members and purchases for the member tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kefu.customers.models import Member, Purchase, Store
from tests.customers.factories import make_customer


def make_store(org, code="S01", name="人民路店", branch="hq") -> Store:
    return Store.objects.create(code=code, name=name, branch=org[branch])


def make_member(
    actor,
    store,
    number,
    *,
    gender="",
    birth=None,
    joined=None,
    expires=None,
    level="normal",
    phone=None,
):
    area = "nsh" if store.branch.code == "sz" else "yhy"
    customer = make_customer(
        actor,
        name=f"会员{number}",
        phones=(phone or f"139{Member.objects.count() + 1:08d}",),
        gender=gender,
        area=area,
    )
    return Member.objects.create(
        customer=customer,
        number=number,
        store=store,
        level=level,
        joined_on=joined or dt.date(2024, 1, 1),
        expires_on=expires,
        birth_date=birth,
    )


def buy(member, amount, at, *, store=None, receipt=None) -> Purchase:
    if isinstance(at, dt.date) and not isinstance(at, dt.datetime):
        at = timezone.make_aware(dt.datetime.combine(at, dt.time(12, 0)))
    return Purchase.objects.create(
        store=store or member.store,
        receipt_no=receipt or f"R{Purchase.objects.count() + 1:06d}",
        member=member,
        amount=Decimal(str(amount)),
        at=at,
    )
