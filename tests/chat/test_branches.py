"""A branch's agent (深圳's sz-agent) takes a chat: the ticket made from it is the branch's,
so the agent keeps seeing it and every later line is recorded there; joining one of the
branch's tickets keeps working too."""

from __future__ import annotations

import pytest

from kefu.chat import services
from kefu.chat.models import ChatSession
from kefu.conversations.models import Message
from kefu.core.errors import ServiceError
from kefu.tickets.access import access_ticket
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13612340001"


@pytest.fixture
def sz_agent(people, clock):
    agent = people["sz_agent"]
    services.set_presence(agent, status="online")
    return agent


def _accepted(agent) -> ChatSession:
    session = services.start_chat(name="陈先生", ip="10.0.0.9")
    services.visitor_says(session.token, "南山这边停水了")
    services.accept_chat(session.pk, actor=agent)
    return session


def test_a_branch_agents_chat_becomes_a_ticket_of_their_branch(sz_agent):
    session = _accepted(sz_agent)
    ticket = services.link_ticket(session.pk, actor=sz_agent, phone=PHONE)
    assert (ticket.branch.code, ticket.channel, ticket.caller_number) == ("sz", "chat", PHONE)
    assert access_ticket(sz_agent, ticket.serial) == ticket

    services.visitor_says(session.token, "什么时候来水?")
    line = services.agent_says(session.pk, actor=sz_agent, text="预计下午三点恢复")
    assert (line.side, line.author, line.text) == ("agent", sz_agent, "预计下午三点恢复")
    rows = list(
        Message.objects.filter(ticket=ticket).order_by("id").values_list("direction", "body")
    )
    assert rows[1:] == [("in", "什么时候来水?"), ("out", "预计下午三点恢复")]


def test_a_center_agents_chat_ticket_stays_with_the_default_branch(online, agent):
    session = _accepted(agent)
    ticket = services.link_ticket(session.pk, actor=agent, phone=PHONE)
    assert ticket.branch.code == "hq"


def test_a_branch_agents_chat_joins_the_branchs_ticket_and_goes_on(sz_agent):
    existing = make_ticket(sz_agent, caller_number=PHONE, branch="sz", area="nsh")
    session = _accepted(sz_agent)
    ticket = services.link_ticket(session.pk, actor=sz_agent, phone=PHONE, serial=existing.serial)
    assert ticket == existing and ticket.branch.code == "sz"
    line = services.agent_says(session.pk, actor=sz_agent, text="已记录在您的工单上")
    assert line.text == "已记录在您的工单上"
    assert Message.objects.filter(ticket=existing, direction="out").count() == 1


def test_branch_of_is_blank_for_center_wide_staff(people):
    assert services.branch_of(people["agent"]) == ""
    assert services.branch_of(people["sz_agent"]) == "sz"


def test_a_chat_on_a_head_office_ticket_is_not_handed_to_a_branch_agent(online, agent, people):
    sz_agent = people["sz_agent"]
    services.set_presence(sz_agent, status="online")
    session = _accepted(agent)
    ticket = services.link_ticket(session.pk, actor=agent, phone=PHONE)
    assert ticket.branch.code == "hq"
    with pytest.raises(ServiceError) as exc:
        services.transfer_chat(session.pk, actor=agent, to_user_id=sz_agent.pk)
    assert (exc.value.field, exc.value.detail) == (
        "to",
        "该同事无权查看本会话关联的工单,请选择其他同事",
    )
    session.refresh_from_db()
    assert (session.agent, session.transferred_from) == (agent, None)


def test_a_chat_without_ticket_may_go_to_a_branch_agent(online, agent, people):
    sz_agent = people["sz_agent"]
    services.set_presence(sz_agent, status="online")
    session = _accepted(agent)
    services.transfer_chat(session.pk, actor=agent, to_user_id=sz_agent.pk)
    session.refresh_from_db()
    assert session.agent == sz_agent
