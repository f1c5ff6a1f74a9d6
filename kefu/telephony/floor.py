"""The telephone floor (话务现场): agents' states, the queue, and the live figures the
supervisor's floor page and the wall screen show.

An agent's state (就绪, 通话中, 话后处理, 小休, 离线) changes by the PBX's agent events, by
calls (answering a call puts the agent on it; the end of an answered call starts wrap-up) and
by the agent's own state button on the workbench. Each change closes the agent's open span
and opens the next: occupancy (通话 + 话后 over 就绪 + 通话 + 话后) and wrap-up time are
counted from the spans.

Calls waiting are the inbound calls ringing and not answered yet, per queue — unless the PBX
reported the queue itself (``event=queue``) in the last two minutes: then its figure stands.
Service level is the share of today's offered calls (answered + abandoned; rejected calls
are not offered) answered within the target (20 s by default).

Every change pushes ``floor.changed`` to the floor's screens; they reload their panel (at
most a few times a second) so that what they show is never older than about a second.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.scope import scope_of
from kefu.core.calendar import start_of_day
from kefu.core.errors import Code, ServiceError
from kefu.core.realtime import FLOOR_GROUP, publish_on_commit, user_group
from kefu.telephony.models import AgentSpan, AgentState, CallRecord, QueueReport

# A call ringing longer than this lost its hangup event: it is not waiting any more.
STALE_AFTER = dt.timedelta(hours=4)
# A PBX's queue report stands this long.
QUEUE_FRESH = dt.timedelta(minutes=2)

State = AgentState.State
# On the phones: taking calls, on one, or finishing one.
ON_PHONES = (State.READY, State.ONCALL, State.WRAPUP)
# How the floor lists them: who takes calls first.
STATE_ORDER = (State.READY, State.ONCALL, State.WRAPUP, State.BREAK, State.OFFLINE)
# What an agent may set with their own button; the others come from calls and the PBX.
AGENT_SETTABLE = (State.READY, State.BREAK, State.OFFLINE)


def may_watch_floor(actor) -> bool:
    """Team leads, supervisors, quality staff, the general manager and admins."""
    return scope_of(actor).watches_floor


def may_lead_floor(actor) -> bool:
    """Team leads, supervisors and admins answer the ladder."""
    return scope_of(actor).leads_floor


def require_floor_watcher(actor) -> None:
    if not may_watch_floor(actor):
        raise ServiceError(Code.FORBIDDEN, _("话务监控仅限班长、主管、质检和管理人员"))


def floor_changed() -> None:
    """Tell the floor's screens (after the transaction commits) to reload."""
    publish_on_commit(FLOOR_GROUP, {"type": "floor.changed"})


# --- agents' states -------------------------------------------------------------------


def set_agent_state(
    user,
    state: str,
    *,
    now: dt.datetime | None = None,
    source: str,
    call: CallRecord | None = None,
) -> AgentState:
    """Put ``user`` in ``state`` (closing their open span, opening the next). The same
    state again changes nothing (a repeated PBX event)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = AgentState.objects.select_for_update().filter(user=user).first()
        if current is None:
            try:
                with transaction.atomic():
                    current = AgentState.objects.create(
                        user=user, state=State.OFFLINE, since=now, source=source
                    )
            except IntegrityError:  # the agent's first event twice at once
                current = AgentState.objects.select_for_update().get(user=user)
        if current.state == state and (call is None or current.call_id == call.pk):
            return current
        current.state = state
        current.since = now
        current.source = source
        current.call = call
        current.save(update_fields=["state", "since", "source", "call"])
        _moved(user.pk, state, now)
    return current


def _moved(user_id: int, state: str, now: dt.datetime) -> None:
    """An agent's state changed: the spans follow, the agent's screen and the floor hear."""
    AgentSpan.objects.filter(user_id=user_id, ended_at__isnull=True).update(ended_at=now)
    if state != State.OFFLINE:
        AgentSpan.objects.create(user_id=user_id, state=state, started_at=now)
    publish_on_commit(
        user_group(user_id),
        {
            "type": "agent.state",
            "state": state,
            "label": str(State(state).label),
            "since": now.isoformat(),
        },
    )
    floor_changed()


def change_own_state(actor, state: str) -> AgentState:
    """The agent's state button: 就绪, 小休 or 离线. Refused while on a call (the hang-up
    ends it) and for staff who take no calls."""
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("只有接听电话的坐席可以切换状态"))
    if state not in AGENT_SETTABLE:
        raise ServiceError(Code.INVALID, _("状态只能是就绪、小休或离线"), field="state")
    current = AgentState.objects.select_related("call").filter(user=actor).first()
    if (
        current is not None
        and current.state == State.ONCALL
        and (current.call is None or current.call.state != CallRecord.State.ENDED)
    ):
        raise ServiceError(Code.CONFLICT, _("通话中不能切换状态,挂机后再试"), field="state")
    return set_agent_state(actor, state, source="agent")


def own_state(actor) -> AgentState | None:
    return AgentState.objects.filter(user=actor).first()


def start_call(call: CallRecord, now: dt.datetime) -> None:
    """An answered call puts its agent on it."""
    if call.agent_id is not None:
        set_agent_state(call.agent, State.ONCALL, now=now, source="call", call=call)


def end_call(call: CallRecord, now: dt.datetime) -> None:
    """The end of an answered call starts its agent's wrap-up (话后处理), if the agent is
    still on that call (not already moved on by the PBX)."""
    if call.agent_id is None or call.answered_at is None:
        return
    with transaction.atomic():
        moved = (
            AgentState.objects.filter(user_id=call.agent_id, state=State.ONCALL)
            .filter(Q(call__isnull=True) | Q(call=call))
            .update(state=State.WRAPUP, since=now, source="call", call=call)
        )
        if moved:
            _moved(call.agent_id, State.WRAPUP, now)


def report_queue(queue: str, *, waiting: int, longest_wait_seconds: int, now: dt.datetime) -> None:
    """The PBX's report of one queue (``event=queue``)."""
    QueueReport.objects.update_or_create(
        queue=queue,
        defaults={
            "waiting": waiting,
            "longest_wait_seconds": longest_wait_seconds,
            "reported_at": now,
        },
    )
    floor_changed()


# --- the figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueLine:
    name: str
    waiting: int
    longest_wait_seconds: int
    reported: bool  # the PBX's own figure (else counted from ringing calls)


@dataclass(frozen=True)
class Queue:
    lines: list[QueueLine]

    @property
    def waiting(self) -> int:
        return sum(line.waiting for line in self.lines)

    @property
    def longest_wait_seconds(self) -> int:
        return max((line.longest_wait_seconds for line in self.lines), default=0)


def current_queue(now: dt.datetime | None = None) -> Queue:
    """Calls waiting now, per queue."""
    now = now or timezone.now()
    reports = {r.queue: r for r in QueueReport.objects.filter(reported_at__gte=now - QUEUE_FRESH)}
    counted = (
        CallRecord.objects.filter(
            direction=CallRecord.Direction.IN,
            state=CallRecord.State.RINGING,
            started_at__gte=now - STALE_AFTER,
        )
        .values("queue")
        .annotate(n=Count("id"), first=Min("started_at"))
    )
    lines = [
        QueueLine(r.queue, r.waiting, r.longest_wait_seconds, reported=True)
        for r in reports.values()
    ]
    for row in counted:
        if row["queue"] in reports:
            continue
        wait = max(0, int((now - row["first"]).total_seconds()))
        lines.append(QueueLine(row["queue"], row["n"], wait, reported=False))
    lines.sort(key=lambda line: (-line.waiting, line.name))
    return Queue(lines)


@dataclass(frozen=True)
class CallFigures:
    offered: int  # answered + abandoned
    answered: int
    abandoned: int
    answered_in_target: int
    in_progress: int  # inbound and outbound calls ringing or talking now
    target_seconds: int

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def service_level(self) -> float | None:
        return self._pct(self.answered_in_target, self.offered)

    @property
    def answer_rate(self) -> float | None:
        return self._pct(self.answered, self.offered)

    @property
    def abandon_rate(self) -> float | None:
        return self._pct(self.abandoned, self.offered)


def call_figures(since: dt.datetime, now: dt.datetime) -> CallFigures:
    """Inbound calls since ``since``: offered, answered, abandoned, answered in target."""
    target = dt.timedelta(seconds=settings.TELEPHONY_SERVICE_SECONDS)
    wait = ExpressionWrapper(F("answered_at") - F("started_at"), output_field=DurationField())
    inbound = CallRecord.objects.filter(
        direction=CallRecord.Direction.IN, started_at__gte=since, started_at__lte=now
    ).exclude(screening=CallRecord.Screening.REJECTED)
    row = inbound.annotate(wait=wait).aggregate(
        answered=Count("id", filter=Q(answered_at__isnull=False)),
        in_target=Count("id", filter=Q(answered_at__isnull=False, wait__lte=target)),
        abandoned=Count("id", filter=Q(answered_at__isnull=True, state=CallRecord.State.ENDED)),
    )
    in_progress = CallRecord.objects.filter(
        state__in=[CallRecord.State.RINGING, CallRecord.State.ANSWERED],
        started_at__gte=now - STALE_AFTER,
    ).count()
    return CallFigures(
        offered=row["answered"] + row["abandoned"],
        answered=row["answered"],
        abandoned=row["abandoned"],
        answered_in_target=row["in_target"],
        in_progress=in_progress,
        target_seconds=settings.TELEPHONY_SERVICE_SECONDS,
    )


@dataclass
class AgentLine:
    user_id: int
    name: str
    employee_no: str
    state: str
    state_label: str
    since: dt.datetime
    seconds_in_state: int
    calls: int = 0
    talk_seconds: int = 0
    wrapup_seconds: int = 0
    break_seconds: int = 0
    ready_seconds: int = 0

    @property
    def occupancy(self) -> float | None:
        """(talk + wrap-up) / (ready + talk + wrap-up) today, in percent."""
        busy = self.talk_seconds + self.wrapup_seconds
        logged = busy + self.ready_seconds
        return round(100 * busy / logged, 1) if logged else None

    @property
    def average_wrapup_seconds(self) -> int | None:
        return round(self.wrapup_seconds / self.calls) if self.calls else None


@dataclass
class Floor:
    at: dt.datetime
    queue: Queue
    calls: CallFigures
    agents: list[AgentLine]
    lines: int
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def on_phones(self) -> int:
        return sum(self.by_state.get(s, 0) for s in ON_PHONES)

    @property
    def occupancy(self) -> float | None:
        busy = sum(a.talk_seconds + a.wrapup_seconds for a in self.agents)
        logged = busy + sum(a.ready_seconds for a in self.agents)
        return round(100 * busy / logged, 1) if logged else None

    @property
    def line_occupancy(self) -> float | None:
        return round(100 * self.calls.in_progress / self.lines, 1) if self.lines else None

    @property
    def state_counts(self) -> list[tuple[str, str, int]]:
        return [(s.value, str(s.label), self.by_state.get(s.value, 0)) for s in STATE_ORDER]


def _visible_agents(actor):
    """The agents' rows a watcher sees: a branch's staff see their branch's agents."""
    qs = AgentState.objects.select_related("user", "user__staff")
    branch_id = scope_of(actor).branch_id
    if branch_id is not None:
        qs = qs.filter(user__staff__branch_id=branch_id)
    return qs


def agent_lines(actor, *, since: dt.datetime, now: dt.datetime) -> list[AgentLine]:
    """Each agent on the floor today (anyone not offline, or active since ``since``) with
    their state and today's calls, talk, wrap-up, break and ready time."""
    states = list(_visible_agents(actor).filter(~Q(state=State.OFFLINE) | Q(since__gte=since)))
    if not states:
        return []
    ids = [s.user_id for s in states]
    totals: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    # Each span's part of [since, now], summed per agent and state in the database.
    part = ExpressionWrapper(
        Coalesce("ended_at", Value(now)) - Greatest("started_at", Value(since)),
        output_field=DurationField(),
    )
    spans = (
        AgentSpan.objects.filter(user_id__in=ids, started_at__lte=now)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
        .values("user_id", "state")
        .annotate(total=Sum(part))
        .values_list("user_id", "state", "total")
    )
    for user_id, state, total in spans:
        totals[user_id][state] += max(0.0, total.total_seconds()) if total else 0.0
    calls = dict(
        CallRecord.objects.filter(agent_id__in=ids, answered_at__gte=since, answered_at__lte=now)
        .values_list("agent_id")
        .annotate(n=Count("id"))
        .values_list("agent_id", "n")
    )
    lines = []
    for s in states:
        staff = getattr(s.user, "staff", None)
        t = totals[s.user_id]
        lines.append(
            AgentLine(
                user_id=s.user_id,
                name=staff.display_name if staff else s.user.get_username(),
                employee_no=staff.employee_no if staff else "",
                state=s.state,
                state_label=str(s.get_state_display()),
                since=s.since,
                seconds_in_state=max(0, int((now - s.since).total_seconds())),
                calls=calls.get(s.user_id, 0),
                talk_seconds=int(t[State.ONCALL]),
                wrapup_seconds=int(t[State.WRAPUP]),
                break_seconds=int(t[State.BREAK]),
                ready_seconds=int(t[State.READY]),
            )
        )
    order = {state: i for i, state in enumerate(STATE_ORDER)}
    lines.sort(key=lambda a: (order.get(State(a.state), 9), a.employee_no, a.name))
    return lines


def get_floor(actor, *, now: dt.datetime | None = None) -> Floor:
    """The floor now, as ``actor`` may see it: queue, today's calls, agents."""
    now = now or timezone.now()
    since = start_of_day(now)
    agents = agent_lines(actor, since=since, now=now)
    by_state: dict[str, int] = defaultdict(int)
    for a in agents:
        by_state[a.state] += 1
    return Floor(
        at=now,
        queue=current_queue(now),
        calls=call_figures(since, now),
        agents=agents,
        lines=settings.TELEPHONY_LINES,
        by_state=dict(by_state),
    )


def agents_on_phones() -> int:
    return AgentState.objects.filter(state__in=ON_PHONES).count()
