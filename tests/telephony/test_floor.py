"""The telephone floor: agents' states from the PBX, from calls and from the agent's button;
the queue (ringing calls, or the PBX's own report); today's service level, answer and abandon
rates; occupancy and wrap-up time; who may watch it; the floor page, its panel and the wall."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from kefu.accounts.models import Role
from kefu.telephony.blacklist import add_blacklist_entry
from kefu.telephony.floor import get_floor
from kefu.telephony.models import AgentSpan, AgentState, QueueReport
from tests.accounts.factories import make_person
from tests.telephony.factories import CTI_PATH, cti

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NINE = dt.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)


def at(minutes: float = 0, seconds: float = 0) -> dt.datetime:
    return NINE + dt.timedelta(minutes=minutes, seconds=seconds)


def agent_event(user: str, state: str) -> None:
    reply = Client().post(CTI_PATH, {"event": "agent", "user": user, "state": state})
    assert reply.status_code == 200, reply.content
    assert reply.json() == {}


def test_a_day_of_one_agent_counts_talk_wrap_up_ready_and_occupancy(agent, lead):
    with time_machine.travel(at(0), tick=False):
        agent_event("8011", "ready")  # by 工号
    with time_machine.travel(at(10), tick=False):
        cti("newCall", "c1", number="13812345678", user=["agent"])
    with time_machine.travel(at(10, 15), tick=False):
        cti("answer", "c1", number="13812345678", answeringNumber="8011")
        assert AgentState.objects.get(user=agent).state == AgentState.State.ONCALL
    with time_machine.travel(at(14, 15), tick=False):
        cti("hangup", "c1", number="13812345678", cause="normalClearing")
        state = AgentState.objects.get(user=agent)
        assert state.state == AgentState.State.WRAPUP  # the hang-up starts wrap-up
    with time_machine.travel(at(15), tick=False):
        reply = Client()
        reply.force_login(agent)
        response = reply.post("/calls/state", {"state": "ready"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert 'data-state="ready"' in response.content.decode()
    with time_machine.travel(at(20), tick=False):
        floor = get_floor(lead)
    (line,) = floor.agents
    assert (line.state, line.calls) == ("ready", 1)
    assert line.talk_seconds == 240
    assert line.wrapup_seconds == 45
    assert line.average_wrapup_seconds == 45
    assert line.ready_seconds == 615 + 300
    assert line.occupancy == round(100 * 285 / 1200, 1)
    assert line.seconds_in_state == 300
    # Spans: ready, on the call, wrap-up, ready (the last one open).
    spans = list(AgentSpan.objects.filter(user=agent).values_list("state", "ended_at"))
    assert [s for s, _ in spans] == ["ready", "oncall", "wrapup", "ready"]
    assert spans[-1][1] is None


def test_service_level_answer_and_abandon_rates_leave_rejected_calls_out(agent, lead):
    add_blacklist_entry("13900000009", actor=lead, kind="block", reason="骚扰")
    with time_machine.travel(at(0), tick=False):
        for call in ("fast", "slow", "gone"):
            cti("newCall", call, number="13812345678")
        cti("newCall", "blocked", number="13900000009")
    with time_machine.travel(at(0, 20), tick=False):  # exactly the 20 s target: in
        cti("answer", "fast", number="13812345678", answeringNumber="8011")
    with time_machine.travel(at(0, 21), tick=False):
        cti("answer", "slow", number="13812345678", answeringNumber="8011")
    with time_machine.travel(at(1), tick=False):
        cti("hangup", "gone", number="13812345678", cause="cancel")
        calls = get_floor(lead).calls
    assert (calls.offered, calls.answered, calls.abandoned, calls.answered_in_target) == (
        3,
        2,
        1,
        1,
    )
    assert calls.service_level == 33.3
    assert calls.answer_rate == 66.7
    assert calls.abandon_rate == 33.3
    assert calls.in_progress == 2  # the two answered calls still talking


def test_yesterdays_calls_do_not_count_today(agent, lead):
    with time_machine.travel(at(-60 * 10), tick=False):  # 23:00 the day before
        cti("newCall", "late", number="13812345678")
        cti("hangup", "late", number="13812345678", cause="cancel")
    with time_machine.travel(at(0), tick=False):
        assert get_floor(lead).calls.offered == 0


def test_waiting_counts_ringing_calls_unless_the_pbx_reported_the_queue(agent, lead):
    with time_machine.travel(at(0), tick=False):
        cti("newCall", "w1", number="13812345671", queue="hotline")
    with time_machine.travel(at(0, 40), tick=False):
        cti("newCall", "w2", number="13812345672", queue="hotline")
        cti("newCall", "w3", number="13812345673", queue="hotline")
        cti("answer", "w3", number="13812345673", answeringNumber="8011")
        reply = Client().post(
            CTI_PATH, {"event": "queue", "queue": "vip", "waiting": "7", "longestWait": "95"}
        )
        assert reply.status_code == 200
    with time_machine.travel(at(1), tick=False):
        queue = get_floor(lead).queue
        assert queue.waiting == 2 + 7
        assert queue.longest_wait_seconds == 95
        lines = {line.name: line for line in queue.lines}
        assert (lines["hotline"].waiting, lines["hotline"].longest_wait_seconds) == (2, 60)
        assert lines["vip"].reported and not lines["hotline"].reported
    with time_machine.travel(at(3, 1), tick=False):  # the report is older than 2 minutes
        queue = get_floor(lead).queue
        assert queue.waiting == 2
        assert {line.name for line in queue.lines} == {"hotline"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "agent", "user": "8011", "state": "sleeping"}, "state"),
        ({"event": "agent", "user": "nobody", "state": "ready"}, "user"),
        ({"event": "agent", "state": "ready"}, "user"),
        ({"event": "queue", "queue": "q", "waiting": "-1"}, "waiting"),
        ({"event": "queue", "queue": "q", "waiting": "many"}, "waiting"),
        ({"event": "queue", "queue": "q", "waiting": "3", "longestWait": "1e9"}, "longestWait"),
    ],
)
def test_bad_floor_events_are_refused_and_write_nothing(agent, body, field):
    reply = Client().post(CTI_PATH, body)
    assert reply.status_code == 422
    assert reply.json()["field"] == field
    assert not AgentState.objects.exists()
    assert not QueueReport.objects.exists()


def test_a_floor_event_as_json_works_too(agent):
    import json

    reply = Client().post(
        CTI_PATH,
        json.dumps({"event": "agent", "user": ["agent"], "state": "break"}),
        content_type="application/json",
    )
    assert reply.status_code == 200
    assert AgentState.objects.get(user=agent).state == "break"


def test_the_state_button_through_the_api(agent, dept_handler, api_as):
    api = api_as(agent)
    assert api.get("/telephony/agents/me/state").json()["state"] == "offline"
    reply = api.post("/telephony/agents/me/state", {"state": "ready"})
    assert reply.status_code == 200 and reply.json()["label"] == "就绪"
    assert api.post("/telephony/agents/me/state", {"state": "oncall"}).status_code == 422
    # On a call the button is refused: the hang-up ends it.
    cti("newCall", "b1", number="13812345678")
    cti("answer", "b1", number="13812345678", answeringNumber="8011")
    reply = api.post("/telephony/agents/me/state", {"state": "break"})
    assert reply.status_code == 409
    assert AgentState.objects.get(user=agent).state == "oncall"
    cti("hangup", "b1", number="13812345678", cause="normalClearing")
    assert api.post("/telephony/agents/me/state", {"state": "break"}).status_code == 200
    # Department staff take no calls.
    reply = api_as(dept_handler).post("/telephony/agents/me/state", {"state": "ready"})
    assert reply.status_code == 403


def test_the_button_on_the_workbench_and_its_error(agent, web_as):
    client = web_as(agent)
    page = client.get("/").content.decode()
    assert 'data-testid="phone-state"' in page and "话务状态" in page
    reply = client.post("/calls/state", {"state": "oncall"}, HTTP_HX_REQUEST="true")
    assert reply.status_code == 422
    assert "状态只能是就绪、小休或离线" in reply.content.decode()
    assert not AgentState.objects.exists()
    reply = client.post("/calls/state", {"state": "break"})  # without htmx: back to the page
    assert reply.status_code == 302
    assert AgentState.objects.get(user=agent).state == "break"


def test_who_watches_the_floor(people, api_as, web_as):
    for key in ("lead", "supervisor", "quality", "gm"):
        assert api_as(people[key]).get("/telephony/floor").status_code == 200, key
    for key in ("agent", "sz_agent", "dept_handler"):
        assert api_as(people[key]).get("/telephony/floor").status_code == 403, key
    assert web_as(people["agent"]).get("/calls/floor/").status_code == 403
    assert (
        Client()
        .get("/calls/floor/panel", HTTP_HX_REQUEST="true")["HX-Redirect"]
        .startswith("/login/")
    )


def test_a_branch_lead_sees_the_branch_agents(org, people, api_as):
    sz_lead = make_person("sz-lead", Role.TEAM_LEAD, number="8512", branch=org["sz"])
    agent_event("8011", "ready")
    agent_event("8511", "ready")

    def seen(user):
        return sorted(
            a["employee_no"] for a in api_as(user).get("/telephony/floor").json()["agents"]
        )

    assert seen(sz_lead) == ["8511"]
    assert seen(people["lead"]) == ["8011", "8511"]


def test_the_floor_page_panel_and_api_show_the_same_floor(agent, lead, web_as, api_as):
    with time_machine.travel(at(0), tick=False):
        agent_event("agent", "ready")
        cti("newCall", "p1", number="13812345678")
    with time_machine.travel(at(0, 30), tick=False):
        body = api_as(lead).get("/telephony/floor").json()
        page = web_as(lead).get("/calls/floor/").content.decode()
        panel = web_as(lead).get("/calls/floor/panel", HTTP_HX_REQUEST="true").content.decode()
    assert (body["waiting"], body["longest_wait_seconds"]) == (1, 30)
    assert body["agents_by_state"]["ready"] == 1
    assert body["agents"][0]["name"] == "李娜"
    for html in (page, panel):
        assert 'data-testid="floor-waiting"><span>排队等待</span><strong>1</strong>' in html
        assert "0:30" in html
        assert "李娜" in html
    assert "data-floor-live" in page


def test_the_wall_shows_the_telephone_block(agent, lead, web_as):
    cti("newCall", "wall1", number="13812345678")
    page = web_as(agent).get("/wall/").content.decode()
    assert 'data-testid="wall-phones"' in page
    block = web_as(agent).get("/wall/phones", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="phones-waiting"' in block
    assert '<span class="num">1</span>' in block
