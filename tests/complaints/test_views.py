"""The complaint card on the ticket page: the steps each role is offered, and each step
through the page writing the same timeline as the API."""

from kefu.complaints.models import Complaint
from kefu.tickets import services as tickets
from kefu.tickets.models import TicketEvent
from tests.complaints.factories import make_complaint


def test_the_page_offers_each_role_its_steps(people, web_as):
    agent, handler = people["agent"], people["dept_handler"]
    ticket = make_complaint(agent, department="repair", source="media")
    page = web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()
    assert 'data-testid="severity">重大' in page
    assert "媒体曝光" in page
    assert 'data-testid="step-classify"' in page
    assert 'data-testid="step-plan"' not in page  # the department proposes, not the agent
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    page = web_as(handler).get(f"/tickets/{ticket.serial}/").content.decode()
    assert 'data-testid="step-plan"' in page
    assert 'data-testid="step-severity"' not in page


def test_a_plan_is_proposed_and_approved_through_the_page(people, client):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    ticket = make_complaint(agent, department="repair")
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    client.force_login(handler)
    base = f"/tickets/{ticket.serial}/complaint/"
    empty = client.post(base + "plan", {"text": " "}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 422
    assert "请填写处理方案" in empty.content.decode()
    assert client.post(base + "plan", {"text": "更换破损水表"}).status_code == 302
    client.force_login(head)
    page = client.post(base + "decide", {"approve": "1", "note": ""}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert "已批准" in page.content.decode()
    actions = TicketEvent.objects.filter(ticket=ticket, kind="complaint").values_list(
        "action", "actor__username"
    )
    assert list(actions) == [("plan_proposed", "handler"), ("plan_approved", "head")]


def test_an_unknown_step_is_not_found_and_a_get_changes_nothing(people, client):
    agent = people["agent"]
    ticket = make_complaint(agent)
    client.force_login(agent)
    assert client.post(f"/tickets/{ticket.serial}/complaint/explode").status_code == 404
    assert client.get(f"/tickets/{ticket.serial}/complaint/classify").status_code == 405
    assert Complaint.objects.get(ticket=ticket).complaint_class == ""


def test_the_workbench_records_a_complaint_with_its_fields(people, client):
    agent = people["agent"]
    client.force_login(agent)
    form = {
        "type": "complaint",
        "channel": "phone",
        "priority": "normal",
        "reply_method": "phone",
        "content": "水费账单金额异常偏高",
        "caller_number": "13800138000",
        "area": "yhy",
        "category": "billing",
        "source": "government",
        "complaint_class": "",
        "confirmed": "on",
    }
    response = client.post("/tickets/new", form)
    assert response.status_code == 302
    complaint = Complaint.objects.select_related("ticket", "category").get()
    assert (complaint.category.code, complaint.severity, complaint.reasons) == (
        "billing",
        "major",
        ["government"],
    )
    assert complaint.ticket.area.code == "yhy"


def test_the_read_back_tells_a_complaining_customer_when_the_result_is_due(
    people, client, time_machine
):
    import datetime as dt
    from zoneinfo import ZoneInfo

    time_machine.move_to(dt.datetime(2025, 9, 30, 17, 20, tzinfo=ZoneInfo("Asia/Shanghai")))
    client.force_login(people["agent"])
    form = {
        "type": "complaint",
        "channel": "phone",
        "priority": "normal",
        "reply_method": "phone",
        "content": "抄表员态度恶劣",
        "contact_name": "王先生",
    }
    general = client.post("/tickets/new", form, HTTP_HX_REQUEST="true").content.decode()
    # 2 business hours from 17:20 on the eve of National Day: 10 minutes, then 10-09 08:30.
    assert "处理结果最迟 2025-10-09 10:20 前给您" in general
    major = client.post(
        "/tickets/new", form | {"loss_or_injury": "on"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "处理结果最迟 2025-10-10 17:30 前给您" in major
    # Any other request: an answer within three days, the holiday included.
    repair = client.post("/tickets/new", form | {"type": "repair"}, HTTP_HX_REQUEST="true")
    assert "处理结果最迟 2025-10-03 23:59 前给您" in repair.content.decode()
    # An urgent one: round the clock, 24 hours.
    urgent = client.post(
        "/tickets/new", form | {"type": "repair", "priority": "urgent"}, HTTP_HX_REQUEST="true"
    )
    assert "处理结果最迟 2025-10-01 17:20 前给您" in urgent.content.decode()


def test_the_timeline_names_every_complaint_step(people, web_as):
    agent, supervisor = people["agent"], people["supervisor"]
    from kefu.complaints import services as complaints

    ticket = make_complaint(agent, source="media")  # major at intake
    complaints.override_severity(
        ticket.serial, actor=supervisor, severity="general", reason="报道不实"
    )
    complaints.classify_complaint(ticket.serial, actor=agent, complaint_class="assist")
    complaints.update_facts(ticket.serial, actor=agent, loss_or_injury=True)  # major again
    page = web_as(supervisor).get(f"/tickets/{ticket.serial}/").content.decode()
    assert "认定严重程度</span> → 一般" in page
    assert "界定责任</span> → 协助处理投诉" in page
    assert "严重程度变化</span> → 重大" in page
