"""Saving a repair (or an order) with 派工 makes its work order (派工单) in the same step,
sent at once to the crew or field staff member chosen on the workbench; the read-back says
so; a work order that cannot be made leaves nothing written."""

from __future__ import annotations

import pytest

from kefu.complaints.models import RoutingRule
from kefu.dispatch.models import WorkOrder
from kefu.tickets.models import Ticket, TicketType
from tests.customers.factories import make_customer
from tests.dispatch.factories import make_field

pytestmark = pytest.mark.django_db

REPAIR = {
    "caller_number": "13812345678",
    "contact_name": "王先生",
    "type": "repair",
    "channel": "phone",
    "priority": "normal",
    "content": "厨房水管爆裂,水漫到客厅",
    "reply_method": "phone",
    "department": "repair",
}


@pytest.fixture
def field(org, people):
    return make_field(org, people)


def readback(client, form, status: int = 200) -> str:
    page = client.post("/tickets/new", form, HTTP_HX_REQUEST="true")
    assert page.status_code == status
    return page.content.decode()


def said_of_order(page: str) -> str:
    assert 'data-testid="readback-order"' in page, page[:3000]
    return page.split('data-testid="readback-order">')[1].split("</dd>")[0]


def test_a_repair_saved_with_a_crew_is_a_dispatched_work_order_in_one_step(agent, web_as, field):
    customer = make_customer(agent, address="幸福路 8 号 3 栋 502")
    client = web_as(agent)
    form = REPAIR | {"customer_id": customer.id, "crew": field["crew"].pk}
    said = said_of_order(readback(client, form))
    assert "维修" in said and "幸福路 8 号 3 栋 502" in said and "一班" in said
    assert not Ticket.objects.exists() and not WorkOrder.objects.exists()  # only read back

    client.post("/tickets/new", form | {"confirmed": "on"}, HTTP_HX_REQUEST="true")
    ticket = Ticket.objects.get()
    order = WorkOrder.objects.get()
    assert order.ticket_id == ticket.id
    assert (ticket.status, ticket.department.code) == ("dispatched", "repair")
    assert (order.status, order.crew, order.assignee) == (
        "dispatched",
        field["crew"],
        field["fitter"],  # the crew's leader takes it
    )
    assert (order.address, order.customer_phone, order.customer_id) == (
        "幸福路 8 号 3 栋 502",
        "13812345678",
        customer.id,
    )
    assert order.goods == "厨房水管爆裂,水漫到客厅"


def test_the_agent_may_name_a_field_person_and_another_address(agent, api_as, field):
    response = api_as(agent).post(
        "/tickets",
        REPAIR | {"accept": True, "field_staff": "5102", "address": "幸福路 10 号门口"},
    )
    assert response.status_code == 201, response.content
    order = WorkOrder.objects.get(serial=response.json()["work_orders"][0])
    assert (order.status, order.assignee, order.crew) == ("dispatched", field["helper"], None)
    assert order.address == "幸福路 10 号门口"


def test_without_a_crew_the_work_order_waits_for_the_dispatcher(agent, web_as, field):
    customer = make_customer(agent, address="幸福路 8 号")
    client = web_as(agent)
    said = said_of_order(readback(client, REPAIR | {"customer_id": customer.id}))
    assert "由调度派工" in said
    client.post(
        "/tickets/new",
        REPAIR | {"customer_id": customer.id, "confirmed": "on"},
        HTTP_HX_REQUEST="true",
    )
    order = WorkOrder.objects.get()
    assert (order.status, order.assignee, order.department.code) == ("pending", None, "repair")


@pytest.mark.parametrize(
    ("extra", "field_name", "message"),
    [
        # No address on the customer's file and none typed.
        ({}, "address", "派工需要上门地址"),
        # A crew of another department.
        ({"address": "幸福路 8 号", "department": "billing"}, "crew", "班组不属于派工部门"),
        # A field person nobody knows.
        ({"address": "幸福路 8 号", "field_staff": "nobody"}, "field_staff", "外勤人员不存在"),
        # A crew for a request that makes no work order.
        ({"address": "幸福路 8 号", "type": "inquiry"}, "crew", "不能指定班组"),
        # A crew and nobody to send the request to.
        ({"address": "幸福路 8 号", "department": ""}, "crew", "不能指定班组"),
    ],
)
def test_a_work_order_that_cannot_be_made_is_refused_before_anything_is_written(
    agent, web_as, api_as, field, extra, field_name, message
):
    form = REPAIR | {"caller_number": "13900007777", "crew": field["crew"].pk} | extra
    if "field_staff" in extra:
        form.pop("crew")
    page = readback(web_as(agent), form, status=422)
    assert 'data-testid="readback"' not in page
    assert message in page
    response = api_as(agent).post("/tickets", form | {"accept": True})
    assert response.status_code == 422, response.content
    error = response.json()
    assert error["field"] == field_name and message in error["detail"]
    assert not Ticket.objects.exists() and not WorkOrder.objects.exists()


def test_routed_by_the_table_the_order_is_made_only_when_the_address_is_known(
    agent, api_as, org, field
):
    RoutingRule.objects.create(
        ticket_type=TicketType.objects.get(code="repair"), department=org["depts"]["repair"]
    )
    api = api_as(agent)
    body = REPAIR | {"accept": True, "department": ""}
    # A caller nobody knows: routed, and the department's dispatcher makes the order.
    unknown = api.post("/tickets", body | {"caller_number": "13900008888"})
    assert unknown.status_code == 201, unknown.content
    assert (unknown.json()["department"], unknown.json()["work_orders"]) == ("repair", [])
    # A known customer with an address: routed and the order made with it.
    customer = make_customer(agent, phones=("13900009999",), address="幸福路 12 号")
    known = api.post("/tickets", body | {"caller_number": "13900009999"})
    assert known.status_code == 201, known.content
    order = WorkOrder.objects.get(serial=known.json()["work_orders"][0])
    assert (order.customer_id, order.address, order.status) == (
        customer.id,
        "幸福路 12 号",
        "pending",
    )


def test_an_inquiry_dispatched_makes_no_work_order(agent, api_as):
    response = api_as(agent).post(
        "/tickets", REPAIR | {"type": "inquiry", "accept": True, "content": "水费怎么交"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["work_orders"] == [] and not WorkOrder.objects.exists()


def test_a_ticket_with_an_open_work_order_is_not_cancelled_before_it(agent, api_as, field):
    api = api_as(agent)
    serial = api.post("/tickets", REPAIR | {"accept": True, "address": "幸福路 8 号"}).json()[
        "serial"
    ]
    refused = api.post(f"/tickets/{serial}/transitions", {"action": "cancel", "note": "重复"})
    assert refused.status_code == 409
    assert "请先撤销派工单再撤销工单" in refused.json()["detail"]
    assert Ticket.objects.get(serial=serial).status == "dispatched"
