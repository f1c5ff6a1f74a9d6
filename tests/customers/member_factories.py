"""Stores, members and purchases for the member tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from kefu.customers.member_months import month_of, refresh_member_months, refresh_member_year
from kefu.customers.models import Member, MemberMonth, Purchase, Store
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
    purchase = Purchase.objects.create(
        store=store or member.store,
        receipt_no=receipt or f"R{Purchase.objects.count() + 1:06d}",
        member=member,
        amount=Decimal(str(amount)),
        at=at,
    )
    # What the import does after writing receipts: the member's month in the rollup.
    refresh_member_months({(member.pk, month_of(at))})
    refresh_member_year({member.pk})
    return purchase


def months_from_purchases(zone=None) -> dict:
    """(member id, first day of month) → (purchases, yuan, first, last) of the Purchase rows,
    summed here in Python (months in the center's zone): what the rollup must hold."""
    zone = zone or ZoneInfo("Asia/Shanghai")
    found: dict = {}
    for member_id, amount, at in Purchase.objects.values_list("member_id", "amount", "at"):
        key = (member_id, at.astimezone(zone).date().replace(day=1))
        n, spent, first, last = found.get(key, (0, Decimal(0), at, at))
        found[key] = (n + 1, spent + amount, min(first, at), max(last, at))
    return found


def rollup_rows() -> dict:
    """The rollup as it stands, keyed like ``months_from_purchases``."""
    return {
        (r.member_id, r.month): (r.purchases, r.amount, r.first_at, r.last_at)
        for r in MemberMonth.objects.all()
    }
