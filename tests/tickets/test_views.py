import json
import re

from kefu.tickets.models import Status, Ticket
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

INTAKE = {
    "caller_number": "138 1234 5678",
    "contact_name": "王先生",
    "type": "repair",
    "channel": "phone",
    "priority": "normal",
    "content": "厨房水管爆裂",
    "desired_result": "尽快上门",
    "reply_method": "phone",
    "department": "repair",
    "address": "幸福路 8 号",
}


def test_intake_reads_back_before_saving_then_saves(agent, web_as):
    customer = make_customer(agent)
    client = web_as(agent)
    readback = client.post(
        "/tickets/new", INTAKE | {"customer_id": customer.id}, HTTP_HX_REQUEST="true"
    )
    assert readback.status_code == 200
    text = readback.content.decode()
    assert "请向客户复述确认" in text and "厨房水管爆裂" in text and "维修部" in text
    assert Ticket.objects.count() == 0
    saved = client.post(
        "/tickets/new",
        INTAKE | {"customer_id": customer.id, "confirmed": "on"},
        HTTP_HX_REQUEST="true",
    )
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.customer, ticket.department.code) == (
        Status.DISPATCHED,
        customer,
        "repair",
    )
    # Saved: an empty form for the next call, with the serial (linked) and what was made.
    assert saved.status_code == 200
    assert json.loads(saved["HX-Trigger"]) == {"kefu:saved": {"serial": ticket.serial}}
    page = saved.content.decode()
    toast = page.split('data-testid="saved-toast"')[1].split("</p>")[0]
    order = ticket.work_orders.get()
    assert f'href="/tickets/{ticket.serial}/"' in toast and "已派工" in toast
    assert f'href="/workorders/{order.serial}/"' in toast
    assert 'id="intake-form"' in page and "厨房水管爆裂" not in page.split(toast)[1]


def test_saving_without_script_returns_to_the_workbench_with_the_serial(agent, web_as, people):
    client = web_as(agent)
    saved = client.post("/tickets/new", INTAKE | {"confirmed": "on"})
    ticket = Ticket.objects.get()
    assert (saved.status_code, saved.url) == (302, f"/?saved={ticket.serial}")
    page = client.get(saved.url).content.decode()
    assert 'data-testid="saved-toast"' in page and ticket.serial in page
    # A serial the user may not see (another branch's agent) is not named.
    other = web_as(people["sz_agent"]).get(saved.url).content.decode()
    assert 'id="intake-form"' in other
    assert 'data-testid="saved-toast"' not in other


def test_intake_error_is_shown_in_chinese_and_nothing_saved(agent, web_as):
    response = web_as(agent).post(
        "/tickets/new", INTAKE | {"caller_number": "电话", "confirmed": "on"}
    )
    assert response.status_code == 422
    assert "来电号码无效" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_workbench_pops_the_profile(agent, web_as):
    make_customer(agent, name="王先生", address="阳光花园1栋")
    make_ticket(agent, caller_number="13812345678", content="上次报修水表")
    client = web_as(agent)
    assert client.get("/").status_code == 200
    profile = client.get("/workbench/lookup", {"phone": "+86 138-1234-5678"}).content.decode()
    assert "王先生" in profile and "上次报修水表" in profile and "13812345678" in profile


def test_quality_inspector_sees_masked_numbers(people, web_as):
    make_customer(people["agent"])
    profile = web_as(people["quality"]).get("/workbench/lookup", {"phone": "13812345678"})
    text = profile.content.decode()
    assert "138****5678" in text and "13812345678" not in text


def test_ticket_page_offers_only_legal_actions_and_applies_them(agent, dept_handler, web_as):
    ticket = make_ticket(agent, department="repair")
    client = web_as(dept_handler)
    page = client.get(f"/tickets/{ticket.serial}/").content.decode()
    assert 'data-testid="action-start"' in page
    assert 'data-testid="action-cancel"' not in page
    done = client.post(
        f"/tickets/{ticket.serial}/action", {"action": "start"}, HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 200
    assert "处理中" in done.content.decode()
    refused = client.post(
        f"/tickets/{ticket.serial}/action", {"action": "start"}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 422
    assert "当前状态不允许此操作" in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_state_never_changes_on_get(agent, web_as):
    ticket = make_ticket(agent)
    response = web_as(agent).get(f"/tickets/{ticket.serial}/action", {"action": "cancel"})
    assert response.status_code == 405
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED


def test_queue_page_lists_and_searches(agent, web_as):
    make_ticket(agent, content="片区停水")
    make_ticket(agent, content="咨询水价")
    text = web_as(agent).get("/tickets/", {"q": "停水"}).content.decode()
    assert "片区停水" in text and "咨询水价" not in text


def test_queue_page_query_count_does_not_grow_with_rows(agent, web_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web_as(agent)
    customer = make_customer(agent)
    make_ticket(agent, customer_id=customer.id, department="repair")
    client.get("/tickets/")  # the viewer's permissions are read once, then kept (refcache)
    with CaptureQueriesContext(connection) as few:
        client.get("/tickets/")
    for n in range(15):
        make_ticket(agent, customer_id=customer.id, department="repair", content=f"第{n}件")
    with CaptureQueriesContext(connection) as many:
        client.get("/tickets/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_other_department_gets_404_page(agent, other_dept_handler, web_as):
    ticket = make_ticket(agent, department="repair")
    assert web_as(other_dept_handler).get(f"/tickets/{ticket.serial}/").status_code == 404


def test_english_is_available(agent, web_as):
    client = web_as(agent)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    workbench = client.get("/").content.decode()
    assert "New ticket" in workbench and "受理登记" not in workbench
    readback = client.post("/tickets/new", INTAKE, HTTP_HX_REQUEST="true").content.decode()
    assert "Read back to the customer" in readback
    assert "王先生, let me confirm: you reported “厨房水管爆裂”" in readback
    assert "we will reply to you by Phone" in readback
    ticket = make_ticket(agent, department="repair")
    page = client.get(f"/tickets/{ticket.serial}/").content.decode()
    assert ">Dispatch<" in page and ">Cancel<" in page and "派工" not in page


def test_caller_log_is_for_center_staff_only(agent, dept_handler, web_as):
    assert web_as(agent).get("/calls/").status_code == 200
    assert web_as(dept_handler).get("/calls/").status_code == 403


def test_plain_form_post_redirects_back_to_the_ticket(agent, web_as):
    ticket = make_ticket(agent)
    response = web_as(agent).post(f"/tickets/{ticket.serial}/note", {"note": "已电话联系客户"})
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.serial}/"


def test_queue_is_cut_by_branch(people, web_as):
    make_ticket(people["agent"], area="nsh", content="深圳片区漏水")
    make_ticket(people["agent"], area="yhy", content="总部片区漏水")
    text = web_as(people["supervisor"]).get("/tickets/", {"branch": "sz"}).content.decode()
    assert "深圳片区漏水" in text and "总部片区漏水" not in text


def test_the_intake_form_stops_typing_where_the_schema_would_refuse(agent, web_as):
    page = web_as(agent).get("/").content.decode()
    tag = re.search(r'<input[^>]*name="contact_name"[^>]*>', page)
    assert tag is not None and 'maxlength="40"' in tag.group(0)
    content = re.search(r'<textarea[^>]*name="content"[^>]*>', page)
    assert content is not None and 'maxlength="5000"' in content.group(0)


def test_cancel_and_merge_stand_apart_and_ask_first(agent, dept_handler, web_as):
    ticket = make_ticket(agent, department="repair")
    page = web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()
    zone = page.split('data-testid="danger-zone"')[1].split("</div>")[0]
    assert 'data-testid="action-cancel"' in zone and 'data-testid="action-merge"' in zone
    assert zone.count("hx-confirm=") == 2 and f"撤销工单 {ticket.serial}?" in zone
    # Nothing destructive among the everyday steps above it.
    steps = page.split('data-testid="actions"')[1].split('data-testid="danger-zone"')[0]
    assert "action-cancel" not in steps and "ticket-merge" not in steps
    # A department handler may do neither: no such box at all.
    handler_page = web_as(dept_handler).get(f"/tickets/{ticket.serial}/").content.decode()
    assert 'data-testid="danger-zone"' not in handler_page
