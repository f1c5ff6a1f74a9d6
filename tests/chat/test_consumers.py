"""The chat's websockets through the real ASGI application (kefu.asgi): the visitor's, keyed
by the chat's token, and the console's, for logged-in agents; the flood limits on a visitor."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client

from kefu.chat import services
from kefu.chat.models import ChatLine, ChatSession
from kefu.conversations.models import Message
from kefu.core.errors import Code, ServiceError
from tests.telephony.test_cti import WebsocketCommunicator

live_db = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1")
FLOOD = "发送过于频繁,请稍后再发"


@pytest.fixture(autouse=True)
def empty_layer():
    async_to_sync(get_channel_layer().flush)()


def _cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return (b"cookie", f"{name}={client.cookies[name].value}".encode())


def _socket(path: str, *headers):
    from kefu.asgi import application

    return WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])


async def _next(comm, kind: str, **having) -> dict:
    """The next message of ``kind`` (with ``having``'s values; others are skipped)."""
    for _ in range(20):
        got = await comm.receive_json_from(timeout=3)
        if got["type"] == kind and all(got.get(k) == v for k, v in having.items()):
            return got
    raise AssertionError(f"no {kind}")


@live_db
def test_unknown_or_ended_chat_is_closed(online):
    session = services.start_chat(ip="10.0.0.1")
    services.end_by_visitor(session.token)

    async def body():
        for token in ("no-such-token", session.token):
            comm = _socket(f"/ws/chat/{token}")
            connected, code = await comm.connect()
            assert (connected, code) == (False, 4404)

    async_to_sync(body)()


@live_db
@pytest.mark.parametrize("who", ["anonymous", "dept_handler", "foreign origin"])
def test_console_socket_refuses_who_does_not_take_chats(people, who):
    cookie = _cookie(people["agent" if who == "foreign origin" else "dept_handler"])

    async def body():
        if who == "anonymous":
            comm = _socket("/ws/chat/agent")
        elif who == "foreign origin":
            from kefu.asgi import application

            comm = WebsocketCommunicator(
                application,
                "/ws/chat/agent",
                headers=[(b"origin", b"http://evil.example"), cookie],
            )
        else:
            comm = _socket("/ws/chat/agent", cookie)
        connected, code = await comm.connect()
        assert not connected
        if who != "foreign origin":
            assert code == {"anonymous": 4401, "dept_handler": 4403}[who]

    async_to_sync(body)()


@live_db
def test_visitor_and_agent_exchange_lines_over_the_sockets(online, agent):
    cookie = _cookie(agent)
    session = services.start_chat(name="张先生", ip="10.0.0.1")
    no = agent.staff.employee_no

    async def body():
        console = _socket("/ws/chat/agent", cookie)
        assert (await console.connect())[0]
        visitor = _socket(f"/ws/chat/{session.token}")
        assert (await visitor.connect())[0]
        history = await visitor.receive_json_from(timeout=3)
        assert history["type"] == "chat.history"
        assert history["state"]["state"] == "waiting"
        assert [line["side"] for line in history["lines"]] == ["system"]

        await visitor.send_json_to({"type": "line", "text": "我家停水了"})
        seen = await _next(console, "chat.line")
        assert (seen["session"], seen["side"], seen["text"]) == (
            session.pk,
            "visitor",
            "我家停水了",
        )

        await console.send_json_to({"type": "accept", "session": session.pk})
        joined = await _next(visitor, "chat.state")
        assert (joined["state"], joined["agent_no"]) == ("active", no)

        await console.send_json_to({"type": "line", "session": session.pk, "text": "您好"})
        said = await _next(visitor, "chat.line")
        assert (said["side"], said["text"], said["agent_no"]) == ("agent", "您好", no)

        await console.send_json_to({"type": "line", "session": session.pk, "text": ""})
        refused = await _next(console, "error")
        assert (refused["field"], refused["detail"], refused["session"]) == (
            "text",
            "请输入内容",
            session.pk,
        )

        await visitor.send_json_to({"type": "end"})
        ended = await _next(console, "chat.state", state="ended")
        assert (ended["session"], ended["agent_no"]) == (session.pk, no)
        await visitor.disconnect()
        await console.disconnect()

    async_to_sync(body)()
    assert list(ChatLine.objects.filter(session=session).values_list("side", "text"))[1:] == [
        ("visitor", "我家停水了"),
        ("system", f"工号 {no} 为您服务"),
        ("agent", "您好"),
        ("system", "访客已结束会话"),
    ]


@live_db
def test_a_flooding_visitor_is_refused_past_five_lines_in_five_seconds(online):
    session = services.start_chat(ip="10.0.0.1")

    async def body():
        visitor = _socket(f"/ws/chat/{session.token}")
        assert (await visitor.connect())[0]
        await visitor.receive_json_from(timeout=3)  # the history
        for n in range(8):
            await visitor.send_json_to({"type": "line", "text": f"第 {n} 条"})
        errors, lines = [], []
        for _ in range(8):  # 5 lines, 3 refusals
            got = await visitor.receive_json_from(timeout=3)
            (errors if got["type"] == "error" else lines).append(got)
        assert [e["detail"] for e in errors] == [FLOOD] * 3
        assert [line["text"] for line in lines if line["side"] == "visitor"] == [
            f"第 {n} 条" for n in range(5)
        ]
        await visitor.disconnect()

    async_to_sync(body)()
    session.refresh_from_db()
    assert session.refused_lines == 3
    assert ChatLine.objects.filter(session=session, side="visitor").count() == 5
    assert ChatLine.objects.filter(session=session, side="system", text=FLOOD).count() == 1


@live_db
def test_a_long_line_is_refused_with_a_record(online):
    session = services.start_chat(ip="10.0.0.1")

    async def body():
        visitor = _socket(f"/ws/chat/{session.token}")
        assert (await visitor.connect())[0]
        await visitor.receive_json_from(timeout=3)
        await visitor.send_json_to({"type": "line", "text": "长" * 1001})
        got = await _next(visitor, "error")
        assert got["detail"] == "单条消息最长 1000 个字,该消息未发送"
        await visitor.disconnect()

    async_to_sync(body)()
    session.refresh_from_db()
    assert session.refused_lines == 1
    assert not ChatLine.objects.filter(session=session, side="visitor").exists()


@live_db
def test_the_session_cap_refuses_line_two_hundred_and_one(online):
    session = services.start_chat(ip="10.0.0.1")
    settings_row = services.chat_settings()
    settings_row.lines_per_window = 1000
    settings_row.save()
    ChatLine.objects.bulk_create(
        ChatLine(session=session, at=session.started_at, side="visitor", text=str(n))
        for n in range(200)
    )

    async def body():
        visitor = _socket(f"/ws/chat/{session.token}")
        assert (await visitor.connect())[0]
        await visitor.receive_json_from(timeout=3)
        await visitor.send_json_to({"type": "line", "text": "还有"})
        got = await _next(visitor, "error")
        assert got["detail"] == "本次会话消息已达上限,请拨打客服热线或留言"
        await visitor.disconnect()

    async_to_sync(body)()
    assert ChatLine.objects.filter(session=session, side="visitor").count() == 200


@live_db
def test_new_chats_from_one_address_are_capped_an_hour(online):
    for _ in range(20):
        services.start_chat(ip="10.9.9.9")
    with pytest.raises(ServiceError) as exc:
        services.start_chat(ip="10.9.9.9")
    assert str(exc.value) == "请求过于频繁,请稍后再试或拨打客服热线"
    assert exc.value.code == Code.TOO_MANY  # 429, as the portal's limits answer
    assert ChatSession.objects.filter(ip="10.9.9.9").count() == 20
    services.start_chat(ip="10.9.9.8")  # another address is not affected


@live_db
def test_transfer_moves_the_chat_to_the_colleagues_console(online, agent, lead):
    services.set_presence(lead, status="online")
    session = services.start_chat(ip="10.0.0.1")
    services.accept_chat(session.pk, actor=agent)
    lead_cookie, agent_cookie = _cookie(lead), _cookie(agent)

    async def body():
        theirs = _socket("/ws/chat/agent", lead_cookie)
        assert (await theirs.connect())[0]
        mine = _socket("/ws/chat/agent", agent_cookie)
        assert (await mine.connect())[0]
        await mine.send_json_to({"type": "transfer", "session": session.pk, "to": lead.pk})
        got = await _next(theirs, "chat.state")
        assert (got["session"], got["transferred"], got["agent_no"]) == (session.pk, True, "8001")
        await theirs.disconnect()
        await mine.disconnect()

    async_to_sync(body)()


INVALID_FRAME = {"type": "error", "code": "invalid", "detail": "消息格式无效", "field": None}


@live_db
def test_a_frame_that_is_not_json_is_answered_and_the_sockets_stay_open(online, agent):
    session = services.start_chat(ip="10.0.0.1")
    cookie = _cookie(agent)

    async def body():
        visitor = _socket(f"/ws/chat/{session.token}")
        assert (await visitor.connect())[0]
        await visitor.receive_json_from(timeout=3)  # the history
        console = _socket("/ws/chat/agent", cookie)
        assert (await console.connect())[0]
        for comm in (visitor, console):
            for frame in ("not json{", "[1, 2]", '"line"'):
                await comm.send_to(text_data=frame)
                assert await comm.receive_json_from(timeout=3) == INVALID_FRAME
            await comm.send_to(bytes_data=b"\x00\x01")
            assert await comm.receive_json_from(timeout=3) == INVALID_FRAME
        # A session that is no number the database keys by: a refusal naming it, not a crash
        # (past 2**31 an id overflows PostgreSQL's integer key).
        for bad in (10**15, "12abc", True, 1.5, None, "１"):
            await console.send_json_to({"type": "accept", "session": bad})
            refused = await _next(console, "error")
            assert (refused["field"], refused["detail"]) == ("session", "参数无效"), bad
        # Both still work.
        await visitor.send_json_to({"type": "line", "text": "还在吗"})
        seen = await _next(console, "chat.line")
        assert (seen["side"], seen["text"]) == ("visitor", "还在吗")
        await console.send_json_to({"type": "accept", "session": session.pk})
        assert (await _next(visitor, "chat.state"))["state"] == "active"
        await visitor.disconnect()
        await console.disconnect()

    async_to_sync(body)()
    assert list(ChatLine.objects.filter(session=session, side="visitor").values_list("text")) == [
        ("还在吗",)
    ]


@live_db
def test_a_branch_agent_makes_a_ticket_of_their_branch_and_chats_on(reference_data, people, clock):
    sz_agent = people["sz_agent"]
    services.set_presence(sz_agent, status="online")
    session = services.start_chat(name="陈先生", ip="10.0.0.1")
    cookie = _cookie(sz_agent)

    async def body():
        console = _socket("/ws/chat/agent", cookie)
        assert (await console.connect())[0]
        visitor = _socket(f"/ws/chat/{session.token}")
        assert (await visitor.connect())[0]
        await visitor.receive_json_from(timeout=3)
        await console.send_json_to({"type": "accept", "session": session.pk})
        await _next(visitor, "chat.state", state="active")
        await console.send_json_to(
            {"type": "ticket", "session": session.pk, "phone": "13612340001"}
        )
        for _ in range(5):  # the accept's line and state come first
            linked = await console.receive_json_from(timeout=10)
            if linked["type"] == "chat.state" and linked["serial"]:
                break
        assert linked["serial"]
        await console.send_json_to({"type": "line", "session": session.pk, "text": "已为您登记"})
        said = await _next(visitor, "chat.line", side="agent")
        assert said["text"] == "已为您登记"
        await visitor.disconnect()
        await console.disconnect()

    async_to_sync(body)()
    session.refresh_from_db()
    assert session.ticket.branch.code == "sz"
    assert list(
        Message.objects.filter(ticket=session.ticket, direction="out").values_list("body")
    ) == [("已为您登记",)]
