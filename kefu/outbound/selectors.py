"""Reading outbound lists: the lists with their progress, a list's numbers, its progress per
agent, the agent's screen (the number, its history, the campaign's script), the Excel file."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.center import center as center_profile
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import workbook
from kefu.core.masking import Masker, can_view_pii
from kefu.core.phones import normalize_phone
from kefu.knowledge.greetings import render
from kefu.knowledge.selectors import scripts_for
from kefu.outbound.models import OutboundAttempt, OutboundEntry, OutboundList
from kefu.outbound.services import (
    OPEN_STATES,
    REACHED,
    access_list,
    may_read,
    visible_lists,
)

State = OutboundEntry.State
Outcome = OutboundAttempt.Outcome
FINISHED_OK = (Outcome.DONE, Outcome.UNSATISFIED)
STATUS_FILTERS = ("open", "active", "closed", "all")
ENTRY_FILTERS = ("all", "open", *State.values)


def list_lists(actor, *, status: str = "open") -> QuerySet[OutboundList]:
    """The lists the actor may see, the newest first, with their entries counted by state."""
    if not may_read(actor):
        raise ServiceError(Code.FORBIDDEN, _("外呼任务仅限客服中心人员查看"))
    rows = visible_lists(actor).select_related("created_by__staff", "script", "branch")
    match status:
        case "open":
            rows = rows.exclude(status=OutboundList.Status.CLOSED)
        case "active":
            rows = rows.filter(status=OutboundList.Status.ACTIVE)
        case "closed":
            rows = rows.filter(status=OutboundList.Status.CLOSED)
    return rows.annotate(
        open_count=Count("entries", filter=Q(entries__state__in=OPEN_STATES)),
        done_count=Count("entries", filter=Q(entries__state=State.DONE)),
    ).order_by("-created_at", "-id")


def list_entries(actor, outbound: OutboundList, *, state: str = "all", number: str = ""):
    """The list's numbers, by state; ``number`` finds a number by any part of it — the whole
    number only, for a viewer who sees numbers masked (a part would tell the hidden digits)."""
    rows = outbound.entries.select_related("customer", "last_agent__staff", "held_by__staff")
    if state == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif state in State.values:
        rows = rows.filter(state=state)
    digits = re.sub(r"[^\d+]", "", number or "")[:24]
    if digits:
        if can_view_pii(actor):
            rows = rows.filter(number__contains=digits)
        else:
            rows = rows.filter(number=normalize_phone(digits))
    return rows.order_by("id")


@dataclass
class AgentProgress:
    user_id: int
    name: str
    employee_no: str
    attempts: int
    reached: int
    completed: int
    last_at: dt.datetime | None

    @property
    def reach_rate(self) -> float | None:
        return self.reached / self.attempts if self.attempts else None


@dataclass
class Progress:
    total: int
    by_state: dict[str, int]
    attempts: int
    reached_attempts: int
    average_score: float | None
    agents: list[AgentProgress]

    @property
    def open(self) -> int:
        return sum(self.by_state.get(s, 0) for s in OPEN_STATES)

    @property
    def finished(self) -> int:
        return self.total - self.open

    @property
    def percent_finished(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0

    @property
    def done(self) -> int:
        return self.by_state.get(State.DONE, 0)

    @property
    def success_rate(self) -> float | None:
        """Done among the numbers finished other than excluded or cancelled."""
        worked = self.finished - self.by_state.get(State.EXCLUDED, 0)
        worked -= self.by_state.get(State.CANCELLED, 0)
        return self.done / worked if worked > 0 else None

    @property
    def reach_rate(self) -> float | None:
        return self.reached_attempts / self.attempts if self.attempts else None

    def states(self) -> list[tuple[str, str, int]]:
        return [(value, str(label), self.by_state.get(value, 0)) for value, label in State.choices]


def progress(outbound: OutboundList) -> Progress:
    """The list's numbers by state, its attempts, and each agent's attempts, answered calls
    and completed numbers: three grouped queries."""
    by_state = dict(
        outbound.entries.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    scores = [
        s
        for s in outbound.entries.filter(score__isnull=False).values_list("score", flat=True)
        if s is not None
    ]
    per_agent = (
        OutboundAttempt.objects.filter(entry__outbound=outbound)
        .values(
            "actor", "actor__username", "actor__staff__display_name", "actor__staff__employee_no"
        )
        .annotate(
            attempts=Count("id"),
            reached=Count("id", filter=Q(outcome__in=REACHED)),
            completed=Count("id", filter=Q(outcome__in=FINISHED_OK)),
            last_at=Max("at"),
        )
        .order_by("actor__staff__employee_no", "actor")
    )
    agents = [
        AgentProgress(
            user_id=row["actor"],
            name=row["actor__staff__display_name"] or row["actor__username"],
            employee_no=row["actor__staff__employee_no"] or "",
            attempts=row["attempts"],
            reached=row["reached"],
            completed=row["completed"],
            last_at=row["last_at"],
        )
        for row in per_agent
    ]
    return Progress(
        total=sum(by_state.values()),
        by_state=by_state,
        attempts=sum(a.attempts for a in agents),
        reached_attempts=sum(a.reached for a in agents),
        average_score=round(sum(scores) / len(scores), 2) if scores else None,
        agents=agents,
    )


def get_entry(actor, entry_id: int) -> OutboundEntry:
    entry = (
        OutboundEntry.objects.select_related("outbound", "customer", "ticket", "callback_task")
        .filter(pk=entry_id)
        .first()
        if 0 < entry_id < 2**62
        else None
    )
    if entry is None:
        raise ServiceError(Code.NOT_FOUND, _("外呼号码不存在"))
    access_list(actor, entry.outbound_id)  # NOT_FOUND when the list is not the actor's
    return entry


def attempts_of(entry: OutboundEntry) -> list[OutboundAttempt]:
    return list(entry.attempt_rows.select_related("actor__staff", "call").order_by("number"))


@dataclass(frozen=True)
class Script:
    name: str
    text: str


def script_of(actor, entry: OutboundEntry) -> list[Script]:
    """The campaign's words as this agent says them to this person now: the chosen standard
    script (标准话术) and the list's talking points, with {greeting}, {title}, {agent_no},
    {company} and {hotline} filled in (kefu.knowledge)."""
    outbound = entry.outbound
    if entry.customer_id is not None:
        title, scripts = _customer_scripts(actor, entry)
    else:
        title, scripts = scripts_for(actor, contact_name=entry.name)
    shown = [
        Script(item.name, item.text)
        for item in scripts
        if outbound.script is not None and item.scene == outbound.script.scene
    ]
    if outbound.talking_points:
        staff = getattr(actor, "staff", None)
        center = center_profile()
        text = render(
            outbound.talking_points,
            moment=timezone.localtime(),
            title=title,
            agent_no=staff.employee_no if staff else "",
            company=center.name,
            hotline=center.hotline,
        )
        shown.append(Script(_("话术要点"), text))
    return shown


def _customer_scripts(actor, entry: OutboundEntry):
    try:
        return scripts_for(actor, customer_id=entry.customer_id)
    except ServiceError:  # a customer the agent may not see: address them by the list's name
        return scripts_for(actor, contact_name=entry.name)


def list_workbook(actor, outbound: OutboundList) -> bytes:
    """The list as Excel: its numbers (masked for roles without the personal-data permission)
    with state and result, each agent's progress, and every attempt."""
    masker = Masker(actor)
    entries = outbound.entries.select_related("customer", "last_agent__staff").order_by("id")
    attempts = (
        OutboundAttempt.objects.filter(entry__outbound=outbound)
        .select_related("entry", "actor__staff", "call")
        .order_by("at", "id")
    )
    report = progress(outbound)

    def when(value: dt.datetime | None) -> str:
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""

    def who(user) -> str:
        if user is None:
            return ""
        staff = getattr(user, "staff", None)
        return staff.display_name if staff else user.get_username()

    return workbook(
        [
            (
                _("名单"),
                [
                    _("姓名"),
                    _("号码"),
                    _("说明"),
                    _("状态"),
                    _("拨打次数"),
                    _("最近拨打坐席"),
                    _("结果"),
                    _("满意度评分"),
                    _("排除原因"),
                    _("完成时间"),
                ],
                (
                    [
                        e.name,
                        masker.phone(e.number),
                        e.note,
                        e.get_state_display(),
                        e.attempts,
                        who(e.last_agent),
                        e.result,
                        e.score,
                        e.excluded_reason,
                        when(e.finished_at),
                    ]
                    for e in entries.iterator(chunk_size=2000)
                ),
            ),
            (
                _("坐席进度"),
                [_("工号"), _("姓名"), _("拨打次数"), _("接通次数"), _("完成数"), _("最近拨打")],
                (
                    [a.employee_no, a.name, a.attempts, a.reached, a.completed, when(a.last_at)]
                    for a in report.agents
                ),
            ),
            (
                _("拨打记录"),
                [
                    _("号码"),
                    _("第几次"),
                    _("时间"),
                    _("坐席"),
                    _("结果"),
                    _("记录"),
                    _("约定时间"),
                    _("录音"),
                ],
                (
                    [
                        masker.phone(a.entry.number),
                        a.number,
                        when(a.at),
                        who(a.actor),
                        a.get_outcome_display(),
                        a.note,
                        when(a.call_at),
                        a.call.recording_url if a.call is not None else "",
                    ]
                    for a in attempts.iterator(chunk_size=2000)
                ),
            ),
        ]
    )
