"""A visitor's chat from start to ticket: the agent accepts, both exchange lines, the chat
becomes or joins a ticket and each later line is recorded there; transfer; end; 留言 when
nobody can take it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from kefu.chat import services
from kefu.chat.models import AgentPresence, ChatLine, ChatSession
from kefu.conversations.models import Direction, Message, ReplyTemplate
from kefu.conversations.services import FIRST_REPLY, reply
from kefu.core.errors import ServiceError
from kefu.core.models import ForbiddenPhrase, PhraseUse
from kefu.sla.models import Deadline
from kefu.tickets.models import Channel, Ticket
from tests.chat.conftest import SHANGHAI
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def start(**fields) -> ChatSession:
    return services.start_chat(
        **(
            {"name": "张先生", "page_url": "https://water.example.com/bill", "ip": "10.0.0.1"}
            | fields
        )
    )


def sides(session: ChatSession) -> list[tuple[str, str]]:
    return list(session.lines.order_by("at", "id").values_list("side", "text"))


def test_a_visitor_chat_waits_with_the_greeting_and_the_channel_time_limit(online):
    session = start(phone="+86 139-1234-5678")
    assert session.state == ChatSession.State.WAITING
    assert session.visitor_phone == PHONE
    assert session.first_reply_due - session.started_at == dt.timedelta(minutes=1)
    assert sides(session) == [("system", "您好,欢迎咨询,请问有什么可以帮您?")]


def test_agent_accepts_and_both_exchange_lines(online, agent):
    session = start()
    services.visitor_says(session.token, "我家停水了")
    services.accept_chat(session.pk, actor=agent)
    line = services.agent_says(session.pk, actor=agent, text="您好,请问您的地址?")
    session.refresh_from_db()
    assert (session.state, session.agent, session.first_reply_at) == ("active", agent, line.at)
    assert sides(session)[1:] == [
        ("visitor", "我家停水了"),
        ("system", f"工号 {agent.staff.employee_no} 为您服务"),
        ("agent", "您好,请问您的地址?"),
    ]


def test_a_chat_another_agent_took_is_refused_and_unchanged(online, agent, lead):
    session = start()
    services.accept_chat(session.pk, actor=agent)
    with pytest.raises(ServiceError) as exc:
        services.accept_chat(session.pk, actor=lead)
    assert exc.value.code == "not_found"
    session.refresh_from_db()
    assert session.agent == agent


def test_forbidden_phrase_is_refused_and_nothing_sent(online, agent):
    ForbiddenPhrase.objects.create(phrase="不归我管", suggestion="我帮您转给负责的同事")
    session = start()
    services.accept_chat(session.pk, actor=agent)
    with pytest.raises(ServiceError) as exc:
        services.agent_says(session.pk, actor=agent, text="这个不归我管")
    assert exc.value.field == "text"
    assert "不归我管" in exc.value.detail
    assert not session.lines.filter(side="agent").exists()
    assert PhraseUse.objects.filter(user=agent, blocked=True, path="reply_chat").count() == 1


def test_chat_becomes_a_ticket_with_the_transcript_and_the_first_reply_met(online, agent):
    session = start(name="张先生")
    services.visitor_says(session.token, "我家停水了")
    services.accept_chat(session.pk, actor=agent)
    services.agent_says(session.pk, actor=agent, text="您好,请问您的地址?")
    services.visitor_says(session.token, "解放路 12 号")
    ticket = services.link_ticket(session.pk, actor=agent, phone=PHONE)
    session.refresh_from_db()
    assert session.ticket == ticket
    assert (ticket.channel, ticket.caller_number, ticket.contact_name) == ("chat", PHONE, "张先生")
    message = Message.objects.get(ticket=ticket)
    assert message.direction == Direction.IN and message.external_id == f"chat:{session.token}"
    no = agent.staff.employee_no
    assert [re.sub(r"^\[10:00:\d\d\] ", "", row) for row in message.body.splitlines()] == [
        "系统:您好,欢迎咨询,请问有什么可以帮您?",
        "张先生:我家停水了",
        f"系统:工号 {no} 为您服务",
        f"客服 {no}:您好,请问您的地址?",
        "张先生:解放路 12 号",
    ]
    deadline = Deadline.objects.get(ticket=ticket, code=FIRST_REPLY)
    assert deadline.state == Deadline.State.MET
    assert deadline.met_at == session.first_reply_at


def test_lines_of_a_linked_chat_are_recorded_on_the_ticket(online, agent):
    session = start()
    services.accept_chat(session.pk, actor=agent)
    ticket = services.link_ticket(session.pk, actor=agent, phone=PHONE)
    services.visitor_says(session.token, "还有一个问题")
    line = services.agent_says(session.pk, actor=agent, text="请讲")
    rows = list(
        Message.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("direction", "channel", "body")
    )
    assert rows[1:] == [("in", "chat", "还有一个问题"), ("out", "chat", "请讲")]
    assert (line.side, line.author, line.text) == ("agent", agent, "请讲")
    assert session.lines.filter(side="agent").count() == 1  # recorded once, not twice


def test_a_reply_on_the_ticket_page_reaches_the_open_chat(online, agent):
    session = start()
    services.accept_chat(session.pk, actor=agent)
    ticket = services.link_ticket(session.pk, actor=agent, phone=PHONE)
    reply(ticket.serial, actor=agent, text="已为您派工", via=Channel.CHAT)
    assert sides(session)[-1] == ("agent", "已为您派工")


def test_chat_joins_the_customers_open_ticket(online, agent):
    existing = make_ticket(agent, caller_number=PHONE)
    session = start()
    services.accept_chat(session.pk, actor=agent)
    ticket = services.link_ticket(session.pk, actor=agent, phone=PHONE, serial=existing.serial)
    assert ticket == existing
    assert Ticket.objects.count() == 1
    assert Message.objects.get(ticket=existing).external_id == f"chat:{session.token}"


def test_joining_a_ticket_of_another_number_is_refused_and_nothing_linked(online, agent):
    existing = make_ticket(agent, caller_number="13800000000")
    session = start()
    services.accept_chat(session.pk, actor=agent)
    with pytest.raises(ServiceError) as exc:
        services.link_ticket(session.pk, actor=agent, phone=PHONE, serial=existing.serial)
    assert exc.value.code == "not_found"
    session.refresh_from_db()
    assert session.ticket is None and session.visitor_phone == ""
    assert not Message.objects.exists()


def test_transfer_to_an_online_colleague(online, agent, lead):
    services.set_presence(lead, status="online")
    session = start()
    services.accept_chat(session.pk, actor=agent)
    services.transfer_chat(session.pk, actor=agent, to_user_id=lead.pk)
    session.refresh_from_db()
    assert (session.agent, session.transferred_from) == (lead, agent)
    assert sides(session)[-1] == ("system", f"已为您转接至工号 {lead.staff.employee_no}")
    with pytest.raises(ServiceError):
        services.agent_says(session.pk, actor=agent, text="还在吗")


def test_transfer_to_a_colleague_who_is_away_is_refused(online, agent, lead):
    services.set_presence(lead, status="away")
    session = start()
    services.accept_chat(session.pk, actor=agent)
    with pytest.raises(ServiceError) as exc:
        services.transfer_chat(session.pk, actor=agent, to_user_id=lead.pk)
    assert exc.value.field == "to"
    session.refresh_from_db()
    assert session.agent == agent and session.transferred_from is None


def test_ending_closes_the_chat_for_both(online, agent):
    session = start()
    services.accept_chat(session.pk, actor=agent)
    services.end_chat(session.pk, actor=agent)
    session.refresh_from_db()
    assert (session.state, session.ended_by) == ("ended", "agent")
    with pytest.raises(ServiceError):
        services.visitor_says(session.token, "喂?")
    assert sides(session)[-1] == ("system", "客服已结束会话")


def test_nobody_online_offers_a_message_and_writes_nothing(clock, agent):
    with pytest.raises(ServiceError) as exc:
        start()
    assert exc.value.field == "leave_message"
    assert exc.value.detail == "客服暂时不在线,请留言,我们会尽快联系您。"
    assert not ChatSession.objects.exists()


def test_a_stale_heartbeat_is_not_online(clock, agent):
    services.set_presence(agent, status="online")
    clock.shift(dt.timedelta(minutes=2))
    assert services.online_agents() == []
    assert AgentPresence.objects.get(user=agent).status == "online"


def test_outside_hours_the_visitor_leaves_a_message_that_becomes_a_ticket(online):
    # Saturday 6 December 2025, 10:00: a day off.
    with time_machine.travel(dt.datetime(2025, 12, 6, 10, 0, tzinfo=SHANGHAI)):
        found = services.availability()
        assert not found.open
        assert found.reason == "现在是非工作时间,请留言,我们上班后尽快联系您。"
        session = services.leave_message(
            name="李女士", phone="139 1234 5678", content="水表漏水,请联系我", ip="10.0.0.2"
        )
    assert session.state == ChatSession.State.LEFT_MESSAGE
    ticket = session.ticket
    assert (ticket.channel, ticket.caller_number, ticket.contact_name) == ("chat", PHONE, "李女士")
    assert "水表漏水,请联系我" in ticket.content
    assert Message.objects.get(ticket=ticket).external_id == f"chat-note:{session.token}"


def test_evening_is_outside_hours_on_a_working_day(online):
    with time_machine.travel(dt.datetime(2025, 12, 3, 18, 0, tzinfo=SHANGHAI)):
        assert not services.in_hours()
        with pytest.raises(ServiceError):
            start()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": ""}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"content": "  "}, "content"),
        ({"content": "长" * 1001}, "content"),
    ],
)
def test_a_bad_message_is_refused_and_nothing_written(clock, org, fields, field):
    values = {"name": "李女士", "phone": PHONE, "content": "请回电", "ip": "10.0.0.3"} | fields
    with pytest.raises(ServiceError) as exc:
        services.leave_message(**values)
    assert exc.value.field == field
    assert not ChatSession.objects.exists() and not Ticket.objects.exists()


def test_reply_templates_of_the_center_and_the_agent_filled_for_the_chat(online, agent):
    ReplyTemplate.objects.create(key="hi", title="问候", text="您好,工号 {agent_no} 为您服务")
    ReplyTemplate.objects.create(key="bye", title="结束", text="感谢来电", owner=agent)
    ReplyTemplate.objects.create(key="mail", title="邮件", text="见附件", channels="email")
    session = start()
    services.accept_chat(session.pk, actor=agent)
    got = services.reply_templates(agent, session.pk, q="")
    assert got == [
        {"key": "bye", "title": "结束", "text": "感谢来电"},
        {"key": "hi", "title": "问候", "text": f"您好,工号 {agent.staff.employee_no} 为您服务"},
    ]


def test_visitor_line_count_for_a_waiting_chat(online):
    session = start()
    services.visitor_says(session.token, "在吗")
    assert ChatLine.objects.filter(session=session, side="visitor").count() == 1


def test_idle_chats_are_ended_by_the_sweep_and_busy_ones_kept(online, clock, agent):
    idle = start()
    busy = start()
    services.accept_chat(busy.pk, actor=agent)
    clock.shift(dt.timedelta(minutes=29))
    services.visitor_says(busy.token, "还在吗")
    clock.shift(dt.timedelta(minutes=2))
    assert services.sweep_idle_chats() == 1
    idle.refresh_from_db()
    busy.refresh_from_db()
    assert (idle.state, idle.ended_by) == ("ended", "idle")
    assert sides(idle)[-1] == ("system", "会话长时间无消息,已自动结束")
    assert busy.state == "active"
    assert services.sweep_idle_chats() == 0
