"""A ticket after its chat has ended: a reply by chat has nowhere to go, so a reply without a
channel falls back to the customer's other ways (kefu.conversations.default_via asks the chat
app, through has_open_chat, whether the chat is still there)."""

from __future__ import annotations

import pytest

from kefu.chat import services
from kefu.conversations import services as conversations
from kefu.conversations.models import Message
from kefu.core.errors import ServiceError
from kefu.tickets.models import Channel

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def _linked(agent):
    session = services.start_chat(name="张先生", ip="10.0.0.1")
    services.accept_chat(session.pk, actor=agent)
    ticket = services.link_ticket(session.pk, actor=agent, phone=PHONE)
    return session, ticket


def test_a_chat_is_open_for_its_ticket_until_it_ends(online, agent):
    session, ticket = _linked(agent)
    assert services.has_open_chat(ticket) is True
    services.end_chat(session.pk, actor=agent)
    assert services.has_open_chat(ticket) is False


def test_a_ticket_never_chatted_on_has_no_open_chat(online, agent):
    session, ticket = _linked(agent)
    services.end_by_visitor(session.token)
    other = services.start_chat(ip="10.0.0.2")
    services.accept_chat(other.pk, actor=agent)  # open, but not this ticket's
    assert services.has_open_chat(ticket) is False


def test_a_reply_by_chat_after_the_chat_ended_is_refused_and_nothing_written(online, agent):
    session, ticket = _linked(agent)
    services.end_chat(session.pk, actor=agent)
    with pytest.raises(ServiceError) as exc:
        conversations.reply(ticket.serial, actor=agent, text="您好", via=Channel.CHAT)
    assert (exc.value.field, exc.value.detail) == ("via", "该工单没有进行中的在线会话")
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()


def test_a_reply_without_channel_after_the_chat_ended_goes_by_sms(online, agent):
    session, ticket = _linked(agent)
    services.end_chat(session.pk, actor=agent)
    message = conversations.reply(ticket.serial, actor=agent, text="已为您派工")
    assert (message.channel, message.address) == (Channel.SMS, PHONE)


def test_a_reply_without_channel_during_the_chat_goes_into_it(online, agent):
    session, ticket = _linked(agent)
    message = conversations.reply(ticket.serial, actor=agent, text="请稍等")
    assert message.channel == Channel.CHAT
    assert session.lines.order_by("id").last().text == "请稍等"
