"""The dispatch desk pages: list, new order with preview, the order page and its actions."""

from __future__ import annotations

import pytest

from kefu.dispatch.models import Status, WorkOrder
from tests.dispatch.factories import make_field, make_order
from tests.tickets.factories import make_ticket


@pytest.fixture
def field(org, people):
    return make_field(org, people)


FORM = {
    "kind": "repair",
    "source": "phone",
    "department": "repair",
    "customer_name": "王先生",
    "customer_phone": "13512345678",
    "area": "yhy",
    "address": "阳光花园3栋2单元501",
    "goods": "厨房水管爆裂",
    "assignee": "fitter",
    "dispatch": "on",
}


def test_agent_creates_and_dispatches_an_order_from_the_form(web_as, agent, field):
    client = web_as(agent)
    response = client.post("/workorders/new", FORM)
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response.url == f"/workorders/{order.serial}/"
    assert order.status == Status.DISPATCHED
    assert order.assignee == field["fitter"]
    page = client.get(response.url)
    assert page.status_code == 200
    assert order.serial in page.content.decode()


def test_a_bad_phone_is_refused_with_the_field_named_and_nothing_written(web_as, agent, field):
    response = web_as(agent).post("/workorders/new", FORM | {"customer_phone": "abc"})
    assert response.status_code == 422
    assert "电话号码无效" in response.content.decode()
    assert WorkOrder.objects.count() == 0


@pytest.mark.parametrize("name", ["weight", "consignee", "consignee_phone", "quantity"])
def test_a_repair_carries_no_freight_fields(web_as, api_as, agent, field, name):
    # The form marks them as freight fields (shown for 上门取件 and 送货 only)…
    page = web_as(agent).get("/workorders/new").content.decode()
    assert f'data-freight data-testid="freight-{name}"' in page
    assert 'data-freight-kinds="pickup delivery"' in page
    # …and a repair that sends one anyway, by the form or the API, is refused, naming it.
    response = web_as(agent).post("/workorders/new", FORM | {name: "13698765432"})
    assert response.status_code == 422
    assert "「维修」派工单没有此项" in response.content.decode()
    api = api_as(agent).post("/workorders", FORM | {name: "13698765432", "dispatch": False})
    assert api.status_code == 422 and api.json()["field"] == name
    assert WorkOrder.objects.count() == 0
    pickup = web_as(agent).post("/workorders/new", FORM | {"kind": "pickup", name: "13698765432"})
    assert pickup.status_code == 302


def test_new_order_from_a_ticket_takes_its_content_and_the_ticket_goes_to_the_department(
    web_as, agent, field
):
    ticket = make_ticket(agent, content="楼道水管漏水", caller_number="13512345678")
    client = web_as(agent)
    page = client.get(f"/workorders/new?ticket={ticket.serial}")
    assert "楼道水管漏水" in page.content.decode()
    response = client.post("/workorders/new", FORM | {"ticket": ticket.serial})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "dispatched"
    assert ticket.department.code == "repair"
    assert ticket.events.filter(kind="work_order").count() == 2  # created, dispatched


def test_preview_shows_the_text_and_its_length(web_as, agent, field):
    response = web_as(agent).post("/workorders/preview", FORM)
    body = response.content.decode()
    assert response.status_code == 200
    assert "[P000000000]王先生,13512345678,阳光花园3栋2单元501,厨房水管爆裂[8011]" in body
    assert "53 / 70" in body


def test_close_is_refused_before_completion_and_the_page_says_why(web_as, agent, field):
    order = make_order(agent, dispatch_to=field["fitter"])
    response = web_as(agent).post(f"/workorders/{order.serial}/close", {"note": ""})
    assert response.status_code == 409
    assert "当前状态不允许此操作" in response.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


def test_another_department_gets_404(web_as, agent, field, other_dept_handler):
    order = make_order(agent, dispatch_to=field["fitter"])
    client = web_as(other_dept_handler)
    assert client.get(f"/workorders/{order.serial}/").status_code == 404
    assert client.post(f"/workorders/{order.serial}/cancel", {"note": "x"}).status_code == 404


def test_the_list_shows_the_departments_orders_to_its_head(web_as, agent, field, people):
    order = make_order(agent, dispatch_to=field["fitter"])
    page = web_as(people["dept_head"]).get("/workorders/")
    assert order.serial in page.content.decode()


def test_a_failed_sms_is_sent_again_by_hand_once_the_phone_is_on_file(web_as, agent, field):
    from kefu.dispatch.models import DispatchMessage

    helper = field["helper"]
    helper.staff.phone = ""
    helper.staff.save(update_fields=["phone"])
    order = make_order(agent, dispatch_to=helper)
    failed = DispatchMessage.objects.get(order=order, role="assignee")
    client = web_as(agent)
    page = client.get(f"/workorders/{order.serial}/").content.decode()
    assert f'data-testid="resend-{failed.pk}"' in page
    refused = client.post(f"/workorders/messages/{failed.pk}/resend", {"serial": order.serial})
    assert refused.status_code == 422
    assert "接收人未登记有效手机号" in refused.content.decode()
    helper.staff.phone = "13800000002"
    helper.staff.save(update_fields=["phone"])
    response = client.post(f"/workorders/messages/{failed.pk}/resend", {"serial": order.serial})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.phone, failed.delivery.address) == ("13800000002", "13800000002")
    assert order.tracking.filter(action="resend").count() == 1


def test_field_staff_cannot_resend_dispatch_sms(web_as, agent, field):
    from kefu.dispatch.models import DispatchMessage

    order = make_order(agent, dispatch_to=field["fitter"])
    message = DispatchMessage.objects.get(order=order, role="assignee")
    response = web_as(field["fitter"]).post(
        f"/workorders/messages/{message.pk}/resend", {"serial": order.serial}
    )
    assert response.status_code == 403


def test_the_list_counts_todays_dispatches_against_three_minutes(
    web_as, agent, field, time_machine
):
    import datetime as dt
    from zoneinfo import ZoneInfo

    now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    time_machine.move_to(now - dt.timedelta(days=1), tick=False)
    make_order(agent, dispatch_to=field["fitter"])  # yesterday: not today's figure
    time_machine.move_to(now - dt.timedelta(minutes=10), tick=False)
    make_order(agent, dispatch_to=field["fitter"])  # its SMS never left: late
    time_machine.move_to(now, tick=False)
    page = web_as(agent).get("/workorders/").content.decode()
    assert "今日派工短信时效:1 单,3 分钟内发出 0 单(0.0%)" in page


def test_the_list_page_and_the_api_show_the_same_page(agent, field, web_as, api_as):
    for n in range(5):
        make_order(agent, goods=f"{n}号水表漏水")
    query = {"status": "all", "page": 2, "per_page": 2}

    page = web_as(agent).get("/workorders/", query).context["page"]
    api = api_as(agent).get("/workorders", {"page": 2, "per_page": 2}).json()

    assert [o.serial for o in page.items] == [o["serial"] for o in api["items"]]
    assert (page.count, page.page, page.per_page) == (api["count"], 2, 2) == (5, 2, 2)
