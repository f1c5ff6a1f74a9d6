"""The demo fills the local business store for its customers (through the Excel import)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from kefu.business.models import Account, Bill, Shipment
from kefu.business.services import lookup
from kefu.customers.models import Customer
from kefu.demo import seed_demo


def test_demo_customers_have_accounts_with_six_months_of_bills_some_in_arrears(db):
    seed_demo(customers=30, tickets=20)

    numbers = set(Customer.objects.values_list("account_no", flat=True))
    assert set(Account.objects.values_list("account_no", flat=True)) == numbers
    assert Bill.objects.count() == 6 * 30
    in_arrears = Account.objects.filter(arrears__gt=0)
    assert in_arrears.count() == 10
    for account in in_arrears:
        unpaid = sum(b.amount for b in account.bills.filter(paid=False))
        assert unpaid == account.arrears
    assert Shipment.objects.count() == 10
    assert Customer.objects.filter(tags__name__in=["重点客户", "投诉敏感"]).count() == 3

    first = Customer.objects.order_by("id").first()
    view = lookup(get_user_model().objects.get(username="agent"), customer=first)
    assert view.account.data.arrears > 0 and len(view.account.data.bills) == 6
