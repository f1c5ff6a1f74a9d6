"""The agent's reply goes back through the channel the customer used — a mail in its thread
over a real SMTP server, an SMS, the portal — and is in the conversation with its state;
reply templates (快捷回复); the thread on the ticket page and in the API."""

from __future__ import annotations

import pytest

from kefu.conversations.models import Direction, Message, ReplyTemplate
from kefu.conversations.services import (
    FIRST_REPLY,
    Inbound,
    InboundFile,
    fill_template,
    receive,
    reply,
)
from kefu.core.errors import ServiceError
from kefu.notify.models import Delivery
from kefu.sla.models import Deadline
from kefu.tickets.models import TicketEvent
from tests.conftest import ApiClient
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

MAILBOX = "service@water.example.com"


def customer_mail(**fields) -> Inbound:
    values = {
        "channel": "email",
        "address": "zhang.wei@example.com",
        "name": "张伟",
        "subject": "水费账单有误",
        "body": "我家这个月水费 380 元,请核查。",
        "external_id": "<c1@example.com>",
        "thread_ids": ["<older@example.com>"],
        "center_address": MAILBOX,
        "type": "inquiry",
    }
    return Inbound(**(values | fields))


def test_a_reply_to_a_mail_arrives_in_the_customers_thread_over_smtp(
    agent, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL_HOST, settings.NOTIFY_EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.NOTIFY_EMAIL_FROM = "noreply@water.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive(customer_mail()).ticket
    with django_capture_on_commit_callbacks(execute=True):
        sent = reply(ticket.serial, actor=agent, text="经核查,读数录入有误,已为您更正。")
    assert sent.channel == "email" and sent.address == "zhang.wei@example.com"
    # The Maildir does not keep the order they arrived in: the acknowledgement says it is one.
    received = smtp_server.messages()
    (ack,) = [m for m in received if m["Auto-Submitted"]]
    (answer,) = [m for m in received if not m["Auto-Submitted"]]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert answer["In-Reply-To"] == "<c1@example.com>"
    assert answer["References"].split() == ["<older@example.com>", "<c1@example.com>"]
    assert answer["Message-ID"] == sent.external_id
    assert MAILBOX in answer["From"]
    assert answer["Subject"] == f"Re: 水费账单有误 [#{ticket.serial}]"
    assert "已为您更正" in answer.get_content()
    sent.refresh_from_db()
    assert sent.delivery.status == Delivery.Status.SENT
    # The customer answers the reply: it joins the ticket by its Message-ID.
    again = receive(
        customer_mail(external_id="<c2@example.com>", thread_ids=[sent.external_id], body="谢谢")
    )
    assert again.ticket == ticket and not again.created


def test_a_reply_meets_the_first_reply_time_limit_and_is_on_the_timeline(agent):
    ticket = receive(Inbound(channel="sms", address="13912345678", body="停水了")).ticket
    sent = reply(ticket.serial, actor=agent, text="抢修人员已出发,预计下午来水。")
    assert sent.channel == "sms" and sent.address == "13912345678"
    assert sent.delivery.event == "ticket.reply" and sent.author == agent
    deadline = Deadline.objects.get(ticket=ticket, code=FIRST_REPLY)
    assert deadline.state == Deadline.State.MET
    event = TicketEvent.objects.get(ticket=ticket, action="reply")
    assert event.data["via"] == "sms" and event.data["message"] == sent.pk


def test_a_web_reply_is_posted_for_the_portal_without_a_delivery(agent):
    ticket = receive(Inbound(channel="web", address="13912345678", body="门口井盖松动")).ticket
    sent = reply(ticket.serial, actor=agent, text="已安排巡查。")
    assert sent.channel == "web" and sent.delivery is None
    assert not Delivery.objects.filter(event="ticket.reply").exists()


def test_another_channel_may_be_chosen(agent):
    ticket = receive(customer_mail()).ticket
    sent = reply(ticket.serial, actor=agent, text="已更正", via="sms", to="139 1234 5678")
    assert (sent.channel, sent.address) == ("sms", "13912345678")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"text": "  "}, "text"),
        ({"text": "好", "via": "fax"}, "via"),
        ({"text": "好", "via": "chat"}, "via"),  # no chat on a phone ticket
        ({"text": "好" * 1001, "via": "sms"}, "text"),
        ({"text": "好", "via": "email"}, "to"),  # nobody wrote by mail
        ({"text": "好", "via": "email", "to": "x@"}, "to"),
    ],
)
def test_bad_replies_are_refused_and_nothing_is_written(agent, fields, field):
    ticket = make_ticket(agent, caller_number="13800138000")
    with pytest.raises(ServiceError) as refused:
        reply(ticket.serial, actor=agent, **fields)
    assert refused.value.field == field
    assert not Message.objects.exists() and not Delivery.objects.exists()


def test_who_may_reply(people, agent):
    ticket = make_ticket(agent, caller_number="13800138000")
    with pytest.raises(ServiceError) as quality:
        reply(ticket.serial, actor=people["quality"], text="好的")
    assert quality.value.code == "forbidden"
    with pytest.raises(ServiceError) as other_branch:
        reply(ticket.serial, actor=people["other_dept_handler"], text="好的")
    assert other_branch.value.code == "not_found"


def test_templates_the_agents_own_first_filled_for_the_ticket(people, agent):
    ReplyTemplate.objects.create(
        key="ts", title="停水致歉", text="{customer}您好,给您带来不便深表歉意。"
    )
    own = ReplyTemplate.objects.create(
        key="ts", title="我的停水", text="您好,我是{agent_no}号,工单{serial}已催办。", owner=agent
    )
    ReplyTemplate.objects.create(key="ts", title="别人的", text="x", owner=people["lead"])
    ReplyTemplate.objects.create(key="off", title="停用", text="x", is_active=False)
    ticket = make_ticket(agent, caller_number="13800138000", contact_name="王先生")
    found = (
        ApiClient(agent)
        .get("/conversations/templates", {"q": "/t", "serial": ticket.serial})
        .json()
    )
    assert [(t["key"], t["own"]) for t in found] == [("ts", True)]
    assert found[0]["text"] == f"您好,我是8011号,工单{ticket.serial}已催办。"
    center = ReplyTemplate.objects.get(key="ts", owner=None)
    assert fill_template(center, actor=agent, ticket=ticket) == "王先生您好,给您带来不便深表歉意。"
    assert own.pk == found[0]["id"]


def test_the_thread_in_the_api_and_on_the_page_masks_the_address(people, agent, api_as, web_as):
    ticket = receive(customer_mail()).ticket
    reply(ticket.serial, actor=agent, text="已更正")
    body = api_as(agent).get(f"/conversations/{ticket.serial}/messages").json()
    assert body["count"] == 3
    directions = [(m["direction"], m["automatic"]) for m in body["items"]]
    assert directions == [("in", False), ("out", True), ("out", False)]
    first = body["items"][0]
    assert first["address"] == "zhang.wei@example.com" and first["state"] == "received"
    assert body["items"][2]["state"] == "queued" and body["items"][2]["author"] == "李娜[8011]"
    page = web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()
    assert page.count('data-testid="conv-message"') == 3
    assert 'value="email" selected' in page  # the reply goes back by mail
    # The quality inspector reads the thread without the customer's address.
    masked = api_as(people["quality"]).get(f"/conversations/{ticket.serial}/messages").json()
    assert {m["address"] for m in masked["items"]} == {"zh****@example.com"}
    page = web_as(people["quality"]).get(f"/tickets/{ticket.serial}/").content.decode()
    assert "zh****@example.com" in page and "zhang.wei@example.com" not in page
    assert 'data-testid="reply"' not in page


def test_message_files_only_to_who_may_see_the_ticket(people, agent, api_as):
    ticket = receive(customer_mail(files=[InboundFile("a.txt", "text/plain", b"hi")])).ticket
    file_id = Message.objects.get(ticket=ticket, direction=Direction.IN).attachments.get().pk
    assert api_as(agent).get(f"/conversations/files/{file_id}").status_code == 200
    assert api_as(people["sz_agent"]).get(f"/conversations/files/{file_id}").status_code == 404
