"""Where a conversation stops: who may join a mail thread, what a masked role may read of it,
merged tickets, and channels a reply cannot take."""

from __future__ import annotations

import pytest

from kefu.conversations.models import Direction, Message
from kefu.conversations.services import (
    FIRST_REPLY,
    Inbound,
    InboundFile,
    link_customer,
    receive,
    reply,
)
from kefu.core.errors import ServiceError
from kefu.notify.models import Delivery
from kefu.tickets.models import TicketEvent
from kefu.tickets.services import merge_tickets
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def mail(address: str = "wang.xm@example.org", **fields) -> Inbound:
    values = {
        "channel": "email",
        "address": address,
        "name": "王小明",
        "subject": "家里漏水",
        "body": "解放路8号2单元301厨房漏水,请派人来看看。",
        "external_id": "<first@example.org>",
        "center_address": "service@water.example.com",
        "type": "repair",
    }
    return Inbound(**(values | fields))


def test_a_stranger_answering_the_thread_gets_a_ticket_of_their_own(agent):
    ticket = receive(mail()).ticket
    stranger = receive(
        mail(
            "stranger@evil.example",
            subject="hello",
            body="给我看看",
            external_id="<s1@evil.example>",
            thread_ids=["<first@example.org>"],
        )
    )
    assert stranger.created and stranger.ticket.pk != ticket.pk
    # The customer's own answer in the thread joins it.
    own = receive(
        mail(external_id="<second@example.org>", thread_ids=["<first@example.org>"], body="补充")
    )
    assert own.ticket.pk == ticket.pk and not own.created
    sent = reply(ticket.serial, actor=agent, text="已安排维修师傅上门。")
    assert sent.address == "wang.xm@example.org"


def test_a_bounce_joins_the_thread_and_the_reply_still_goes_to_the_customer(agent):
    ticket = receive(mail()).ticket
    bounce = receive(
        mail(
            "mailer-daemon@water.example.com",
            subject="Undelivered Mail Returned to Sender",
            body="delivery failed",
            external_id="<bounce@water.example.com>",
            thread_ids=["<first@example.org>"],
            auto_submitted=True,
        )
    )
    assert bounce.ticket.pk == ticket.pk and not bounce.acknowledged
    sent = reply(ticket.serial, actor=agent, text="已安排维修师傅上门。")
    assert sent.address == "wang.xm@example.org"


def test_a_forged_auto_reply_in_the_thread_wins_the_stranger_nothing(agent):
    ticket = receive(mail()).ticket
    forged = receive(
        mail(
            "evil@other.example",
            subject="Re: 家里漏水",
            body="auto",
            external_id="<f1@other.example>",
            thread_ids=["<first@example.org>"],
            auto_submitted=True,
        )
    )
    assert forged.ticket.pk == ticket.pk  # kept with the thread, as automatic mail
    quoted = receive(
        mail(
            "evil@other.example",
            subject=f"水费问题 [#{ticket.serial}]",
            body="把账单发给我",
            external_id="<f2@other.example>",
        )
    )
    assert quoted.created and quoted.ticket.pk != ticket.pk
    sent = reply(ticket.serial, actor=agent, text="您好,账单见附件。")
    assert sent.address == "wang.xm@example.org"


def test_an_auto_reply_is_an_inquiry_and_awaits_no_first_reply(org):
    got = receive(
        mail(
            "zhang@example.com",
            type="",
            subject="自动回复:我正在休假",
            body="我正在休假,对你们的服务非常不满意的事情回来再说,投诉请找我的同事。",
            external_id="<ooo@example.com>",
            auto_submitted=True,
        )
    )
    assert got.ticket.type.code == "inquiry"
    assert not got.ticket.deadlines.filter(code=FIRST_REPLY).exists()


def test_a_masked_role_reads_neither_the_reply_address_nor_the_original_mail(
    people, agent, api_as, web_as
):
    ticket = receive(mail(files=[InboundFile("照片.txt", "text/plain", b"x")])).ticket
    received = Message.objects.get(ticket=ticket, direction=Direction.IN)
    received.attachments.create(name="original.eml", size=3, original=True, file="x.eml")
    reply(ticket.serial, actor=agent, text="已安排维修师傅上门。")
    quality = api_as(people["quality"])
    timeline = quality.get(f"/tickets/{ticket.serial}").json()["timeline"]
    sent_to = [e["data"]["to"] for e in timeline if e["action"] == "reply"]
    assert sent_to == ["wa****@example.org"]
    full = api_as(agent).get(f"/tickets/{ticket.serial}").json()["timeline"]
    assert [e["data"]["to"] for e in full if e["action"] == "reply"] == ["wang.xm@example.org"]
    original = received.attachments.get(original=True)
    assert quality.get(f"/conversations/files/{original.pk}").status_code == 404
    items = quality.get(f"/conversations/{ticket.serial}/messages").json()["items"]
    assert [f["name"] for f in items[0]["files"]] == ["照片.txt"]
    page = web_as(people["quality"]).get(f"/tickets/{ticket.serial}/").content.decode()
    assert "原始邮件" not in page
    assert "原始邮件" in web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()


def test_a_merged_ticket_takes_no_reply_and_its_page_offers_none(agent, api_as, web_as):
    first = make_ticket(agent, caller_number="13900000001")
    survivor = make_ticket(agent, caller_number="13900000001")
    merge_tickets(first.serial, into=survivor.serial, actor=agent)
    answer = api_as(agent).post(f"/tickets/{first.serial}/reply", {"text": "已处理", "via": "sms"})
    assert answer.status_code == 409 and survivor.serial in answer.json()["detail"]
    assert not Delivery.objects.filter(event="ticket.reply").exists()
    page = web_as(agent).get(f"/tickets/{first.serial}/").content.decode()
    assert 'data-testid="reply"' not in page and 'data-testid="link-customer"' not in page


def test_an_sms_reply_goes_to_a_mobile_only(agent, api_as):
    ticket = make_ticket(agent, caller_number="01012345678")
    answer = api_as(agent).post(f"/tickets/{ticket.serial}/reply", {"text": "已处理", "via": "sms"})
    assert answer.status_code == 422 and answer.json()["field"] == "to"
    to_mobile = api_as(agent).post(
        f"/tickets/{ticket.serial}/reply", {"text": "已处理", "via": "sms", "to": "13911112222"}
    )
    assert to_mobile.status_code == 201
    assert Delivery.objects.get(event="ticket.reply").address == "13911112222"


def test_field_staff_do_not_say_whose_request_it_is(people, agent):
    customer = make_customer(agent, name="张伟")
    ticket = make_ticket(agent, department="repair", caller_number="13900000002")
    with pytest.raises(ServiceError) as refused:
        link_customer(ticket.serial, actor=people["dept_handler"], customer_id=customer.pk)
    assert refused.value.code == "forbidden"


def test_keeping_the_address_of_a_ticket_already_the_customers_is_on_the_timeline(agent):
    customer = make_customer(agent, name="张伟", phones=("13812345678",))
    ticket = receive(mail()).ticket
    link_customer(ticket.serial, actor=agent, customer_id=customer.pk)
    link_customer(ticket.serial, actor=agent, customer_id=customer.pk, remember=True)
    customer.refresh_from_db()
    assert customer.email == "wang.xm@example.org"
    kept = TicketEvent.objects.filter(ticket=ticket, action="customer").order_by("id")
    assert [e.data["remembered"] for e in kept] == [False, True]
