"""A customer's message from any channel: a new ticket through the normal intake, or one more
message on their ticket; acknowledged once, never to automatic mail; the channel's rule and
first-reply time limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.conversations.models import ChannelRule, Direction, Message
from kefu.conversations.services import (
    ACKS_PER_DAY,
    FIRST_REPLY,
    Inbound,
    InboundFile,
    first_reply_due,
    receive,
    serial_in,
)
from kefu.core.errors import ServiceError
from kefu.notify.models import Delivery
from kefu.sla.models import Deadline
from kefu.tickets.models import Status, Ticket, TicketEvent
from kefu.tickets.services import merge_tickets
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

MAILBOX = "service@water.example.com"


def mail(**fields) -> Inbound:
    values = {
        "channel": "email",
        "address": "Zhang.Wei@Example.com",
        "name": "张伟",
        "subject": "水费账单有误",
        "body": "我家这个月水费 380 元,比上月多了三倍,请核查。",
        "external_id": "<a1@example.com>",
        "center_address": MAILBOX,
        "type": "inquiry",
    }
    return Inbound(**(values | fields))


def sms(text: str, number: str = "13912345678", gateway_id: str = "") -> Inbound:
    return Inbound(channel="sms", address=number, body=text, external_id=gateway_id)


def test_a_first_sms_makes_a_ticket_acknowledged_with_its_serial(org):
    got = receive(sms("小区停水两天了,什么时候来水?", "+86 139-1234-5678", "gw-1"))
    ticket = got.ticket
    assert got.created and got.acknowledged and not got.duplicate
    assert (ticket.channel, ticket.status, ticket.caller_number) == (
        "sms",
        Status.NEW,
        "13912345678",
    )
    assert ticket.created_by is None  # recorded by the system, not by a person
    message = Message.objects.get(ticket=ticket, direction=Direction.IN)
    assert (message.address, message.body) == ("13912345678", "小区停水两天了,什么时候来水?")
    ack = Delivery.objects.get(event="ticket.received")
    assert (ack.channel, ack.address) == ("sms", "13912345678")
    assert ticket.serial in ack.body
    out = Message.objects.get(ticket=ticket, direction=Direction.OUT)
    assert out.automatic and out.delivery == ack
    assert ticket.events.filter(kind=TicketEvent.Kind.CREATED).count() == 1


def test_a_second_sms_joins_the_open_ticket_and_is_not_acknowledged_again(org):
    first = receive(sms("停水了", gateway_id="gw-1")).ticket
    again = receive(sms("补充:3号楼也没水", gateway_id="gw-2"))
    assert again.ticket == first and not again.created and not again.acknowledged
    assert Ticket.objects.count() == 1
    assert Delivery.objects.filter(event="ticket.received").count() == 1
    row = TicketEvent.objects.get(ticket=first, action="message_in")
    assert row.data["channel"] == "sms" and row.actor is None


def test_the_same_gateway_message_twice_is_recorded_once(org):
    receive(sms("停水了", gateway_id="gw-7"))
    again = receive(sms("停水了", gateway_id="gw-7"))
    assert again.duplicate
    assert Message.objects.filter(direction=Direction.IN).count() == 1


def test_an_sms_from_a_number_whose_ticket_is_archived_makes_a_new_ticket(org, agent):
    old = make_ticket(agent, caller_number="13912345678", channel="sms")
    old.status = Status.CLOSED
    old.save(update_fields=["status"])
    got = receive(sms("又停水了"))
    assert got.created and got.ticket != old


def test_a_mail_makes_a_ticket_and_the_acknowledgement_is_in_its_thread(org):
    got = receive(mail())
    ticket = got.ticket
    assert ticket.channel == "email" and ticket.reply_method == "email"
    assert ticket.content.startswith("水费账单有误\n我家这个月水费")
    ack = Delivery.objects.get(event="ticket.received")
    assert ack.address == "zhang.wei@example.com"
    assert f"[#{ticket.serial}]" in ack.subject
    assert ack.headers["In-Reply-To"] == "<a1@example.com>"
    assert ack.headers["References"] == "<a1@example.com>"
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert MAILBOX in ack.headers["From"]


def test_a_reply_to_the_acknowledgement_joins_the_ticket(org):
    ticket = receive(mail()).ticket
    ack_id = Message.objects.get(ticket=ticket, direction=Direction.OUT).external_id
    got = receive(
        mail(
            external_id="<a2@example.com>",
            subject=f"Re: 已受理:水费账单有误 [#{ticket.serial}]",
            thread_ids=[ack_id, "<a1@example.com>"],
            body="附上账单照片",
        )
    )
    assert got.ticket == ticket and not got.created


def test_a_serial_in_the_subject_is_trusted_only_from_the_tickets_customer(org):
    ticket = receive(mail()).ticket
    subject = f"关于工单 [#{ticket.serial}]"
    stranger = receive(mail(address="someone@else.example", external_id="<s1@x>", subject=subject))
    assert stranger.created and stranger.ticket != ticket
    same = receive(mail(external_id="<a3@example.com>", subject=subject))
    assert same.ticket == ticket


def test_automatic_mail_is_recorded_and_never_acknowledged(org):
    got = receive(mail(auto_submitted=True, subject="自动回复:我正在休假"))
    assert got.created and not got.acknowledged
    assert Message.objects.get(ticket=got.ticket).auto_submitted
    assert not Delivery.objects.filter(event="ticket.received").exists()


def test_a_loop_stops_after_the_days_acknowledgements(org):
    for n in range(ACKS_PER_DAY + 2):
        receive(mail(external_id=f"<loop{n}@example.com>", subject=f"第 {n} 封"))
    assert Delivery.objects.filter(event="ticket.received").count() == ACKS_PER_DAY


def test_a_mail_in_a_closed_tickets_thread_makes_a_new_ticket_that_names_it(org, agent):
    ticket = receive(mail()).ticket
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    got = receive(mail(external_id="<late@example.com>", thread_ids=["<a1@example.com>"]))
    assert got.created and f"续工单 {ticket.serial}" in got.ticket.content


def test_a_message_for_a_merged_ticket_goes_to_the_one_it_was_merged_into(org, agent):
    first = receive(sms("停水了", "13900000001")).ticket
    survivor = make_ticket(agent, caller_number="13900000001")
    merge_tickets(first.serial, into=survivor.serial, actor=agent)
    got = receive(
        Inbound(channel="web", address="13900000001", serial=first.serial, body="还没来水")
    )
    assert got.ticket == survivor


def test_a_ticket_merged_into_another_customers_passes_nothing_on(org, agent):
    first = receive(sms("停水了", "13900000001")).ticket
    theirs = make_ticket(agent, caller_number="13900000099", content="另一位客户的诉求")
    merge_tickets(first.serial, into=theirs.serial, actor=agent)
    named = receive(
        Inbound(channel="web", address="13900000001", serial=first.serial, body="还没来水")
    )
    assert named.created and named.ticket.pk not in (first.pk, theirs.pk)
    assert f"续工单 {first.serial}" in named.ticket.content
    texted = receive(sms("还是没水", "13900000001", "gw-m1"))
    assert texted.ticket.pk not in (first.pk, theirs.pk)
    assert not Message.objects.filter(ticket=theirs).exists()


def test_a_serial_named_by_the_portal_must_be_the_senders(org):
    ticket = receive(sms("停水了", "13900000001")).ticket
    with pytest.raises(ServiceError) as refused:
        receive(Inbound(channel="web", address="13900000002", serial=ticket.serial, body="x"))
    assert refused.value.code == "not_found"
    with pytest.raises(ServiceError) as unknown:
        receive(Inbound(channel="web", address="13900000002", serial="999999999", body="x"))
    assert unknown.value.detail == refused.value.detail  # the same answer: nothing to learn
    assert Message.objects.filter(direction=Direction.IN).count() == 1


@pytest.mark.parametrize(
    "inbound, field",
    [
        (Inbound(channel="fax", address="13900000001", body="x"), "channel"),
        (Inbound(channel="sms", address="not a number", body="x"), "address"),
        (Inbound(channel="email", address="no-at-sign", body="x"), "address"),
        (Inbound(channel="sms", address="13900000001", body="   "), "body"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(org, inbound, field):
    with pytest.raises(ServiceError) as refused:
        receive(inbound)
    assert refused.value.field == field
    assert not Ticket.objects.exists() and not Message.objects.exists()


def test_the_channel_rule_routes_the_request_to_its_department(org):
    ChannelRule.objects.create(channel="email", department=org["depts"]["billing"])
    ticket = receive(mail()).ticket
    assert ticket.status == Status.DISPATCHED and ticket.department == org["depts"]["billing"]


def test_the_most_specific_rule_wins(org):
    ChannelRule.objects.create(channel="sms", department=org["depts"]["billing"])
    ChannelRule.objects.create(
        channel="sms", branch=org["sz"], department=org["depts"]["sz-repair"]
    )
    ticket = receive(Inbound(channel="sms", address="13900000001", body="没水", branch="sz")).ticket
    assert ticket.department == org["depts"]["sz-repair"]


def test_a_mailbox_department_overrides_the_rule(org):
    ChannelRule.objects.create(channel="email", department=org["depts"]["billing"])
    ticket = receive(mail(department="repair")).ticket
    assert ticket.department == org["depts"]["repair"]


def test_every_channel_has_its_first_reply_time_limit(org):
    at = timezone.make_aware(dt.datetime(2026, 11, 30, 10, 0))  # a Monday
    ticket = receive(mail(received_at=at)).ticket
    deadline = Deadline.objects.get(ticket=ticket, code=FIRST_REPLY)
    # One working day of business time: Tuesday 10:00.
    assert timezone.localtime(deadline.due_at) == timezone.make_aware(
        dt.datetime(2026, 12, 1, 10, 0)
    )
    chat = Inbound(channel="chat", address="13900000001", body="在吗", received_at=at)
    chat_ticket = receive(chat).ticket
    chat_deadline = Deadline.objects.get(ticket=chat_ticket, code=FIRST_REPLY)
    assert chat_deadline.due_at - at == dt.timedelta(minutes=1)


def test_a_rule_sets_the_first_reply_time_around_the_clock(org):
    rule = ChannelRule.objects.create(
        channel="email", first_reply_minutes=120, around_the_clock=True
    )
    at = timezone.make_aware(dt.datetime(2026, 11, 28, 22, 0))  # a Saturday night
    assert first_reply_due("email", rule, at) == at + dt.timedelta(hours=2)


def test_files_and_the_original_are_kept(org):
    got = receive(
        mail(
            files=[InboundFile("账单.pdf", "application/pdf", b"%PDF-1.4 ...")],
            original=InboundFile("original.eml", "message/rfc822", b"From: x\r\n\r\nbody"),
        )
    )
    files = {a.name: a for a in got.message.attachments.all()}
    assert files["账单.pdf"].size == len(b"%PDF-1.4 ...") and not files["账单.pdf"].original
    assert files["original.eml"].original
    assert files["账单.pdf"].file.read() == b"%PDF-1.4 ..."


@pytest.mark.parametrize(
    "text, serial",
    [
        ("Re: 已受理 [#251122007]", "251122007"),
        ("工单号:2512010010 催办", "2512010010"),
        ("没有", ""),
    ],
)
def test_the_serial_is_read_from_a_subject(text, serial):
    assert serial_in(text) == serial


def test_a_message_left_in_the_chat_widget_is_answered_in_a_working_day(org):
    at = timezone.make_aware(dt.datetime(2026, 11, 30, 10, 0))
    left = Inbound(
        channel="chat",
        address="13900000001",
        body="晚上没人在线,留言",
        received_at=at,
        left_message=True,
    )
    deadline = Deadline.objects.get(ticket=receive(left).ticket, code=FIRST_REPLY)
    assert timezone.localtime(deadline.due_at) == timezone.make_aware(
        dt.datetime(2026, 12, 1, 10, 0)
    )


def test_a_customers_mail_carries_no_link_to_the_staff_pages(org, agent):
    from kefu.conversations.services import reply

    ticket = receive(mail()).ticket
    reply(ticket.serial, actor=agent, text="已为您核查")
    for delivery in Delivery.objects.filter(channel="email"):
        assert "/tickets/" not in delivery.body and "查看工单" not in delivery.body


def test_a_request_that_came_in_by_itself_is_guessed_once(org, monkeypatch):
    """The type is chosen by triage and the intake's triage hook reads the same guesses: the
    model answers once for the one text."""
    from kefu.triage import services as triage

    model = triage.current_model()[1]
    calls = []
    predict = model.predict
    monkeypatch.setattr(model, "predict", lambda *a: calls.append(a) or predict(*a))
    receive(sms("家里水管爆了,水漫了一地", gateway_id="gw-once"))
    assert len(calls) == 1
