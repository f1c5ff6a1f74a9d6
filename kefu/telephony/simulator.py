"""A telephone floor simulated: callers, a queue and agents, played to the CTI endpoint.

Two parts. The engine (``CallCenter``, ``simulate``) is a seeded discrete-event simulation
with no Django and no network: it turns a scenario (agents, calls per half hour, handling,
wrap-up and patience times, breaks) into the time-ordered CTI events a PBX would post for it
— ``newCall``, ``answer``, ``hangup`` and the agents' ``agent`` state events — and keeps its
own count of what happened (offered, answered, abandoned, answered within the target, average
wait). The player (``play``) posts those events, form-encoded as a PBX does, to a real
``/api/v1/cti/<token>`` endpoint at a chosen speed and measures each POST. The
``simulate_calls`` management command (``kefu simulate-calls``) joins the two for the demo's
living floor and for benchmarks; the tests use both against a live server.

The model:

- Arrivals are Poisson in each 30-minute slot: exponential gaps at the slot's rate (expected
  calls in the slot / 1800 s). Rates are a constant ``calls_per_hour`` or one expected volume
  per slot (a forecast's); the slots repeat when the run is longer than the list, and
  ``start_seconds`` says where in the list (the day) the run starts. A gap running past the end
  of a slot is drawn again from the boundary at the next slot's rate — exact for a Poisson
  process, since exponential gaps have no memory.
- One FIFO queue. A waiting caller is given to the agent ready the longest (the usual
  longest-idle routing of a PBX); that agent's phone rings a few seconds (``PICKUP``) before
  the ``answer``. A caller still waiting when their patience (exponential, mean
  ``patience_seconds``; 0: no end) runs out hangs up: ``hangup`` with cause ``cancel``, no
  ``answer``; a caller whose agent's phone rings already stays.
- Handling times are lognormal with mean ``aht_seconds`` by default. Measured call centers'
  handling times are lognormal, not exponential (Brown et al., "Statistical Analysis of a
  Telephone Call Center", JASA 2005): right-skewed with few very short calls, which an
  exponential law overstates. σ = 0.8 gives a coefficient of variation near 1, so Erlang C's
  figures still roughly hold; ``handling="exponential"`` gives exactly Erlang C's assumption
  when a plan is to be checked against it.
- After a call the agent is in wrap-up for ``wrapup_seconds`` (answering makes the agent
  ``oncall`` and the hang-up ``wrapup`` on the server); then the simulated PBX sends
  ``agent ready``. A share of the agents (``break_share``) take a short break now and then:
  ``agent break``, then ``agent ready`` when it ends, taken when ready or after wrap-up
  (every ``break_every_seconds`` on average, exponential; 0.6-1.4 × ``break_seconds`` long).
- At the end of a finite run no caller arrives any more; the agents still on calls finish
  them and serve the callers still waiting, and every agent goes ``offline`` once free. Every
  call therefore ends with a ``hangup``. A run without a duration goes on until its reader
  stops reading (the command's Ctrl-C).

Times are seconds from the start of the run, in whole milliseconds; callIds are
``<run id>-<n>``.
"""

from __future__ import annotations

import heapq
import math
import random
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import httpx

SLOT_SECONDS = 1800
# The agent's phone rings this many seconds (uniform) between the routing and the answer.
PICKUP = (1.0, 4.0)
LOGNORMAL_SIGMA = 0.8
DEFAULT_HOTLINE = "96116"

Params = dict[str, str | list[str]]


@dataclass(frozen=True)
class SimEvent:
    """One CTI event: ``at`` simulated seconds after the start, ``params`` as the PBX posts
    them (``user[]`` a list of names on call events)."""

    at: float
    params: Params

    @property
    def event(self) -> str:
        return str(self.params["event"])


@dataclass(frozen=True)
class Scenario:
    """What is simulated. ``slot_volumes`` (expected calls per 30-minute slot) replaces
    ``calls_per_hour`` when given; ``duration_seconds`` None runs without end;
    ``patience_seconds`` 0 makes callers wait for ever; ``numbers`` (callers' numbers to pick
    from) replaces random mobile numbers."""

    agents: Sequence[str]
    calls_per_hour: float = 60.0
    slot_volumes: Sequence[float] | None = None
    aht_seconds: float = 180.0
    handling: Literal["lognormal", "exponential"] = "lognormal"
    wrapup_seconds: float = 30.0
    patience_seconds: float = 90.0
    break_share: float = 0.0
    break_seconds: float = 300.0
    break_every_seconds: float = 3600.0
    duration_seconds: float | None = 1800.0
    start_seconds: float = 0.0
    queue: str = "hotline"
    hotline: str = DEFAULT_HOTLINE
    numbers: Sequence[str] = ()
    service_seconds: float = 20.0

    def __post_init__(self) -> None:
        if not self.agents:
            raise ValueError("at least one agent is needed")
        if len(set(self.agents)) != len(self.agents):
            raise ValueError("agent names must be distinct")
        if self.slot_volumes is not None and (
            not self.slot_volumes or any(v < 0 for v in self.slot_volumes)
        ):
            raise ValueError("slot_volumes must be a non-empty list of numbers >= 0")
        if self.calls_per_hour < 0 or self.aht_seconds <= 0:
            raise ValueError("calls_per_hour must be >= 0 and aht_seconds > 0")
        if self.wrapup_seconds < 0 or self.patience_seconds < 0 or self.start_seconds < 0:
            raise ValueError("wrapup, patience and start must be >= 0")
        if not 0 <= self.break_share <= 1:
            raise ValueError("break_share must be between 0 and 1")
        if self.break_seconds <= 0 or self.break_every_seconds <= 0:
            raise ValueError("break_seconds and break_every_seconds must be > 0")
        if self.duration_seconds is not None and self.duration_seconds <= 0:
            raise ValueError("duration_seconds must be > 0 (or None: no end)")
        if self.handling not in ("lognormal", "exponential"):
            raise ValueError("handling is lognormal or exponential")


@dataclass
class Summary:
    """What the callers met: offered calls (answered + abandoned + still waiting or on the
    phone), answered within ``service_seconds`` of arriving, and the average wait of the
    answered calls (average speed of answer)."""

    service_seconds: float
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within: int = 0
    total_wait: float = 0.0

    @property
    def average_wait_seconds(self) -> float:
        return self.total_wait / self.answered if self.answered else 0.0

    @property
    def service_level(self) -> float | None:
        """Share of the offered calls answered within the target, as the floor counts it."""
        return self.answered_within / self.offered if self.offered else None

    def line(self) -> str:
        level = self.service_level
        within = f"{self.answered_within}" + (
            f" ({level:.1%} of offered)" if level is not None else ""
        )
        return (
            f"calls: offered {self.offered}, answered {self.answered}, abandoned "
            f"{self.abandoned}, answered within {self.service_seconds:g} s {within}, "
            f"average wait {self.average_wait_seconds:.1f} s"
        )


class Tally:
    """A Summary counted from the events themselves (the engine counts its own apart)."""

    def __init__(self, service_seconds: float = 20.0) -> None:
        self.summary = Summary(service_seconds=service_seconds)
        self._arrived: dict[str, float] = {}
        self._answered: set[str] = set()
        self._ended: set[str] = set()

    def add(self, ev: SimEvent) -> None:
        call_id = str(ev.params.get("callId", ""))
        s = self.summary
        match ev.event:
            case "newCall" if call_id not in self._arrived:
                self._arrived[call_id] = ev.at
                s.offered += 1
            case "answer" if call_id in self._arrived and call_id not in self._answered:
                self._answered.add(call_id)
                wait = ev.at - self._arrived[call_id]
                s.answered += 1
                s.total_wait += wait
                s.answered_within += wait <= s.service_seconds
            case "hangup" if call_id in self._arrived and call_id not in self._ended:
                self._ended.add(call_id)
                if call_id not in self._answered:
                    s.abandoned += 1


def summarize(events: Iterable[SimEvent], service_seconds: float = 20.0) -> Summary:
    tally = Tally(service_seconds)
    for ev in events:
        tally.add(ev)
    return tally.summary


def mobile_number(rng: random.Random) -> str:
    """A plausible mainland mobile number: 1, then 3-9, then nine digits."""
    return f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"


@dataclass
class _Call:
    call_id: str
    number: str
    arrived: float
    agent: str = ""
    abandoned: bool = False


@dataclass
class _Agent:
    name: str
    takes_breaks: bool
    state: str = "ready"  # ready | ringing | oncall | wrapup | break | offline
    break_due: bool = False
    call: _Call | None = None


# The kinds of the engine's moments; at one instant they are taken in this order.
_ARRIVAL, _ANSWER, _HANGUP, _ABANDON, _WRAP_END, _BREAK_END, _BREAK_DUE, _SHIFT_END = range(8)


class CallCenter:
    """The engine. ``events()`` yields the run's events in time order, lazily (a run without
    a duration never ends); ``summary`` counts what has been simulated so far."""

    def __init__(self, scenario: Scenario, *, seed: int | None = None, run_id: str = "") -> None:
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.run_id = run_id or f"sim{self.rng.getrandbits(32):08x}"
        self.summary = Summary(service_seconds=scenario.service_seconds)
        takers = round(scenario.break_share * len(scenario.agents))
        chosen = set(self.rng.sample(range(len(scenario.agents)), takers))
        self.agents = {
            name: _Agent(name, takes_breaks=i in chosen) for i, name in enumerate(scenario.agents)
        }
        self._heap: list[tuple[float, int, int, object]] = []
        self._seq = 0
        self._calls = 0
        self._queue: deque[_Call] = deque()
        self._idle: deque[str] = deque()
        self._ended = False
        self._out: list[SimEvent] = []

    # --- scheduling -------------------------------------------------------------------

    def _at(self, t: float, kind: int, payload: object = None) -> None:
        # Whole milliseconds, as the events carry them: the summary counts what they show.
        self._seq += 1
        heapq.heappush(self._heap, (round(t, 3), kind, self._seq, payload))

    def _emit(self, t: float, params: Params) -> None:
        self._out.append(SimEvent(t, params))

    def _next_arrival(self, t: float) -> float | None:
        """The next arrival after ``t`` (None: none before the end of the run)."""
        sc = self.scenario
        end = sc.duration_seconds
        if sc.slot_volumes is None:
            if sc.calls_per_hour == 0:
                return None
            t += self.rng.expovariate(sc.calls_per_hour / 3600)
            return None if end is not None and t >= end else t
        if not any(sc.slot_volumes):
            return None
        # Slot by slot on the day's clock; integer slots, so that a boundary is never met twice.
        day = sc.start_seconds + t
        slot = int(day // SLOT_SECONDS)
        while end is None or day - sc.start_seconds < end:
            slot_end = (slot + 1) * SLOT_SECONDS
            rate = sc.slot_volumes[slot % len(sc.slot_volumes)] / SLOT_SECONDS
            if rate > 0:
                gap = self.rng.expovariate(rate)
                if day + gap < slot_end:
                    at = day + gap - sc.start_seconds
                    return None if end is not None and at >= end else at
            day, slot = float(slot_end), slot + 1
        return None

    def _handling(self) -> float:
        mean = self.scenario.aht_seconds
        if self.scenario.handling == "exponential":
            return max(1.0, self.rng.expovariate(1 / mean))
        mu = math.log(mean) - LOGNORMAL_SIGMA**2 / 2
        return max(1.0, self.rng.lognormvariate(mu, LOGNORMAL_SIGMA))

    # --- the floor ----------------------------------------------------------------------

    def _call_params(self, call: _Call, event: str) -> Params:
        return {
            "event": event,
            "callId": call.call_id,
            "direction": "in",
            "from": call.number,
            "to": self.scenario.hotline,
            "queue": self.scenario.queue,
        }

    def _agent_state(self, t: float, agent: _Agent, state: str) -> None:
        agent.state = state
        self._emit(t, {"event": "agent", "user": agent.name, "state": state})

    def _free(self, t: float, agent: _Agent) -> None:
        """The agent is done (wrap-up or break over, or the start): take a break when due,
        go offline after the run's end when nobody waits, else be ready and take a call."""
        if agent.break_due and not self._ended:
            agent.break_due = False
            self._agent_state(t, agent, "break")
            length = self.scenario.break_seconds * self.rng.uniform(0.6, 1.4)
            self._at(t + length, _BREAK_END, agent.name)
            return
        if self._ended and not self._waiting():
            self._agent_state(t, agent, "offline")
            return
        self._agent_state(t, agent, "ready")
        self._idle.append(agent.name)
        self._route(t)

    def _waiting(self) -> bool:
        while self._queue and self._queue[0].abandoned:
            self._queue.popleft()
        return bool(self._queue)

    def _route(self, t: float) -> None:
        """FIFO: the first caller waiting goes to the agent ready the longest."""
        while self._idle and self._waiting():
            call = self._queue.popleft()
            agent = self.agents[self._idle.popleft()]
            agent.state, agent.call, call.agent = "ringing", call, agent.name
            self._at(t + self.rng.uniform(*PICKUP), _ANSWER, call)

    def _step(self, t: float, kind: int, payload: object) -> None:
        sc = self.scenario
        if kind == _ARRIVAL:
            self._calls += 1
            number = self.rng.choice(list(sc.numbers)) if sc.numbers else mobile_number(self.rng)
            call = _Call(f"{self.run_id}-{self._calls:05d}", number, t)
            self.summary.offered += 1
            # Offered to the queue's agents (``user[]``): its pop rings at them only.
            members = list(self.scenario.agents)
            self._emit(t, self._call_params(call, "newCall") | {"user[]": members})
            self._queue.append(call)
            if sc.patience_seconds > 0:
                self._at(t + self.rng.expovariate(1 / sc.patience_seconds), _ABANDON, call)
            following = self._next_arrival(t)
            if following is not None:
                self._at(following, _ARRIVAL)
            self._route(t)
        elif kind == _ANSWER:
            assert isinstance(payload, _Call)
            call, agent = payload, self.agents[payload.agent]
            agent.state = "oncall"
            wait = t - call.arrived
            self.summary.answered += 1
            self.summary.total_wait += wait
            self.summary.answered_within += wait <= sc.service_seconds
            params = self._call_params(call, "answer")
            self._emit(t, params | {"user[]": [agent.name], "answeringNumber": agent.name})
            self._at(t + self._handling(), _HANGUP, call)
        elif kind == _HANGUP:
            assert isinstance(payload, _Call)
            call, agent = payload, self.agents[payload.agent]
            params = self._call_params(call, "hangup")
            self._emit(
                t,
                params
                | {
                    "cause": "normalClearing",
                    "user[]": [agent.name],
                    "answeringNumber": agent.name,
                },
            )
            agent.state, agent.call = "wrapup", None
            self._at(t + sc.wrapup_seconds, _WRAP_END, agent.name)
        elif kind == _ABANDON:
            assert isinstance(payload, _Call)
            call = payload
            if not call.agent and not call.abandoned:
                call.abandoned = True
                self.summary.abandoned += 1
                self._emit(t, self._call_params(call, "hangup") | {"cause": "cancel"})
        elif kind in (_WRAP_END, _BREAK_END):
            assert isinstance(payload, str)
            self._free(t, self.agents[payload])
            if kind == _BREAK_END:
                self._schedule_break(t, self.agents[payload])
        elif kind == _BREAK_DUE:
            assert isinstance(payload, str)
            agent = self.agents[payload]
            if self._ended:
                return
            if agent.state == "ready":
                self._idle.remove(agent.name)
                agent.break_due = True
                self._free(t, agent)
            else:
                agent.break_due = True  # taken when the call and its wrap-up are over
        elif kind == _SHIFT_END:
            self._ended = True
            for agent in self.agents.values():
                agent.break_due = False
            while self._idle:
                self._agent_state(t, self.agents[self._idle.popleft()], "offline")

    def _schedule_break(self, t: float, agent: _Agent) -> None:
        if agent.takes_breaks:
            due = t + self.rng.expovariate(1 / self.scenario.break_every_seconds)
            self._at(due, _BREAK_DUE, agent.name)

    def events(self) -> Iterator[SimEvent]:
        """The run's events in time order (each call's in the order newCall, answer, hangup)."""
        sc = self.scenario
        for agent in self.agents.values():
            self._free(0.0, agent)
            self._schedule_break(0.0, agent)
        first = self._next_arrival(0.0)
        if first is not None:
            self._at(first, _ARRIVAL)
        if sc.duration_seconds is not None:
            self._at(sc.duration_seconds, _SHIFT_END)
        yield from self._drain()
        while self._heap:
            t, kind, _seq, payload = heapq.heappop(self._heap)
            self._step(t, kind, payload)
            yield from self._drain()

    def _drain(self) -> Iterator[SimEvent]:
        out, self._out = self._out, []
        yield from out


@dataclass
class Simulation:
    events: list[SimEvent]
    summary: Summary
    run_id: str


def simulate(scenario: Scenario, *, seed: int | None = None, run_id: str = "") -> Simulation:
    """A finite run, all at once (``scenario.duration_seconds`` must be set)."""
    if scenario.duration_seconds is None:
        raise ValueError("simulate() needs a duration; iterate CallCenter.events() instead")
    center = CallCenter(scenario, seed=seed, run_id=run_id)
    events = list(center.events())
    return Simulation(events=events, summary=center.summary, run_id=center.run_id)


# --- the player ----------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    event: str
    status: int  # 0: no answer (connection refused, timeout)
    detail: str


@dataclass
class PlayReport:
    """What the player sent: events answered 2xx, refusals and failures, and each answered
    POST's latency (seconds)."""

    tally: Tally = field(default_factory=Tally)
    sent: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    interrupted: bool = False
    errors_by_event: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)  # the first few

    @property
    def summary(self) -> Summary:
        """The calls as they were played (a run stopped early counts its closing hang-ups)."""
        return self.tally.summary

    @property
    def events_per_second(self) -> float:
        return (self.sent + self.errors) / self.elapsed if self.elapsed > 0 else 0.0

    def latency_ms(self, q: float) -> float:
        """The ``q`` quantile (0.5 median, 0.95 p95) of the POST latencies, in ms."""
        return percentile(self.latencies, q) * 1000

    def lines(self) -> list[str]:
        refused = f" ({', '.join(f'{k} {n}' for k, n in self.errors_by_event.items())})"
        return [
            f"events sent: {self.sent + self.errors}, errors: {self.errors}"
            + (refused if self.errors else ""),
            f"rate: {self.events_per_second:.1f} events/s over {self.elapsed:.1f} s",
            f"POST latency: median {self.latency_ms(0.5):.1f} ms, "
            f"p95 {self.latency_ms(0.95):.1f} ms ({len(self.latencies)} answered)",
        ]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0.5 the median), interpolated between ranks; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = min(max(q, 0.0), 1.0) * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class _Floor:
    """The calls open and the agents' states as sent, to close them when the run stops."""

    def __init__(self) -> None:
        self.calls: dict[str, tuple[Params, bool]] = {}
        self.agents: dict[str, str] = {}

    def saw(self, ev: SimEvent) -> None:
        p = ev.params
        match ev.event:
            case "newCall":
                self.calls[str(p["callId"])] = (p, False)
            case "answer" if str(p["callId"]) in self.calls:
                self.calls[str(p["callId"])] = (p, True)
            case "hangup":
                self.calls.pop(str(p["callId"]), None)
            case "agent":
                self.agents[str(p["user"])] = str(p["state"])

    def closing(self, at: float) -> list[SimEvent]:
        """Hang up what is open (answered calls normally, waiting callers give up), then
        every agent not offline goes offline."""
        out = []
        for params, answered in self.calls.values():
            cause = "normalClearing" if answered else "cancel"
            out.append(SimEvent(at, params | {"event": "hangup", "cause": cause}))
        for name, state in self.agents.items():
            if state != "offline":
                out.append(SimEvent(at, {"event": "agent", "user": name, "state": "offline"}))
        return out


def play(
    events: Iterable[SimEvent],
    url: str,
    *,
    speed: float = 1.0,
    client: httpx.Client | None = None,
    timeout: float = 10.0,
    report_errors: int = 5,
    say: Callable[[str], None] = _stderr,
    progress_every: float = 0.0,
    on_progress: Callable[[PlayReport, float], None] | None = None,
    service_seconds: float = 20.0,
) -> PlayReport:
    """POST each event to ``url`` form-encoded, in order, at ``speed`` simulated seconds per
    real second (0: as fast as the server answers; a slow server is caught up with, never
    skipped). A refused (non-2xx) or failed POST is counted and the first ``report_errors``
    are told through ``say``; the run goes on. Ctrl-C stops it cleanly: the open calls are hung
    up (answered ones normally, waiting callers give up) and every agent goes offline before it
    returns with ``interrupted`` set. ``on_progress(report, simulated seconds)`` is called
    about every ``progress_every`` real seconds."""
    report = PlayReport(tally=Tally(service_seconds))
    floor = _Floor()
    http = client or httpx.Client(timeout=timeout)
    started = time.perf_counter()
    next_progress = started + progress_every
    last_at = 0.0

    def fail(ev: SimEvent, status: int, detail: str) -> None:
        report.errors += 1
        report.errors_by_event[ev.event] += 1
        if len(report.failures) < max(report_errors, 20):
            report.failures.append(Failure(ev.event, status, detail))
        if report.errors <= report_errors:
            who = ev.params.get("callId") or ev.params.get("user")
            say(f"error: {ev.event} {who}: {status or 'no answer'} {detail}")

    def post(ev: SimEvent) -> None:
        # Known before it is sent: a run stopped during the POST still closes what it opened.
        floor.saw(ev)
        report.tally.add(ev)
        sent_at = time.perf_counter()
        try:
            reply = http.post(url, data=ev.params)
        except httpx.HTTPError as exc:
            fail(ev, 0, f"{type(exc).__name__}: {exc}")
            return
        report.latencies.append(time.perf_counter() - sent_at)
        if reply.is_success:
            report.sent += 1
        else:
            fail(ev, reply.status_code, reply.text[:200])

    try:
        try:
            for ev in events:
                if speed > 0:
                    delay = started + ev.at / speed - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                post(ev)
                last_at = ev.at
                if on_progress is not None and progress_every > 0:
                    now = time.perf_counter()
                    if now >= next_progress:
                        on_progress(report, last_at)
                        next_progress = now + progress_every
        except KeyboardInterrupt:
            report.interrupted = True
            try:
                for ev in floor.closing(last_at):
                    post(ev)
            except KeyboardInterrupt:
                say("stopped again: calls and agents left as they were")
    finally:
        report.elapsed = time.perf_counter() - started
        if client is None:
            http.close()
    return report
