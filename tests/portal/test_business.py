"""查水费 and 查运单 on the portal: only the number's own account, a waybill with its phone's
last four digits; masked; "业务系统暂不可用" when the system does not answer."""

from __future__ import annotations

import pytest

from kefu.business.models import Connector, Kind
from kefu.core.errors import Code, ServiceError
from kefu.portal import selectors, services
from tests.business.factories import make_account, make_shipment
from tests.portal.conftest import CLIENT, OTHER, PHONE, proved

pytestmark = pytest.mark.django_db


def test_the_owner_reads_the_bill_masked(token):
    make_account("SW200001", phone=PHONE, arrears="86.40", months=3)
    bill = services.lookup_bill(token, "SW200001", client=CLIENT)
    assert (bill.owner, bill.address, bill.arrears) == ("王**", "朝阳区幸福路****", "86.40")
    assert [b["period"] for b in bill.bills] == ["2026-03", "2026-02", "2026-01"]
    assert [b["paid"] for b in bill.bills] == [False, True, True]


def test_another_number_and_an_unknown_account_get_the_same_answer(token):
    make_account("SW200001", phone=OTHER)
    answers = []
    for account in ("SW200001", "SW999999"):
        with pytest.raises(ServiceError) as err:
            services.lookup_bill(token, account, client=CLIENT)
        answers.append((err.value.code, err.value.detail))
    assert answers == [(Code.NOT_FOUND, "未找到该户号,请核对户号和手机号")] * 2


def test_a_billing_system_that_does_not_answer_is_said_so(token):
    Connector.objects.create(
        name="营收系统",
        kind=Kind.ACCOUNT,
        url_template="http://127.0.0.1:9/accounts/{account_no}",
        field_map={},
        timeout_ms=200,
    )
    assert selectors.offers_bills()
    with pytest.raises(ServiceError) as err:
        services.lookup_bill(token, "SW200001", client=CLIENT)
    assert err.value.detail == "业务系统暂不可用,请稍后再试或致电客服热线"


def test_a_shipment_by_waybill_and_the_last_four_digits(org):
    assert not selectors.offers_shipments()
    make_shipment("YD900001", phone=PHONE, destination="杭州")
    assert selectors.offers_shipments()
    found = services.lookup_shipment("YD900001", PHONE[-4:], client=CLIENT)
    assert (found.status, found.destination, found.phone) == ("运输中", "杭州", "")
    assert [e.description for e in found.events] == ["到达杭州中转", "已揽收"]
    answers = []
    for waybill, tail in (("YD900001", "0000"), ("YD000000", PHONE[-4:]), ("YD900001", "")):
        with pytest.raises(ServiceError) as err:
            services.lookup_shipment(waybill, tail, client=CLIENT)
        answers.append(err.value.detail)
    assert answers == ["未找到该运单,请核对托运单号和手机尾号"] * 3


def test_the_bill_needs_a_proved_phone(org):
    make_account("SW200001", phone=PHONE)
    with pytest.raises(ServiceError) as err:
        services.lookup_bill("", "SW200001", client=CLIENT)
    assert err.value.code == Code.FORBIDDEN
    assert services.lookup_bill(proved(), "SW200001", client=CLIENT).account_no == "SW200001"


def test_the_owner_reads_the_bill_as_often_as_they_like_and_misses_still_count(token):
    make_account("SW200001", phone=PHONE, arrears="86.40", months=3)
    for _ in range(services.LOOKUPS[1] + 5):
        assert services.lookup_bill(token, "SW200001", client=CLIENT).arrears == "86.40"
    for _ in range(services.LOOKUPS[1]):
        with pytest.raises(ServiceError) as missed:
            services.lookup_bill(token, "SW999999", client=CLIENT)
        assert missed.value.code == Code.NOT_FOUND
    with pytest.raises(ServiceError) as stopped:  # then even a right one, so it tells nothing
        services.lookup_bill(token, "SW200001", client=CLIENT)
    assert stopped.value.code == Code.TOO_MANY


def test_guessing_a_shipments_digits_is_stopped(org):
    make_shipment("YD100200300", phone="13812345678")
    for tail in range(services.LOOKUPS[1]):
        with pytest.raises(ServiceError):
            services.lookup_shipment("YD100200300", f"{tail:04d}", client=CLIENT)
    with pytest.raises(ServiceError) as stopped:
        services.lookup_shipment("YD100200300", "5678", client=CLIENT)
    assert stopped.value.code == Code.TOO_MANY
