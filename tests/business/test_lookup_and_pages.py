"""One lookup for the pop, the customer page and the API: who may look, whose data, masked
for the viewer; the pop's business fragment and the customer's whole picture (客户360)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from kefu.business.adapters import State
from kefu.business.services import lookup
from kefu.core.errors import Code, ServiceError
from kefu.core.models import Tag
from kefu.desk.selectors import customer_overview
from kefu.followups.models import Survey
from kefu.telephony.models import CallRecord
from tests.business.factories import account_connector, make_account, make_shipment
from tests.customers.factories import make_customer
from tests.dispatch.factories import make_order
from tests.tickets.factories import make_ticket


@pytest.fixture
def customer(agent):
    """A water customer with 户号 SW100001 and its account in arrears."""
    make_account("SW100001")
    return make_customer(
        agent, account_no="SW100001", address="朝阳区幸福路12号3单元501", tags=["重点客户"]
    )


def test_lookup_by_customer_finds_its_account_and_its_phone_shipments(agent, customer):
    make_shipment("YD001")

    view = lookup(agent, customer=customer)

    assert view.account.state == State.OK and view.account.data.owner == "王建国"
    assert [s.waybill for s in view.shipments.data] == ["YD001"]


def test_a_caller_without_shipments_gets_no_shipment_section(agent, customer):
    assert lookup(agent, customer=customer).shipments is None


def test_account_details_are_masked_for_a_role_without_personal_data(people, customer):
    make_shipment("YD001")

    full = lookup(people["agent"], customer=customer)
    masked = lookup(people["quality"], customer=customer)

    assert (full.account.data.address, full.account.data.phone) == (
        "朝阳区幸福路12号3单元501",
        "13812345678",
    )
    assert (masked.account.data.address, masked.account.data.phone) == (
        "朝阳区幸福路****",
        "138****5678",
    )
    assert masked.shipments.data[0].phone == "138****5678"
    assert masked.account.data.arrears == full.account.data.arrears


@pytest.mark.parametrize("persona", ["dept_handler", "dept_head"])
def test_department_staff_may_not_look(people, customer, persona):
    with pytest.raises(ServiceError) as error:
        lookup(people[persona], customer=customer)

    assert error.value.code == Code.FORBIDDEN


def test_a_branch_agent_cannot_look_up_another_branch_customer(people, customer):
    with pytest.raises(ServiceError) as error:
        lookup(people["sz_agent"], customer_id=customer.id)
    assert error.value.code == Code.NOT_FOUND

    with pytest.raises(ServiceError) as error:  # nor by the customer's account number
        lookup(people["sz_agent"], account_no="SW100001")
    assert (error.value.code, error.value.field) == (Code.NOT_FOUND, "account_no")

    # Nor by that number next to a customer of the agent's own branch, page or API.
    own = make_customer(people["sz_agent"], name="深圳客户", phones=("13900001111",), area="nsh")
    with pytest.raises(ServiceError) as error:
        lookup(people["sz_agent"], customer_id=own.id, account_no="SW100001")
    assert (error.value.code, error.value.field) == (Code.NOT_FOUND, "account_no")


def test_the_api_refuses_another_branch_account_next_to_an_own_customer(people, customer, api_as):
    own = make_customer(people["sz_agent"], name="深圳客户", phones=("13900001111",), area="nsh")
    reply = api_as(people["sz_agent"]).get(
        "/business/account", {"customer_id": own.id, "account_no": "SW100001"}
    )
    assert reply.status_code == 404
    assert "王建国" not in reply.content.decode()


def test_api_account_and_shipment(people, customer, api_as):
    make_shipment("YD001")
    api = api_as(people["agent"])

    by_customer = api.get("/business/account", {"customer_id": customer.id}).json()
    by_number = api.get("/business/account", {"account_no": "SW100001"}).json()
    shipment = api.get("/business/shipment", {"waybill": "YD001"}).json()

    assert by_customer["account"] == by_number["account"]
    assert (by_customer["state"], by_customer["source"]) == ("ok", "local")
    assert by_customer["account"]["arrears"] == "86.40"
    assert [b["period"] for b in by_customer["account"]["bills"]] == [
        f"2026-0{m}" for m in range(6, 0, -1)
    ]
    assert shipment["state"] == "ok"
    assert [e["description"] for e in shipment["shipments"][0]["events"]] == [
        "到达杭州中转",
        "已揽收",
    ]
    missing = api.get("/business/shipment", {"waybill": "NOPE"}).json()
    assert (missing["state"], missing["shipments"]) == ("not_found", [])


def test_api_roles_and_bad_input(people, customer, api_as):
    assert (
        api_as(people["quality"])
        .get("/business/account", {"account_no": "SW100001"})
        .json()["account"]["phone"]
        == "138****5678"
    )
    refused = api_as(people["dept_handler"]).get("/business/account", {"account_no": "SW100001"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    hidden = api_as(people["sz_agent"]).get("/business/account", {"customer_id": customer.id})
    assert hidden.status_code == 404
    empty = api_as(people["agent"]).get("/business/account")
    assert (empty.status_code, empty.json()["field"]) == (422, "account_no")
    blank = api_as(people["agent"]).get("/business/shipment", {"waybill": " "})
    assert blank.status_code == 422


def test_api_says_unavailable_when_the_billing_system_fails(agent, customer, api_as, billing):
    account_connector(billing)
    billing.mode = "fail"

    body = api_as(agent).get("/business/account", {"customer_id": customer.id}).json()

    assert (body["state"], body["source"], body["account"]) == ("unavailable", "营收系统", None)


def test_pop_loads_the_business_panel_as_its_own_fragment(agent, customer, web_as):
    client = web_as(agent)

    pop = client.get("/workbench/lookup", {"phone": "13812345678"}).content.decode()
    assert 'data-testid="business-loading"' in pop
    assert f"/business/panel?customer={customer.id}" in pop
    assert re.search(r'data-testid="prominent-tag">重点客户<', pop)

    panel = client.get("/business/panel", {"customer": customer.id}).content.decode()
    assert "欠费 86.40 元" in panel and 'data-testid="bills"' in panel
    assert panel.count("<tr><td>2026-") == 6


def test_panel_says_unavailable_and_the_pop_still_shows_the_profile(
    agent, customer, web_as, billing
):
    account_connector(billing)
    billing.mode = "slow"
    client = web_as(agent)

    pop = client.get("/workbench/lookup", {"phone": "13812345678"})
    panel = client.get("/business/panel", {"customer": customer.id}).content.decode()

    assert pop.status_code == 200 and "customer-card" in pop.content.decode()
    assert "业务系统暂不可用 (响应超时)" in panel


def test_panel_looks_up_a_waybill_the_agent_types(agent, customer, web_as):
    make_shipment("YD777", phone="13900001111", status="已签收")
    client = web_as(agent)

    found = client.get("/business/panel", {"customer": customer.id, "waybill": "YD777"})
    missing = client.get("/business/panel", {"customer": customer.id, "waybill": "YD000"})

    assert "YD777" in found.content.decode() and "已签收" in found.content.decode()
    assert "没有托运单号 YD000" in missing.content.decode()


def test_panel_is_empty_for_department_staff_and_the_pop_does_not_ask(people, customer, web_as):
    client = web_as(people["dept_handler"])

    panel = client.get("/business/panel", {"customer": customer.id}).content.decode()

    assert "业务系统" not in panel and "欠费" not in panel


def test_pop_and_customer_page_show_calls_open_orders_callbacks_and_scores(
    people, customer, web_as
):
    agent = people["agent"]
    CallRecord.objects.create(
        call_id="c1",
        direction="in",
        from_number="13812345678",
        to_number="95598",
        customer_number="13812345678",
        state="ended",
        started_at=timezone.now() - dt.timedelta(hours=1),
        answered_at=timezone.now() - dt.timedelta(hours=1),
        ended_at=timezone.now() - dt.timedelta(minutes=58),
    )
    ticket = make_ticket(agent, customer_id=customer.id, department="repair")
    order = make_order(agent, ticket_serial=ticket.serial)
    Survey.objects.create(
        ticket=ticket,
        state="answered",
        score=2,
        comment="等太久",
        created_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=7),
        answered_at=timezone.now(),
    )

    pop = web_as(agent).get("/workbench/lookup", {"phone": "13812345678"}).content.decode()
    page = web_as(agent).get(f"/customers/{customer.id}/").content.decode()
    overview = web_as(agent).get(f"/customers/{customer.id}/overview").content.decode()

    assert f"/customers/{customer.id}/overview" in page
    assert f"/business/panel?customer={customer.id}" in overview
    for html in (pop, overview):
        assert html.count('data-testid="overview-call"') == 1 and "120 秒" in html
        assert order.serial in html and 'data-testid="overview-order"' in html
        assert 'data-testid="overview-survey"' in html and "2/5" in html
    assert 'data-testid="prominent-tag">重点客户<' in page
    # The caller log is the center's: the quality inspector sees it (not the departments:
    # test_overview_lists_are_limited_and_scoped).
    quality = web_as(people["quality"]).get(f"/customers/{customer.id}/overview")
    assert quality.content.decode().count('data-testid="overview-call"') == 1
    # Another branch's agent gets no fragment of this customer.
    assert web_as(people["sz_agent"]).get(f"/customers/{customer.id}/overview").status_code == 404


def test_overview_lists_are_limited_and_scoped(people, customer, django_assert_max_num_queries):
    for i in range(7):
        CallRecord.objects.create(
            call_id=f"c{i}",
            direction="in",
            from_number="13812345678",
            to_number="95598",
            customer_number="13812345678",
            state="ended",
            started_at=timezone.now() - dt.timedelta(hours=i),
        )

    with django_assert_max_num_queries(5):
        overview = customer_overview(people["agent"], customer)

    assert [c.call_id for c in overview.calls] == ["c0", "c1", "c2", "c3", "c4"]
    assert customer_overview(people["dept_handler"], customer).calls == []
    assert Tag.objects.filter(name="重点客户").exists()
