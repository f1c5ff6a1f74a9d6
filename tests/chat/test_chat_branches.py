"""Chats of a branch: the website's widget names one (``data-branch``); its agents (深圳's
sz-agent) and the center-wide staff see and take its chats, other branches' agents do not —
neither in the console's list nor in its pushes; a 留言 with a branch is that branch's ticket.
A chat without a branch stays everyone's, and an unknown branch code starts one."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.test import Client

from kefu.accounts.models import Branch
from kefu.chat import selectors, services
from kefu.chat.models import ChatSession
from kefu.core.errors import ServiceError
from kefu.tickets.access import access_ticket
from tests.chat.test_consumers import _cookie, _next, _socket, live_db

pytestmark = pytest.mark.django_db

PHONE = "13612340001"
NOT_FOUND = "会话不存在或已由其他坐席接待"


@pytest.fixture
def sz_agent(people, clock):
    agent = people["sz_agent"]
    services.set_presence(agent, status="online")
    return agent


@pytest.fixture
def chats(online, sz_agent):
    """One waiting chat of each kind: 深圳's, head office's, and one without a branch."""
    return {
        "sz": services.start_chat(name="深圳访客", ip="10.0.0.1", branch="sz"),
        "hq": services.start_chat(name="总部访客", ip="10.0.0.2", branch="hq"),
        "none": services.start_chat(name="无分支访客", ip="10.0.0.3"),
    }


def _waiting(actor) -> list[str]:
    return [card["name"] for card in selectors.console_state(actor)["waiting"]]


def test_a_chat_takes_the_branch_its_widget_names(chats):
    assert [chats[k].branch.code if chats[k].branch else None for k in chats] == [
        "sz",
        "hq",
        None,
    ]


def test_a_branch_agent_sees_their_branchs_chats_and_those_without_a_branch(chats, agent, sz_agent):
    assert _waiting(sz_agent) == ["深圳访客", "无分支访客"]
    assert _waiting(agent) == ["深圳访客", "总部访客", "无分支访客"]
    assert [c["branch"] for c in selectors.console_state(agent)["waiting"]] == [
        "深圳分公司",
        "总公司",
        "",
    ]


def test_a_branch_agent_may_not_take_another_branchs_chat(chats, sz_agent):
    with pytest.raises(ServiceError) as exc:
        services.accept_chat(chats["hq"].pk, actor=sz_agent)
    assert (exc.value.code, exc.value.detail) == ("not_found", NOT_FOUND)
    chats["hq"].refresh_from_db()
    assert (chats["hq"].state, chats["hq"].agent) == ("waiting", None)
    with pytest.raises(ServiceError):
        services.reply_templates(sz_agent, chats["hq"].pk)


def test_a_branch_agent_takes_their_branchs_chat_and_one_without_a_branch(chats, sz_agent):
    for key in ("sz", "none"):
        session = services.accept_chat(chats[key].pk, actor=sz_agent)
        assert (session.state, session.agent) == ("active", sz_agent)


def test_a_center_wide_agent_takes_any_branchs_chat(chats, agent):
    session = services.accept_chat(chats["hq"].pk, actor=agent)
    assert session.agent == agent
    session = services.accept_chat(chats["sz"].pk, actor=agent)
    assert session.agent == agent


def test_a_branchs_chat_is_handed_only_to_who_takes_that_branchs_chats(chats, agent, sz_agent):
    services.accept_chat(chats["hq"].pk, actor=agent)
    with pytest.raises(ServiceError) as exc:
        services.transfer_chat(chats["hq"].pk, actor=agent, to_user_id=sz_agent.pk)
    assert (exc.value.field, exc.value.detail) == (
        "to",
        "该同事不接待本会话所属分支机构的访客,请选择其他同事",
    )
    chats["hq"].refresh_from_db()
    assert (chats["hq"].agent, chats["hq"].transferred_from) == (agent, None)

    services.accept_chat(chats["sz"].pk, actor=agent)
    services.transfer_chat(chats["sz"].pk, actor=agent, to_user_id=sz_agent.pk)
    chats["sz"].refresh_from_db()
    assert (chats["sz"].agent, chats["sz"].transferred_from) == (sz_agent, agent)


def test_a_center_wide_agent_makes_a_branchs_chat_a_ticket_of_that_branch(chats, agent, sz_agent):
    services.accept_chat(chats["sz"].pk, actor=agent)
    ticket = services.link_ticket(chats["sz"].pk, actor=agent, phone=PHONE)
    assert (ticket.branch.code, ticket.channel) == ("sz", "chat")
    assert access_ticket(sz_agent, ticket.serial) == ticket


def test_a_branch_agents_own_branch_wins_on_a_chat_without_a_branch(chats, sz_agent):
    services.accept_chat(chats["none"].pk, actor=sz_agent)
    ticket = services.link_ticket(chats["none"].pk, actor=sz_agent, phone=PHONE)
    assert ticket.branch.code == "sz"


def test_a_message_left_with_a_branch_is_a_ticket_the_branch_agent_opens(clock, people):
    sz_agent = people["sz_agent"]
    session = services.leave_message(
        name="陈先生", phone=PHONE, content="南山停水了", ip="10.0.0.9", branch="sz"
    )
    assert (session.state, session.branch.code) == ("left_message", "sz")
    ticket = session.ticket
    assert (ticket.branch.code, ticket.channel, ticket.caller_number) == ("sz", "chat", PHONE)
    assert access_ticket(sz_agent, ticket.serial) == ticket


def test_a_message_left_without_a_branch_stays_with_the_default_branch(clock, org):
    session = services.leave_message(name="陈先生", phone=PHONE, content="停水了", ip="10.0.0.9")
    assert (session.branch, session.ticket.branch.code) == (None, "hq")


@pytest.mark.parametrize("code", ["nope", "gone"])
def test_an_unknown_or_inactive_branch_code_starts_a_chat_without_a_branch(
    online, org, caplog, code
):
    Branch.objects.create(code="gone", name="已撤销营业所", is_active=False)
    with caplog.at_level(logging.WARNING, logger="kefu.chat.services"):
        session = services.start_chat(name="访客", ip="10.0.0.1", branch=code)
    assert (session.state, session.branch) == ("waiting", None)
    assert [r.getMessage() for r in caplog.records] == [
        f"chat widget names unknown or inactive branch '{code}': center-wide"
    ]


def test_a_branchs_chat_waits_only_while_someone_who_takes_it_is_online(sz_agent):
    # Only 深圳's agent online: a head-office chat is offered 留言, nothing written.
    with pytest.raises(ServiceError) as exc:
        services.start_chat(ip="10.0.0.1", branch="hq")
    assert (exc.value.field, exc.value.detail) == (
        "leave_message",
        "客服暂时不在线,请留言,我们会尽快联系您。",
    )
    assert not ChatSession.objects.exists()
    assert services.start_chat(ip="10.0.0.1", branch="sz").branch.code == "sz"
    assert services.start_chat(ip="10.0.0.1").branch is None


# ------------------------------------------------------------------------------ the pages


def test_the_widget_script_reads_data_branch(db):
    script = Client().get("/chat/widget.js").content.decode()
    assert 'getAttribute("data-branch")' in script
    assert '"&branch=" + encodeURIComponent(branch)' in script


def test_the_embed_page_carries_a_known_branch_and_drops_an_unknown_one(online):
    client = Client()
    assert 'data-branch="sz"' in client.get("/chat/embed?page=x&branch=sz").content.decode()
    assert 'data-branch=""' in client.get("/chat/embed?page=x&branch=nope").content.decode()
    assert 'data-branch=""' in client.get("/chat/embed?page=x").content.decode()


def test_the_embed_page_offers_a_message_when_nobody_takes_the_branchs_chats(sz_agent):
    page = Client().get("/chat/embed?branch=hq").content.decode()
    assert "客服暂时不在线,请留言,我们会尽快联系您。" in page
    assert "客服暂时不在线" not in Client().get("/chat/embed?branch=sz").content.decode()


def test_start_and_message_endpoints_take_the_branch(online, org):
    client = Client(enforce_csrf_checks=True)
    started = client.post("/chat/embed/start", {"name": "张先生", "branch": "sz"})
    assert started.status_code == 200
    assert ChatSession.objects.get(token=started.json()["token"]).branch.code == "sz"
    unknown = client.post("/chat/embed/start", {"name": "张先生", "branch": "nope"})
    assert ChatSession.objects.get(token=unknown.json()["token"]).branch is None
    left = client.post(
        "/chat/embed/message",
        {"name": "王女士", "phone": PHONE, "content": "水压低", "branch": "sz"},
    )
    assert left.status_code == 200
    session = ChatSession.objects.get(ticket__serial=left.json()["serial"])
    assert (session.branch.code, session.ticket.branch.code) == ("sz", "sz")


def test_console_state_of_a_branch_agent_lists_only_what_they_see(chats, sz_agent):
    client = Client()
    client.force_login(sz_agent)
    data = client.get("/chat/console/state").json()
    assert [(c["name"], c["branch"]) for c in data["waiting"]] == [
        ("深圳访客", "深圳分公司"),
        ("无分支访客", ""),
    ]


# ------------------------------------------------------------------------------ the pushes


@pytest.fixture
def empty_layer():
    async_to_sync(get_channel_layer().flush)()


@live_db
def test_new_waiting_chats_are_pushed_only_to_the_consoles_that_see_them(
    empty_layer, online, agent, people, clock
):
    sz_agent = people["sz_agent"]
    services.set_presence(sz_agent, status="online")
    center_cookie, sz_cookie = _cookie(agent), _cookie(sz_agent)
    start = sync_to_async(services.start_chat)
    says = sync_to_async(services.visitor_says)

    async def body():
        center = _socket("/ws/chat/agent", center_cookie)
        assert (await center.connect())[0]
        branch = _socket("/ws/chat/agent", sz_cookie)
        assert (await branch.connect())[0]

        hq = await start(name="总部访客", ip="10.0.0.2", branch="hq")
        await says(hq.token, "总部这边停水")
        sz = await start(name="深圳访客", ip="10.0.0.1", branch="sz")
        none = await start(name="无分支访客", ip="10.0.0.3")

        # The center-wide console hears of all three, the head office's line too.
        assert (await _next(center, "chat.changed"))["waiting"] == hq.pk
        assert (await _next(center, "chat.line"))["text"] == "总部这边停水"
        assert (await _next(center, "chat.changed"))["waiting"] == sz.pk
        assert (await _next(center, "chat.changed"))["waiting"] == none.pk
        # 深圳's console: its own branch's and the one without a branch, nothing of the
        # head office's (its first push is 深圳's chat).
        got = [await branch.receive_json_from(timeout=3) for _ in range(2)]
        assert [(m["type"], m["waiting"]) for m in got] == [
            ("chat.changed", sz.pk),
            ("chat.changed", none.pk),
        ]
        assert await branch.receive_nothing(timeout=0.3)

        # Taking 深圳's chat tells 深圳's console; the head office's ending does not.
        await center.send_json_to({"type": "accept", "session": sz.pk})
        assert (await _next(branch, "chat.state"))["session"] == sz.pk
        await says(hq.token, "还有人吗")
        await sync_to_async(services.end_by_visitor)(hq.token)
        assert await branch.receive_nothing(timeout=0.3)
        await center.disconnect()
        await branch.disconnect()

    async_to_sync(body)()
