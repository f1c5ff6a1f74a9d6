"""The CTI endpoint (Zammad's generic CTI API), its screen pop and the live websocket.

(a) A real Zammad CTI client (py-zammad-cti) posts form-encoded events to a live server.
(b) A newCall pushes a screen pop onto the channel layer after the transaction commits.
(c) The /ws/live consumer only accepts logged-in staff and forwards pushes to the browser.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import requests
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client
from zammad_cti import CTIClient

from kefu.core.realtime import (
    AGENTS_GROUP,
    CENTER_AGENTS_GROUP,
    FLOOR_GROUP,
    branch_agents_group,
    publish,
    user_group,
)
from kefu.telephony.models import CallRecord
from tests.customers.factories import make_customer


def _websocket_communicator_class():
    """channels.testing.WebsocketCommunicator, even where daphne is not installed.

    ``channels/testing/__init__.py`` imports the live-server test case, which needs daphne (not
    a dependency here); the websocket communicator itself needs only asgiref. Without daphne,
    register the ``channels.testing`` package without running its ``__init__`` and import the
    one submodule.
    """
    try:
        from channels.testing import WebsocketCommunicator
    except ModuleNotFoundError as exc:
        if exc.name != "daphne" and not (exc.name or "").startswith("daphne."):
            raise
        import importlib
        import pathlib
        import sys
        import types

        import channels

        sys.modules.pop("channels.testing", None)
        package = types.ModuleType("channels.testing")
        package.__path__ = [str(pathlib.Path(channels.__file__).parent / "testing")]
        sys.modules["channels.testing"] = package
        WebsocketCommunicator = importlib.import_module(
            "channels.testing.websocket"
        ).WebsocketCommunicator
    return WebsocketCommunicator


WebsocketCommunicator = _websocket_communicator_class()

TOKEN = "test-cti-token"
PATH = f"/api/v1/cti/{TOKEN}"
CALLER = "+86 138-1234-5678"  # as a PBX reports it
CALLER_NORMALIZED = "13812345678"
HOTLINE = "95598"

live_db = pytest.mark.django_db(transaction=True)


def _post(client: Client, body: dict, *, token: str = TOKEN, as_json: bool = False):
    path = f"/api/v1/cti/{token}"
    if as_json:
        return client.post(path, json.dumps(body), content_type="application/json")
    return client.post(path, body)


# --- (a) the endpoint, driven by the PyPI Zammad CTI client against a live server ---------


@live_db
def test_answered_inbound_call_through_zammad_client(live_server, agent):
    customer = make_customer(agent, name="王先生", phones=(CALLER_NORMALIZED,))
    cti = CTIClient(live_server.url + PATH)

    assert cti.new_call(CALLER, HOTLINE, "in", "call-1", user=["李娜"], queue="hotline") == {}
    record = CallRecord.objects.get(call_id="call-1")
    assert record.state == CallRecord.State.RINGING
    assert record.answered_at is None

    assert cti.answer(CALLER, HOTLINE, "in", "call-1", answering_number="8011") == {}
    record.refresh_from_db()
    assert record.state == CallRecord.State.ANSWERED
    assert record.answered_at is not None
    assert record.agent_id == agent.id

    assert cti.hangup(CALLER, HOTLINE, "in", "call-1", cause="normalClearing") == {}
    assert CallRecord.objects.count() == 1
    record = CallRecord.objects.get(call_id="call-1")
    assert record.direction == CallRecord.Direction.IN
    assert record.from_number == CALLER
    assert record.to_number == HOTLINE
    assert record.customer_number == CALLER_NORMALIZED
    assert record.customer_id == customer.id
    assert record.agent_id == agent.id
    assert record.answering_number == "8011"
    assert record.queue == "hotline"
    assert record.users == ["李娜"]
    assert record.state == CallRecord.State.ENDED
    assert record.cause == "normalClearing"
    assert record.started_at <= record.answered_at <= record.ended_at
    assert not record.missed
    assert record.duration_seconds is not None and record.duration_seconds >= 0


@live_db
def test_missed_call_through_zammad_client(live_server, agent):
    cti = CTIClient(live_server.url + PATH)
    cti.new_call("010-8888 1234", HOTLINE, "in", "call-missed")
    cti.hangup("010-8888 1234", HOTLINE, "in", "call-missed", cause="noAnswer")

    record = CallRecord.objects.get(call_id="call-missed")
    assert record.state == CallRecord.State.ENDED
    assert record.cause == "noAnswer"
    assert record.customer_number == "01088881234"
    assert record.customer_id is None  # nobody in the archive has this number
    assert record.agent_id is None
    assert record.answered_at is None
    assert record.ended_at is not None
    assert record.missed


@live_db
def test_outbound_call_keeps_the_callee_as_customer_number(live_server, agent):
    customer = make_customer(agent, name="张女士", phones=("13900001111",))
    cti = CTIClient(live_server.url + PATH)
    cti.new_call("8011", "139 0000 1111", "out", "call-out", user="agent")
    cti.answer("8011", "139 0000 1111", "out", "call-out", answering_number="8011")
    cti.hangup("8011", "139 0000 1111", "out", "call-out", cause="normalClearing")

    record = CallRecord.objects.get(call_id="call-out")
    assert record.direction == CallRecord.Direction.OUT
    assert record.customer_number == "13900001111"
    assert record.customer_id == customer.id
    assert record.agent_id == agent.id
    assert record.state == CallRecord.State.ENDED


@live_db
def test_wrong_token_is_refused_by_the_client_and_nothing_written(live_server, agent):
    cti = CTIClient(live_server.url + "/api/v1/cti/not-the-token")
    with pytest.raises(requests.HTTPError) as excinfo:
        cti.new_call(CALLER, HOTLINE, "in", "call-x")
    assert excinfo.value.response.status_code == 401
    assert excinfo.value.response.json()["code"] == "unauthorized"
    assert not CallRecord.objects.exists()


# --- (a) the same endpoint in process: JSON bodies, refusals, repeats ----------------------


def test_json_body_form(db, agent):
    customer = make_customer(agent, phones=(CALLER_NORMALIZED,))
    client = Client()
    base = {"from": CALLER, "to": HOTLINE, "direction": "in", "callId": "json-1"}
    new = _post(client, {**base, "event": "newCall", "user": ["agent"]}, as_json=True)
    assert new.status_code == 200, new.content
    assert new.json() == {}
    ans = _post(client, {**base, "event": "answer", "answeringNumber": "8011"}, as_json=True)
    assert ans.status_code == 200
    end = _post(client, {**base, "event": "hangup", "cause": "normalClearing"}, as_json=True)
    assert end.status_code == 200

    record = CallRecord.objects.get(call_id="json-1")
    assert record.users == ["agent"]
    assert record.customer_number == CALLER_NORMALIZED
    assert record.customer_id == customer.id
    assert record.agent_id == agent.id
    assert record.state == CallRecord.State.ENDED
    assert record.answered_at is not None and record.ended_at is not None
    assert record.cause == "normalClearing"


def test_form_body_with_php_array_users(db, agent):
    client = Client()
    resp = client.post(
        PATH,
        {
            "event": "newCall",
            "from": CALLER,
            "to": HOTLINE,
            "direction": "in",
            "callId": "form-1",
            "user[]": ["李娜", "王芳"],
        },
    )
    assert resp.status_code == 200
    assert CallRecord.objects.get(call_id="form-1").users == ["李娜", "王芳"]


def test_answer_matches_agent_by_staff_phone_when_no_employee_no(db, agent):
    agent.staff.phone = "6001"
    agent.staff.save()
    client = Client()
    base = {"from": CALLER, "to": HOTLINE, "direction": "in", "callId": "ph-1"}
    _post(client, {**base, "event": "newCall"})
    _post(client, {**base, "event": "answer", "answeringNumber": "6001"})
    assert CallRecord.objects.get(call_id="ph-1").agent_id == agent.id


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("token", ["wrong", "test-cti-tokenX", "TEST-CTI-TOKEN"])
def test_wrong_token_is_401_and_writes_nothing(db, token, as_json):
    body = {"event": "newCall", "from": CALLER, "to": HOTLINE, "direction": "in", "callId": "t"}
    resp = _post(Client(), body, token=token, as_json=as_json)
    assert resp.status_code == 401
    assert resp.json()["code"] == "unauthorized"
    assert not CallRecord.objects.exists()


def test_cti_is_off_without_a_configured_token(db, settings):
    settings.CTI_TOKEN = ""
    body = {"event": "newCall", "from": CALLER, "to": HOTLINE, "direction": "in", "callId": "t"}
    assert _post(Client(), body, token="x").status_code == 401
    assert not CallRecord.objects.exists()


GOOD = {"event": "newCall", "from": CALLER, "to": HOTLINE, "direction": "in", "callId": "bad-1"}


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "ring"}, "event"),
        ({"event": ""}, "event"),
        ({"callId": ""}, "callId"),
        ({"callId": "x" * 101}, "callId"),
        ({"direction": "sideways"}, "direction"),
        ({"direction": ""}, "direction"),
        ({"event": "hangup", "cause": "exploded"}, "cause"),
    ],
)
def test_malformed_event_is_422_and_writes_nothing(db, change, field, as_json):
    body = {k: v for k, v in {**GOOD, **change}.items() if v != ""}
    resp = _post(Client(), body, as_json=as_json)
    assert resp.status_code == 422, resp.content
    data = resp.json()
    assert data["code"] == "invalid"
    assert data["field"] == field
    assert data["detail"]
    assert not CallRecord.objects.exists()


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_400_like_the_rest_of_the_api(db, raw):
    resp = Client().post(PATH, raw, content_type="application/json")
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid")
    assert not CallRecord.objects.exists()


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"'])
def test_json_that_is_not_an_object_is_422(db, raw):
    resp = Client().post(PATH, raw, content_type="application/json")
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid"
    assert not CallRecord.objects.exists()


def test_repeated_new_call_keeps_one_row(db, agent):
    client = Client()
    for _ in range(3):
        assert _post(client, {**GOOD, "callId": "dup"}).status_code == 200
    assert CallRecord.objects.filter(call_id="dup").count() == 1
    assert CallRecord.objects.get(call_id="dup").state == CallRecord.State.RINGING


def test_events_after_hangup_change_nothing(db, agent):
    client = Client()
    base = {"from": CALLER, "to": HOTLINE, "direction": "in", "callId": "late"}
    _post(client, {**base, "event": "newCall"})
    _post(client, {**base, "event": "hangup", "cause": "cancel"})
    ended = CallRecord.objects.get(call_id="late")
    _post(client, {**base, "event": "answer", "answeringNumber": "8011"})
    _post(client, {**base, "event": "hangup", "cause": "normalClearing"})
    _post(client, {**base, "event": "newCall"})
    record = CallRecord.objects.get(call_id="late")
    assert (record.state, record.cause, record.agent_id) == ("ended", "cancel", None)
    assert record.ended_at == ended.ended_at
    assert record.answered_at is None


def test_hangup_before_new_call_creates_the_ended_record(db):
    resp = _post(Client(), {**GOOD, "event": "hangup", "cause": "busy", "callId": "ooo"})
    assert resp.status_code == 200
    record = CallRecord.objects.get(call_id="ooo")
    assert (record.state, record.cause) == ("ended", "busy")
    assert record.missed


# --- (b) the screen pop on the channel layer -------------------------------------------------


def _layer():
    layer = get_channel_layer()
    async_to_sync(layer.flush)()
    return layer


def _subscribe(layer, group: str) -> str:
    async def go():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        return channel

    return async_to_sync(go)()


def _drain(layer, channel: str, wait: float = 0.3) -> list[dict]:
    """Every message waiting on ``channel`` (waiting at most ``wait`` s for the first)."""

    async def go():
        got, timeout = [], wait
        while True:
            try:
                got.append(await asyncio.wait_for(layer.receive(channel), timeout))
            except TimeoutError:
                return got
            timeout = 0.05

    return async_to_sync(go)()


def _payloads(layer, channel):
    messages = _drain(layer, channel)
    assert all(m["type"] == "push" for m in messages)
    return [m["payload"] for m in messages]


@live_db
def test_new_call_pops_the_caller_on_the_screens_of_the_agents_who_may_see_them(people, org):
    agent = people["agent"]
    customer = make_customer(agent, name="王先生", phones=(CALLER_NORMALIZED,))
    layer = _layer()
    everyone = _subscribe(layer, AGENTS_GROUP)
    center = _subscribe(layer, CENTER_AGENTS_GROUP)
    head_office = _subscribe(layer, branch_agents_group(customer.branch_id))
    shenzhen = _subscribe(layer, branch_agents_group(org["sz"].pk))

    resp = _post(Client(), {**GOOD, "callId": "pop-1", "queue": "hotline"})
    assert resp.status_code == 200

    # a head-office customer: not on the 深圳 agents' screens, nor on every agent's
    assert _payloads(layer, shenzhen) == [] and _payloads(layer, everyone) == []
    assert _payloads(layer, head_office)[0]["customer_name"] == "王先生"
    assert _payloads(layer, center) == [
        {
            "type": "call.ringing",
            "call_id": "pop-1",
            "direction": "in",
            "phone": CALLER_NORMALIZED,
            "customer_id": customer.id,
            "customer_name": "王先生",
            "queue": "hotline",
        }
    ]


@live_db
def test_unknown_caller_pops_without_a_name(agent):
    layer = _layer()
    agents = _subscribe(layer, AGENTS_GROUP)
    _post(Client(), {**GOOD, "callId": "pop-2", "from": "021 6666 7777"})
    [payload] = _payloads(layer, agents)
    assert payload["type"] == "call.ringing"
    assert payload["phone"] == "02166667777"
    assert payload["customer_id"] is None
    assert payload["customer_name"] == ""


@live_db
@pytest.mark.parametrize("name", ["agent", "李娜", "8011"])
def test_new_call_naming_an_agent_pops_only_on_that_agents_screen(people, name):
    agent, lead = people["agent"], people["lead"]
    layer = _layer()
    everyone = _subscribe(layer, AGENTS_GROUP)
    mine = _subscribe(layer, user_group(agent.id))
    other = _subscribe(layer, user_group(lead.id))

    _post(Client(), {**GOOD, "callId": f"pop-{name}", "user[]": [name]})

    [payload] = _payloads(layer, mine)
    assert payload["type"] == "call.ringing"
    assert payload["phone"] == CALLER_NORMALIZED
    assert _payloads(layer, everyone) == []
    assert _payloads(layer, other) == []


@live_db
def test_unknown_user_falls_back_to_all_agents(agent):
    layer = _layer()
    everyone = _subscribe(layer, AGENTS_GROUP)
    _post(Client(), {**GOOD, "callId": "pop-nobody", "user[]": ["nobody"]})
    [payload] = _payloads(layer, everyone)
    assert payload["call_id"] == "pop-nobody"


@live_db
def test_outbound_new_call_and_refused_events_pop_nothing(agent):
    layer = _layer()
    everyone = _subscribe(layer, AGENTS_GROUP)
    _post(Client(), {**GOOD, "callId": "out-1", "direction": "out"})
    _post(Client(), {**GOOD, "callId": "bad", "direction": "sideways"})
    _post(Client(), GOOD, token="wrong")
    assert _payloads(layer, everyone) == []


@live_db
def test_answer_and_hangup_go_to_the_answering_agent(agent):
    layer = _layer()
    everyone = _subscribe(layer, AGENTS_GROUP)
    mine = _subscribe(layer, user_group(agent.id))
    client = Client()
    _post(client, {**GOOD, "callId": "flow"})
    assert [p["type"] for p in _payloads(layer, everyone)] == ["call.ringing"]
    _post(client, {**GOOD, "callId": "flow", "event": "answer", "answeringNumber": "8011"})
    _post(client, {**GOOD, "callId": "flow", "event": "hangup", "cause": "normalClearing"})
    pushed = [(p["type"], p.get("state")) for p in _payloads(layer, mine)]
    # The pops, and the agent's own state (on the call, then wrap-up) for the state button.
    assert [t for t, _ in pushed if t.startswith("call.")] == ["call.answered", "call.ended"]
    assert [s for t, s in pushed if t == "agent.state"] == ["oncall", "wrapup"]
    assert _payloads(layer, everyone) == []


def test_pop_waits_for_the_commit(db, agent):
    # In a test-case transaction on_commit never fires: nothing may be pushed before commit.
    layer = _layer()
    everyone = _subscribe(layer, AGENTS_GROUP)
    _post(Client(), {**GOOD, "callId": "uncommitted"})
    assert _payloads(layer, everyone) == []


# --- (c) the websocket consumer ----------------------------------------------------------------

ORIGIN = (b"origin", b"http://127.0.0.1")


def _session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def _communicator(*headers, path: str = "/ws/live"):
    from kefu.asgi import application

    return WebsocketCommunicator(application, path, headers=list(headers))


@live_db
@pytest.mark.parametrize("case", ["anonymous", "forged session", "foreign origin"])
def test_websocket_refuses(case, agent):
    if case == "anonymous":
        headers = [ORIGIN]
    elif case == "forged session":
        headers = [ORIGIN, (b"cookie", b"sessionid=forged")]
    else:
        headers = [(b"origin", b"http://evil.example"), (b"cookie", _session_cookie(agent))]

    async def body():
        comm = _communicator(*headers)
        connected, code = await comm.connect()
        assert not connected
        if case != "foreign origin":
            assert code == 4401
        await comm.disconnect()

    async_to_sync(body)()


@live_db
def test_websocket_delivers_pushes_to_a_logged_in_agent(agent):
    cookie = _session_cookie(agent)
    _layer()
    payload = {"type": "call.ringing", "phone": CALLER_NORMALIZED, "customer_name": "王先生"}

    async def body():
        comm = _communicator(ORIGIN, (b"cookie", cookie))
        connected, _ = await comm.connect()
        assert connected
        layer = get_channel_layer()
        await layer.group_send(AGENTS_GROUP, {"type": "push", "payload": payload})
        assert await comm.receive_json_from(timeout=2) == payload
        await layer.group_send(user_group(agent.id), {"type": "push", "payload": {"n": 2}})
        assert await comm.receive_json_from(timeout=2) == {"n": 2}
        await comm.disconnect()

    async_to_sync(body)()


@live_db
def test_websocket_screen_pop_end_to_end(agent):
    """A newCall through the CTI endpoint reaches the agent's open websocket."""
    make_customer(agent, name="王先生", phones=(CALLER_NORMALIZED,))
    cookie = _session_cookie(agent)
    _layer()

    async def body():
        from asgiref.sync import sync_to_async

        comm = _communicator(ORIGIN, (b"cookie", cookie))
        connected, _ = await comm.connect()
        assert connected
        resp = await sync_to_async(_post)(Client(), {**GOOD, "callId": "ws-1"})
        assert resp.status_code == 200
        pop = await comm.receive_json_from(timeout=2)
        assert pop["type"] == "call.ringing"
        assert pop["phone"] == CALLER_NORMALIZED
        assert pop["customer_name"] == "王先生"
        await comm.disconnect()

    async_to_sync(body)()


@live_db
def test_websocket_department_handler_gets_no_agent_pops(dept_handler):
    cookie = _session_cookie(dept_handler)
    _layer()

    async def body():
        comm = _communicator(ORIGIN, (b"cookie", cookie))
        connected, _ = await comm.connect()
        assert connected
        layer = get_channel_layer()
        await layer.group_send(AGENTS_GROUP, {"type": "push", "payload": {"n": 1}})
        assert await comm.receive_nothing(timeout=0.3)
        await layer.group_send(user_group(dept_handler.id), {"type": "push", "payload": {"n": 2}})
        assert await comm.receive_json_from(timeout=2) == {"n": 2}
        await comm.disconnect()

    async_to_sync(body)()


def test_publish_without_subscribers_is_harmless(db):
    publish(AGENTS_GROUP, {"type": "noop"})


# --- (d) the floor's screens hear every floor change, when they ask for it ----------------------


@live_db
def test_cti_events_push_floor_changes_to_the_floor_group(agent):
    layer = _layer()
    floor = _subscribe(layer, FLOOR_GROUP)
    _post(Client(), {**GOOD, "callId": "fl-1"})
    _post(Client(), {"event": "agent", "user": "8011", "state": "break"})
    _post(Client(), {"event": "queue", "queue": "vip", "waiting": "2", "longestWait": "10"})
    _post(Client(), {"event": "agent", "user": "8011", "state": "nonsense"})  # refused
    assert [p["type"] for p in _payloads(layer, floor)] == ["floor.changed"] * 3


@live_db
@pytest.mark.parametrize(
    ("who", "path", "hears"),
    [
        ("lead", "/ws/live?floor=1", True),
        ("agent", "/ws/live?floor=1", True),  # the wall is every center staff member's
        ("lead", "/ws/live", False),  # a page that did not ask
        ("dept_handler", "/ws/live?floor=1", False),
    ],
)
def test_only_center_pages_that_ask_join_the_floor_group(people, who, path, hears):
    cookie = _session_cookie(people[who])
    _layer()

    async def body():
        comm = _communicator(ORIGIN, (b"cookie", cookie), path=path)
        connected, _ = await comm.connect()
        assert connected
        layer = get_channel_layer()
        await layer.group_send(FLOOR_GROUP, {"type": "push", "payload": {"type": "floor.changed"}})
        if hears:
            assert await comm.receive_json_from(timeout=2) == {"type": "floor.changed"}
        else:
            assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    async_to_sync(body)()


def test_a_ring_group_answer_goes_to_the_answering_number_or_nobody(people, org):
    from kefu.accounts.models import Role
    from tests.accounts.factories import make_person
    from tests.telephony.factories import cti

    other = make_person("agent2", Role.AGENT, number="8201", name="坐席甲")
    cti("newCall", "group-1", number="13900001111", user=["8011", "8201"])
    cti("answer", "group-1", number="13900001111", user=["8011", "8201"], answeringNumber="8201")
    assert CallRecord.objects.get(call_id="group-1").agent == other
    # a ring group answered without saying by whom: nobody is guessed
    cti("newCall", "group-2", number="13900002222", user=["8011", "8201"])
    cti("answer", "group-2", number="13900002222", user=["8011", "8201"])
    assert CallRecord.objects.get(call_id="group-2").agent is None
    # a staff member renamed or deactivated is known or forgotten at once
    other.staff.employee_no = "8202"
    other.staff.save()
    cti("newCall", "group-3", number="13900003333", user=["8202"])
    cti("answer", "group-3", number="13900003333", user=["8202"], answeringNumber="8202")
    assert CallRecord.objects.get(call_id="group-3").agent == other
    other.is_active = False
    other.save()
    cti("newCall", "group-4", number="13900004444", user=["8202"])
    cti("answer", "group-4", number="13900004444", user=["8202"], answeringNumber="8202")
    assert CallRecord.objects.get(call_id="group-4").agent is None


def test_an_outbound_call_is_the_dialling_agents_from_its_first_event(people):
    from tests.telephony.factories import cti

    cti("newCall", "dial-1", number="13900005555", direction="out", user=["8011"])
    assert CallRecord.objects.get(call_id="dial-1").agent == people["agent"]
    cti("newCall", "dial-2", number="13900006666", direction="out", user=["8011", "8001"])
    assert CallRecord.objects.get(call_id="dial-2").agent is None  # which of two: not guessed


@live_db
def test_a_branch_agent_rung_for_another_branchs_customer_sees_a_number_not_a_name(people):
    make_customer(people["agent"], name="王先生", phones=(CALLER_NORMALIZED,))
    sz_agent = people["sz_agent"]
    layer = _layer()
    screen = _subscribe(layer, user_group(sz_agent.id))
    _post(Client(), {**GOOD, "callId": "pop-sz", "user[]": ["sz-agent"]})
    [payload] = _payloads(layer, screen)
    assert (payload["phone"], payload["customer_id"], payload["customer_name"]) == (
        CALLER_NORMALIZED,
        None,
        "",
    )


def test_each_agent_joins_the_pops_of_the_customers_they_may_see(people, org):
    from kefu.accounts.consumers import _groups_for

    assert CENTER_AGENTS_GROUP in async_to_sync(_groups_for)(people["agent"])
    sz = async_to_sync(_groups_for)(people["sz_agent"])
    assert branch_agents_group(org["sz"].pk) in sz and CENTER_AGENTS_GROUP not in sz


def test_a_branch_agents_call_log_holds_their_branchs_callers_and_unknown_numbers(people, org):
    from kefu.telephony.services import list_calls
    from tests.telephony.factories import cti

    make_customer(people["agent"], name="总部客户", phones=("13900007777",))
    make_customer(people["agent"], name="深圳客户", phones=("13900008888",), area="nsh")
    for n, number in enumerate(["13900007777", "13900008888", "02100009999"]):
        cti("newCall", f"log-{n}", number=number)
    names = {c.customer_number for c in list_calls(people["sz_agent"])}
    assert names == {"13900008888", "02100009999"}
    assert len(list_calls(people["agent"])) == 3
    page = Client()
    page.force_login(people["sz_agent"])
    assert "总部客户" not in page.get("/calls/").content.decode()
