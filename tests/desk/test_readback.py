"""The read-back (复述确认) says what saving does: the department (and its branch) the request
will go to, chosen by the agent or by the routing table (派单规则), and the routing table
keeps to the caller's branch."""

from __future__ import annotations

import pytest

from kefu.complaints.models import Category, RoutingRule
from kefu.tickets.models import Ticket, TicketType
from tests.customers.factories import make_customer

pytestmark = pytest.mark.django_db

COMPLAINT = {
    "caller_number": "",
    "type": "complaint",
    "channel": "phone",
    "priority": "normal",
    "content": "维修师傅上门态度很差,还把地板弄脏了",
    "reply_method": "phone",
    "category": "attitude",
}


@pytest.fixture
def rules(org):
    complaint = TicketType.objects.get(code="complaint")
    attitude = Category.objects.get(code="attitude")
    # Written for head office: its billing department hears of attitude complaints.
    RoutingRule.objects.create(
        ticket_type=complaint, category=attitude, department=org["depts"]["billing"]
    )
    return complaint


def read_back_then_save(client, form):
    page = client.post("/tickets/new", form, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="readback"' in page, page[:2000]
    said = page.split("派工部门</dt><dd>")[1].split("</dd>")[0]
    client.post("/tickets/new", form | {"confirmed": "on"}, HTTP_HX_REQUEST="true")
    return said, Ticket.objects.select_related("department__branch").latest("id")


def test_the_read_back_names_the_department_the_routing_table_chooses(agent, web_as, rules):
    customer = make_customer(agent, phones=("13900001111",), area="yhy")
    said, ticket = read_back_then_save(web_as(agent), COMPLAINT | {"customer_id": customer.id})
    assert said == "营业部(总公司)"
    assert ticket.department.code == "billing"


def test_a_branch_callers_request_is_never_routed_to_another_branch(agent, web_as, org, rules):
    customer = make_customer(agent, name="深圳客户", phones=("13900002222",), area="nsh")
    client = web_as(agent)
    # Only a head-office rule matches: nothing is chosen, and the read-back says so.
    said, ticket = read_back_then_save(client, COMPLAINT | {"customer_id": customer.id})
    assert said == "暂不派工"
    assert ticket.branch.code == "sz" and ticket.department is None
    # 深圳's own rule: the read-back and the ticket name 深圳维修站.
    RoutingRule.objects.create(ticket_type=rules, department=org["depts"]["sz-repair"])
    said, ticket = read_back_then_save(client, COMPLAINT | {"customer_id": customer.id})
    assert said == "深圳维修站(深圳分公司)"
    assert ticket.department.code == "sz-repair"


def test_a_department_the_agent_chose_wins_and_a_wrong_one_is_refused_at_read_back(
    agent, web_as, rules
):
    client = web_as(agent)
    said, ticket = read_back_then_save(client, COMPLAINT | {"department": "repair"})
    assert said == "维修部(总公司)" and ticket.department.code == "repair"
    count = Ticket.objects.count()
    page = client.post(
        "/tickets/new", COMPLAINT | {"department": "nowhere"}, HTTP_HX_REQUEST="true"
    )
    assert page.status_code == 422
    assert Ticket.objects.count() == count


def test_the_api_routes_by_the_branch_too(api_as, agent, org, rules):
    body = {k: v for k, v in COMPLAINT.items() if k != "caller_number"} | {"accept": True}
    api = api_as(agent)
    sz = make_customer(agent, name="深圳客户", phones=("13900003333",), area="nsh")
    made = api.post("/tickets", body | {"customer_id": sz.id})
    assert made.status_code == 201, made.json()
    assert not made.json()["department"]
    hq = make_customer(agent, name="总公司客户", phones=("13900004444",), area="yhy")
    made = api.post("/tickets", body | {"customer_id": hq.id})
    assert made.json()["department"] == "billing"
