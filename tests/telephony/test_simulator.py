"""The call simulator: the seeded engine's calls and agents, the player against the real CTI
endpoint of a live server, and ``kefu simulate-calls``.

The ``agent`` and ``queue`` CTI events are new on the server: while it answers 400 "未知事件"
to them, the tests that need them skip (after checking the calls themselves).
"""

from __future__ import annotations

import io
import itertools
import re
import statistics
from collections import Counter, defaultdict
from urllib.parse import parse_qs

import httpx
import pytest
from django.core.management import CommandError, call_command

from kefu import cli
from kefu.telephony.management.commands.simulate_calls import staff_agent_names
from kefu.telephony.models import AgentSpan, AgentState, CallRecord
from kefu.telephony.simulator import (
    PICKUP,
    CallCenter,
    PlayReport,
    Scenario,
    SimEvent,
    percentile,
    play,
    simulate,
    summarize,
)

TOKEN = "sim-test-token"
live_db = pytest.mark.django_db(transaction=True)

# A busy floor: three agents, more calls than they can take, breaks, callers giving up.
BUSY = Scenario(
    agents=["a1", "a2", "a3"],
    calls_per_hour=90,
    aht_seconds=150,
    wrapup_seconds=20,
    patience_seconds=60,
    break_share=0.67,
    break_seconds=240,
    break_every_seconds=900,
    duration_seconds=2 * 3600,
)


def arrivals(events: list[SimEvent]) -> list[float]:
    return [e.at for e in events if e.event == "newCall"]


def by_call(events: list[SimEvent]) -> dict[str, list[SimEvent]]:
    calls: dict[str, list[SimEvent]] = defaultdict(list)
    for e in events:
        if e.event != "agent":
            calls[str(e.params["callId"])].append(e)
    return calls


# --- the engine ----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_run():
    first = simulate(BUSY, seed=42, run_id="r")
    again = simulate(BUSY, seed=42, run_id="r")
    other = simulate(BUSY, seed=43, run_id="r")

    assert first.events == again.events
    assert first.summary == again.summary
    assert first.events != other.events


def test_without_a_run_id_the_seed_names_the_run_and_each_call_id_is_unique():
    run = simulate(BUSY, seed=5)

    assert run.run_id == simulate(BUSY, seed=5).run_id != simulate(BUSY, seed=6).run_id
    ids = [e.params["callId"] for e in run.events if e.event == "newCall"]
    assert len(ids) == len(set(ids)) == run.summary.offered
    assert all(str(i).startswith(run.run_id + "-") for i in ids)


def test_arrivals_are_poisson_at_the_hourly_rate():
    scenario = Scenario(
        agents=[f"a{i}" for i in range(10)], calls_per_hour=60, duration_seconds=3600
    )

    counts = [len(arrivals(simulate(scenario, seed=s).events)) for s in range(400)]

    # Poisson(60): mean 60 and variance 60 (the mean's standard error is 0.39 here).
    assert 58.5 < statistics.mean(counts) < 61.5
    assert 45 < statistics.variance(counts) < 75


def test_arrival_gaps_are_exponential():
    scenario = Scenario(agents=["a"], calls_per_hour=360, duration_seconds=10 * 3600)
    times = arrivals(simulate(scenario, seed=1).events)
    gaps = [b - a for a, b in itertools.pairwise(times)]

    assert 9.5 < statistics.mean(gaps) < 10.5  # 3,600 gaps of mean 10 s
    # An exponential law's median is ln 2 of its mean; its standard deviation equals the mean.
    assert 6.4 < statistics.median(gaps) < 7.5
    assert 9.3 < statistics.stdev(gaps) < 10.7


def test_each_half_hour_slot_gets_its_expected_volume():
    scenario = Scenario(
        agents=[f"a{i}" for i in range(10)],
        slot_volumes=[10, 40, 0, 20],
        duration_seconds=4 * 1800,
    )
    per_slot: list[list[int]] = [[], [], [], []]
    for seed in range(300):
        counts = Counter(int(t // 1800) for t in arrivals(simulate(scenario, seed=seed).events))
        for slot in range(4):
            per_slot[slot].append(counts[slot])

    means = [statistics.mean(c) for c in per_slot]
    assert 9.3 < means[0] < 10.7
    assert 38.6 < means[1] < 41.4
    assert means[2] == 0
    assert 19 < means[3] < 21


def test_a_run_starts_in_its_slot_of_the_day_and_the_slots_repeat():
    # Starting at 00:30 of a two-slot day [0, 30]: busy, quiet, busy.
    scenario = Scenario(
        agents=[f"a{i}" for i in range(10)],
        slot_volumes=[0, 30],
        start_seconds=1800,
        duration_seconds=3 * 1800,
    )
    per_slot: list[list[int]] = [[], [], []]
    for seed in range(200):
        counts = Counter(int(t // 1800) for t in arrivals(simulate(scenario, seed=seed).events))
        for slot in range(3):
            per_slot[slot].append(counts[slot])

    assert 28.5 < statistics.mean(per_slot[0]) < 31.5
    assert statistics.mean(per_slot[1]) == 0
    assert 28.5 < statistics.mean(per_slot[2]) < 31.5


@pytest.mark.parametrize("seed", range(8))
def test_calls_and_agents_follow_the_rules_of_a_floor(seed):
    run = simulate(BUSY, seed=seed)
    events = run.events

    times = [e.at for e in events]
    assert times == sorted(times)
    assert 0 < arrivals(events)[-1] < BUSY.duration_seconds  # no caller after the end

    for call_id, call in by_call(events).items():
        kinds = [e.event for e in call]
        assert kinds in (["newCall", "answer", "hangup"], ["newCall", "hangup"]), call_id
        first = call[0].params
        assert first["direction"] == "in" and first["to"] == "96116"
        assert first["queue"] == "hotline"
        assert re.fullmatch(r"1[3-9]\d{9}", str(first["from"]))
        hangup = call[-1].params
        if len(call) == 3:  # answered: by the agent named, hung up normally
            answer = call[1].params
            assert answer["user[]"] == [answer["answeringNumber"]]
            assert hangup["cause"] == "normalClearing"
        else:  # abandoned: never answered, the caller gave up
            assert hangup["cause"] == "cancel"

    # Each agent: ready at the start, answers only while ready, one call at a time, wrap-up
    # after each call, and offline at the end with nothing after.
    state: dict[str, str] = {}
    hung_up_at: dict[str, float] = {}
    for e in events:
        p = e.params
        if e.event == "agent":
            name = str(p["user"])
            if name not in state:
                assert (e.at, p["state"]) == (0.0, "ready")
            assert state.get(name) != "offline"
            if state.get(name) == "wrapup":
                assert e.at - hung_up_at[name] == pytest.approx(BUSY.wrapup_seconds, abs=0.01)
            if state.get(name) == "break":
                assert p["state"] in ("ready", "offline")
            state[name] = str(p["state"])
        elif e.event == "answer":
            name = str(p["answeringNumber"])
            assert state[name] == "ready", (name, e)
            state[name] = "oncall:" + str(p["callId"])
        elif e.event == "hangup" and p["cause"] == "normalClearing":
            name = str(p["answeringNumber"])
            assert state[name] == "oncall:" + str(p["callId"])
            state[name] = "wrapup"
            hung_up_at[name] = e.at
    assert state == {"a1": "offline", "a2": "offline", "a3": "offline"}
    kinds = Counter(str(e.params["state"]) for e in events if e.event == "agent")
    assert kinds["break"] > 0 and kinds["offline"] == 3


@pytest.mark.parametrize("seed", range(4))
def test_callers_are_answered_first_come_first_served(seed):
    run = simulate(BUSY, seed=seed)
    answered = [c for c in by_call(run.events).values() if len(c) == 3]

    # The agent is chosen in order of arrival; the answer follows after the phone rang.
    low, high = PICKUP
    for earlier, later in itertools.pairwise(answered):
        assert earlier[0].at <= later[0].at
        assert earlier[1].at - high <= later[1].at - low


@pytest.mark.parametrize("seed", range(6))
def test_the_summary_is_what_the_events_show(seed):
    run = simulate(BUSY, seed=seed)
    s = run.summary
    calls = by_call(run.events).values()
    waits = [c[1].at - c[0].at for c in calls if len(c) == 3]

    assert s == summarize(run.events)
    assert s.offered == len(calls) > 0
    assert s.answered == len(waits) > 0
    assert s.abandoned == sum(1 for c in calls if c[-1].params["cause"] == "cancel") > 0
    assert s.offered == s.answered + s.abandoned
    assert s.answered_within == sum(1 for w in waits if w <= 20)
    assert s.average_wait_seconds == pytest.approx(statistics.mean(waits))
    assert s.service_level == s.answered_within / s.offered


@pytest.mark.parametrize("handling", ["lognormal", "exponential"])
def test_handling_times_have_the_mean_asked(handling):
    scenario = Scenario(
        agents=[f"a{i}" for i in range(50)],
        calls_per_hour=600,
        aht_seconds=200,
        handling=handling,
        patience_seconds=0,  # nobody gives up: every call is handled
        duration_seconds=4 * 3600,
    )
    run = simulate(scenario, seed=3)
    talk = [c[2].at - c[1].at for c in by_call(run.events).values()]

    assert run.summary.abandoned == 0
    assert len(talk) > 2000
    assert 190 < statistics.mean(talk) < 210


def test_callers_numbers_can_be_given():
    scenario = Scenario(agents=["a"], numbers=["13800000001", "02088886666"], duration_seconds=3600)
    numbers = {e.params["from"] for e in simulate(scenario, seed=1).events if e.event == "newCall"}
    assert numbers == {"13800000001", "02088886666"}


def test_a_run_without_end_goes_on_as_long_as_it_is_read():
    center = CallCenter(Scenario(agents=["a", "b", "c", "d"], duration_seconds=None), seed=1)
    events = list(itertools.islice(center.events(), 2000))

    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[-1].at > 4 * 3600  # about four events a call, 60 calls an hour
    assert not any(e.params.get("state") == "offline" for e in events)
    assert center.summary.offered == sum(1 for e in events if e.event == "newCall")


def test_a_scenario_refuses_what_cannot_be_simulated():
    with pytest.raises(ValueError):
        Scenario(agents=[])
    with pytest.raises(ValueError):
        Scenario(agents=["a", "a"])
    with pytest.raises(ValueError):
        Scenario(agents=["a"], slot_volumes=[1, -1])
    with pytest.raises(ValueError):
        simulate(Scenario(agents=["a"], duration_seconds=None))


def test_percentile_interpolates_between_ranks():
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([float(i) for i in range(101)], 0.95) == 95.0


# --- the player, against a stand-in transport ------------------------------------------------


def recording_client(status: int = 200) -> tuple[httpx.Client, list[dict[str, list[str]]]]:
    posted: list[dict[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append(parse_qs(request.content.decode()))
        return httpx.Response(status, json={} if status == 200 else {"detail": "未知事件:x"})

    return httpx.Client(transport=httpx.MockTransport(handler)), posted


def test_the_player_posts_form_encoded_events_in_order():
    run = simulate(BUSY, seed=1)
    client, posted = recording_client()

    report = play(run.events, "http://pbx.test/api/v1/cti/t", speed=0, client=client)

    assert report.sent == len(run.events) and report.errors == 0
    assert len(report.latencies) == len(run.events)
    assert report.summary == run.summary
    assert [p["event"][0] for p in posted] == [e.event for e in run.events]
    answer = next(p for p in posted if p["event"] == ["answer"])
    assert set(answer) == {
        "event", "callId", "direction", "from", "to", "queue", "user[]", "answeringNumber"
    }  # fmt: skip


def test_the_player_keeps_to_the_speed_asked():
    events = [SimEvent(t, {"event": "agent", "user": "a", "state": "ready"}) for t in (0, 1, 2)]
    client, _posted = recording_client()

    report = play(events, "http://pbx.test/cti", speed=10, client=client)

    assert 0.2 <= report.elapsed < 1.0  # 2 simulated seconds at 10 a second


def test_refusals_are_counted_and_the_first_few_told_without_stopping():
    run = simulate(BUSY, seed=1)
    client, posted = recording_client(status=400)
    told: list[str] = []

    report = play(run.events, "http://pbx.test/cti", speed=0, client=client, say=told.append)

    assert len(posted) == len(run.events)
    assert report.errors == len(run.events) and report.sent == 0
    assert len(told) == 5 and told[0].startswith("error: agent a1: 400 ")
    assert report.failures[0].status == 400 and "未知事件" in report.failures[0].detail


def test_an_unreachable_endpoint_is_counted_not_raised():
    events = [SimEvent(0, {"event": "agent", "user": "a", "state": "ready"})]
    told: list[str] = []

    report = play(events, "http://127.0.0.1:9/cti", speed=0, say=told.append, timeout=2)

    assert (report.sent, report.errors, report.failures[0].status) == (0, 1, 0)
    assert told[0].startswith("error: agent a: no answer ConnectError")


def test_ctrl_c_hangs_up_the_open_calls_and_takes_every_agent_offline():
    run = simulate(BUSY, seed=2)
    # Stopped in the middle of the floor's life: some calls waiting, some on the phone.
    stop_at = next(
        i
        for i in range(len(run.events) // 2, len(run.events))
        if len(open_calls(run.events[:i])[0]) and len(open_calls(run.events[:i])[1])
    )
    waiting, talking = open_calls(run.events[:stop_at])

    def interrupted():
        yield from run.events[:stop_at]
        raise KeyboardInterrupt

    client, posted = recording_client()
    report = play(interrupted(), "http://pbx.test/cti", speed=0, client=client)

    assert report.interrupted
    closing = posted[stop_at:]
    hangups = {p["callId"][0]: p["cause"][0] for p in closing if p["event"] == ["hangup"]}
    assert hangups == {c: "cancel" for c in waiting} | {c: "normalClearing" for c in talking}
    offline = [p["user"][0] for p in closing if p["event"] == ["agent"]]
    assert sorted(offline) == ["a1", "a2", "a3"]
    assert all(p["state"] == ["offline"] for p in closing if p["event"] == ["agent"])
    assert report.summary.offered == report.summary.answered + report.summary.abandoned


def open_calls(events: list[SimEvent]) -> tuple[set[str], set[str]]:
    """The calls waiting and the calls on the phone after ``events``."""
    waiting: set[str] = set()
    talking: set[str] = set()
    for e in events:
        call_id = str(e.params.get("callId"))
        if e.event == "newCall":
            waiting.add(call_id)
        elif e.event == "answer":
            waiting.discard(call_id)
            talking.add(call_id)
        elif e.event == "hangup":
            waiting.discard(call_id)
            talking.discard(call_id)
    return waiting, talking


# --- against the real endpoint ----------------------------------------------------------------


def skip_if_agent_events_unknown(report: PlayReport) -> None:
    """The server does not know ``event=agent`` yet: the agents' part cannot be checked."""
    if report.errors and all(
        f.event == "agent" and f.status == 400 and "未知事件" in f.detail for f in report.failures
    ):
        assert set(report.errors_by_event) == {"agent"}
        pytest.skip("the CTI endpoint answers 400 未知事件 to event=agent (not landed yet)")


@live_db
def test_a_run_played_to_the_live_endpoint_leaves_its_calls_in_the_caller_log(
    live_server, people, settings
):
    settings.CTI_TOKEN = TOKEN
    scenario = Scenario(
        agents=["agent", "lead"],
        calls_per_hour=120,
        aht_seconds=120,
        wrapup_seconds=15,
        patience_seconds=45,
        duration_seconds=15 * 60,
    )
    run = simulate(scenario, seed=11, run_id="e2e")
    assert run.summary.answered > 0 and run.summary.abandoned > 0

    report = play(run.events, f"{live_server.url}/api/v1/cti/{TOKEN}", speed=0, say=print)
    print(*report.lines(), run.summary.line(), sep="\n")

    calls = CallRecord.objects.filter(call_id__startswith="e2e-")
    assert calls.count() == run.summary.offered
    assert calls.exclude(state=CallRecord.State.ENDED).count() == 0
    assert calls.filter(answered_at__isnull=False).count() == run.summary.answered
    assert calls.filter(answered_at__isnull=True, cause="cancel").count() == run.summary.abandoned
    answered_by = {
        str(e.params["callId"]): e.params["answeringNumber"]
        for e in run.events
        if e.event == "answer"
    }
    assert {
        c.call_id: c.agent.username for c in calls.filter(answered_at__isnull=False)
    } == answered_by
    assert set(calls.values_list("queue", flat=True)) == {"hotline"}
    assert len(report.latencies) == len(run.events)

    skip_if_agent_events_unknown(report)
    assert report.errors == 0
    assert report.sent == len(run.events)
    assert set(AgentState.objects.values_list("user__username", "state")) == {
        ("agent", "offline"),
        ("lead", "offline"),
    }


def expected_states(events: list[SimEvent], name: str) -> list[str]:
    """The states an agent passes through: its agent events, oncall on answering, wrap-up at
    the hang-up of its call; one state once however often it is said."""
    states: list[str] = []
    for e in events:
        p = e.params
        if e.event == "agent" and p["user"] == name:
            state = str(p["state"])
        elif e.event == "answer" and p["answeringNumber"] == name:
            state = "oncall"
        elif e.event == "hangup" and p.get("answeringNumber") == name:
            state = "wrapup"
        else:
            continue
        if not states or states[-1] != state:
            states.append(state)
    return states


@live_db
def test_the_agents_states_on_the_server_follow_the_simulated_floor(live_server, people, settings):
    settings.CTI_TOKEN = TOKEN
    scenario = Scenario(
        agents=["agent", "lead"],
        calls_per_hour=40,
        aht_seconds=100,
        wrapup_seconds=20,
        break_share=1,
        break_every_seconds=600,
        break_seconds=120,
        duration_seconds=20 * 60,
    )
    run = simulate(scenario, seed=4, run_id="states")

    report = play(run.events, f"{live_server.url}/api/v1/cti/{TOKEN}", speed=0, say=print)

    skip_if_agent_events_unknown(report)
    assert report.errors == 0
    for user in (people["agent"], people["lead"]):
        spans = AgentSpan.objects.filter(user=user)
        expected = expected_states(run.events, user.username)
        assert {"ready", "oncall", "wrapup", "break"} <= set(expected)
        assert expected[-1] == "offline"
        # Offline is the absence of a span: going offline closes the last one.
        assert list(spans.values_list("state", flat=True)) == expected[:-1]
        assert not spans.filter(ended_at__isnull=True).exists()
        assert AgentState.objects.get(user=user).state == "offline"


# --- kefu simulate-calls ----------------------------------------------------------------------


def test_the_agents_are_the_first_active_agents_and_leads_by_username(people):
    people["sz_agent"].is_active = False
    people["sz_agent"].save()

    assert staff_agent_names(8) == ["agent", "lead"]
    assert staff_agent_names(1) == ["agent"]


def test_without_agents_the_command_refuses(db):
    with pytest.raises(CommandError, match="no active staff with the role agent or team lead"):
        call_command("simulate_calls", "--url", "http://127.0.0.1:9/cti")


def test_without_a_cti_token_the_command_asks_for_one(people, settings):
    settings.CTI_TOKEN = ""
    with pytest.raises(CommandError, match="no CTI token"):
        call_command("simulate_calls")


@live_db
def test_simulate_calls_plays_a_run_and_prints_its_figures(live_server, people, settings):
    settings.CTI_TOKEN = TOKEN
    settings.SITE_URL = live_server.url
    out = io.StringIO()

    call_command(
        "simulate_calls", "--minutes", "10", "--speed", "0", "--seed", "3", stdout=out, stderr=out
    )

    text = out.getvalue()
    print(text)
    assert "only 3 active agents and team leads, not 8: simulating with them" in text
    assert (
        "kefu simulate-calls --agents 8 --calls-per-hour 60 --aht 180 --wrapup 30 --patience 90 "
        "--break-share 0 --minutes 10 --speed 0 --seed 3 --queue hotline"
    ) in text
    assert f"endpoint {live_server.url}/api/v1/cti/***; run sim" in text
    assert "agents (3): agent, lead, sz-agent" in text
    offered, answered, abandoned = map(
        int, re.search(r"offered (\d+), answered (\d+), abandoned (\d+)", text).groups()
    )
    calls = CallRecord.objects.filter(call_id__startswith="sim")
    assert calls.count() == offered > 0
    assert calls.filter(answered_at__isnull=False).count() == answered
    assert calls.filter(answered_at__isnull=True).count() == abandoned
    assert re.search(r"rate: [\d.]+ events/s", text)
    assert re.search(r"POST latency: median [\d.]+ ms, p95 [\d.]+ ms", text)


def test_kefu_simulate_calls_runs_the_management_command(monkeypatch):
    ran: list[list[str]] = []
    monkeypatch.setattr(cli, "execute_from_command_line", ran.append)

    cli.main(["kefu", "simulate-calls", "--minutes", "5"])

    assert ran == [["kefu", "simulate_calls", "--minutes", "5"]]
