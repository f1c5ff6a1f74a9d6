"""Outbound lists (外呼): made from a source, worked through by agents, closed.

Who:
- team leads, supervisors and admins make lists, start, pause and close them and choose their
  agents (a branch's leads for their branch);
- agents (and the leads) work a list they are on — every agent of the list's scope when it
  names none: they take the next number, dial it, record what came of it;
- the quality inspector and the general manager read lists and their progress, numbers
  masked.

Working a list: ``next_entry`` holds one number for the agent (``HOLD_MINUTES``; nobody else
gets it meanwhile, and a hold left to lapse frees it), in this order: appointments that are
due, then numbers never called and retries that are due, oldest first. A number blocked by the
blacklist since the list was made is excluded then, and a callback task done elsewhere is
cancelled on the list, rather than dialled. Outside the list's calling hours, or once its end
day has passed, nobody gets a number.

Each attempt's outcome decides what follows (the retry rule):
- 接通-已完成 / 接通-客户不满意 (the customer's words required): done; on a survey list the
  1–5 score is required and answers the request's satisfaction survey;
- 接通-客户拒绝: refused, not called again; 空号/错号/非本人: the number is invalid;
- 接通-约定再联系: called again at the time agreed (an appointment is never a failure);
- 无人接听, 占线, 关机/停机: called again after the list's interval, until the entry's last
  attempt, when it ends as 无法接通.
An entry made from a callback task (kefu.followups) records each attempt on the task too, and
the task's own rule (its attempts and interval) then decides: the entry follows the task.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Branch
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker
from kefu.core.phones import is_plausible_phone, normalize_phone
from kefu.core.services import clean_text, record_audit, record_unmasked_read
from kefu.followups import services as followups
from kefu.followups.models import Attempt as CallbackAttempt
from kefu.followups.models import CallbackTask
from kefu.knowledge.models import Script
from kefu.outbound import sources
from kefu.outbound.models import (
    OutboundAttempt,
    OutboundEntry,
    OutboundList,
    OutboundPurpose,
    OutboundSource,
)
from kefu.telephony.blacklist import blocked_numbers, screen_number
from kefu.telephony.models import BlacklistEntry, CallRecord

logger = logging.getLogger(__name__)

State = OutboundEntry.State
Outcome = OutboundAttempt.Outcome
ListStatus = OutboundList.Status

HOLD_MINUTES = 15
SKIP_MINUTES = 10
MAX_NOTE = 2000
MAX_APPOINTMENT_DAYS = 30
OPEN_STATES = (State.PENDING, State.RETRY)
# A PBX's call to the number started this long before the dial click still counts as it.
CALL_MATCH_SLACK = dt.timedelta(minutes=2)
CALL_MATCH_WINDOW = dt.timedelta(hours=2)


REACHED = frozenset({Outcome.DONE, Outcome.UNSATISFIED, Outcome.CALL_LATER, Outcome.REFUSED})
NOT_REACHED = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.UNREACHABLE})
# What an outcome tells the callback task behind an entry (kefu.followups).
FOR_CALLBACK = {
    Outcome.DONE: CallbackAttempt.Outcome.SATISFIED,
    Outcome.UNSATISFIED: CallbackAttempt.Outcome.UNSATISFIED,
    Outcome.REFUSED: CallbackAttempt.Outcome.REFUSED,
    Outcome.NO_ANSWER: CallbackAttempt.Outcome.UNREACHABLE,
    Outcome.BUSY: CallbackAttempt.Outcome.UNREACHABLE,
    Outcome.UNREACHABLE: CallbackAttempt.Outcome.UNREACHABLE,
    Outcome.WRONG_NUMBER: CallbackAttempt.Outcome.UNREACHABLE,
}
TASK_ENDED: dict[str, str] = {
    CallbackTask.State.DONE: State.DONE,
    CallbackTask.State.GIVEN_UP: State.FAILED,
    CallbackTask.State.REFUSED: State.REFUSED,
}


# --- who -----------------------------------------------------------------------------------


def may_plan(actor: Actor | None) -> bool:
    return scope_of(actor).leads_floor  # team leads, supervisors, admins


def may_call(actor: Actor | None) -> bool:
    return scope_of(actor).can_intake


def may_read(actor: Actor | None) -> bool:
    return scope_of(actor).is_center


def _require_planner(actor) -> None:
    if not may_plan(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、主管和管理员可以管理外呼任务"))


def audit_entries_shown(actor: Actor | None, outbound: OutboundList, entries, *, how: str) -> None:
    """One audit row for a request that showed a list's numbers unmasked (``how``: list,
    export): kefu.core.services.record_unmasked_read."""
    record_unmasked_read(
        actor=actor,
        action=f"outbound.{how}",
        model=OutboundEntry,
        ids=[e.pk if isinstance(e, OutboundEntry) else e for e in entries],
        detail={"list": outbound.pk},
    )


def visible_lists(actor: Actor | None) -> QuerySet[OutboundList]:
    """The lists ``actor`` may see: every one for the center-wide staff, their branch's for a
    branch's staff; agents see only the started lists they may work."""
    scope = scope_of(actor)
    rows = OutboundList.objects.all()
    if not scope.is_center:
        return rows.none()
    if not scope.everything:
        if scope.branch_id is None:
            return rows.none()
        rows = rows.filter(branch_id=scope.branch_id)
    if scope.role == "agent" and actor is not None and actor.pk is not None:
        members = OutboundList.agents.through.objects.filter(outboundlist=OuterRef("pk"))
        rows = rows.exclude(status=ListStatus.DRAFT).filter(
            Exists(members.filter(user_id=actor.pk)) | ~Exists(members)
        )
    return rows


def access_list(actor, list_id: int, *, for_update: bool = False) -> OutboundList:
    if not may_read(actor):
        raise ServiceError(Code.FORBIDDEN, _("外呼任务仅限客服中心人员查看"))
    rows = visible_lists(actor)
    if for_update:
        rows = OutboundList.objects.select_for_update().filter(pk__in=rows.values("pk"))
    found = rows.filter(pk=list_id).first() if 0 < list_id < 2**62 else None
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("外呼任务不存在"))
    return found


def may_work(actor, outbound: OutboundList) -> bool:
    if not may_call(actor):
        return False
    if may_plan(actor):
        return True
    agents = outbound.agents.all()
    return not agents.exists() or agents.filter(pk=actor.pk).exists()


def callable_users(outbound: OutboundList | None = None, branch_id: int | None = None):
    """Who may be put on a list: active agents, team leads and supervisors (of the branch, for
    a branch's list)."""
    branch_id = outbound.branch_id if outbound is not None else branch_id
    rows = get_user_model().objects.filter(
        is_active=True, staff__role__in=("agent", "team_lead", "supervisor")
    )
    if branch_id:
        rows = rows.filter(Q(staff__branch_id=branch_id) | Q(staff__branch__isnull=True))
    else:  # a center-wide list is not a branch's staff's to see
        rows = rows.filter(staff__branch__isnull=True)
    return rows.select_related("staff").order_by("staff__employee_no")


# --- making a list -------------------------------------------------------------------------


@dataclass
class ListIn:
    name: str
    purpose: str
    source: str
    params: dict
    script: str = ""  # a standard script's scene code
    talking_points: str = ""
    max_attempts: int = 3
    retry_minutes: int = 120
    call_from: dt.time = dt.time(9, 0)
    call_until: dt.time = dt.time(20, 0)
    ends_on: dt.date | None = None
    agents: tuple[int, ...] = ()
    branch: int | None = None


@dataclass
class Built:
    outbound: OutboundList
    added: int
    excluded: int  # blocked by the blacklist
    duplicates: int
    no_number: int
    errors: list[dict[str, object]]  # Excel rows without a usable number, by row


GATHER: dict[str, Callable[..., tuple[sources.Gathered, dict]]] = {
    OutboundSource.CALLBACKS: sources.from_callbacks,
    OutboundSource.CHURNED: sources.from_churned,
    OutboundSource.SURVEY: sources.from_survey,
    OutboundSource.NOTICE: sources.from_notice,
}


def parse_ids(text: str | None, *, field: str) -> tuple[int, ...]:
    """User ids typed as "3, 7,9" (full-width commas too)."""
    ids = []
    for part in str(text or "").replace(",", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or not 0 < int(part) < 2**62:
            raise ServiceError(Code.INVALID, _("坐席编号无效"), field=field)
        ids.append(int(part))
    return tuple(ids)


def _user_ids(values) -> list[int]:
    try:
        ids = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise ServiceError(Code.INVALID, _("坐席编号无效"), field="agents") from None
    if any(not 0 < i < 2**62 for i in ids):
        raise ServiceError(Code.INVALID, _("坐席编号无效"), field="agents")
    return ids


def _branch_of(actor, wanted: int | None) -> Branch | None:
    scope = scope_of(actor)
    if not scope.everything:
        return Branch.objects.filter(pk=scope.branch_id).first() if scope.branch_id else None
    if not wanted:
        return None
    branch = Branch.objects.filter(pk=wanted, is_active=True).first()
    if branch is None:
        raise ServiceError(Code.INVALID, _("分支机构不存在"), field="branch")
    return branch


def _check(actor, data: ListIn, branch: Branch | None) -> dict:
    fields: dict = {
        "name": clean_text(data.name, "name", limit=60, required=True),
        "talking_points": clean_text(data.talking_points, "talking_points", limit=2000),
        "max_attempts": sources.whole_number(data.max_attempts, "max_attempts", 1, 10, 3),
        "retry_minutes": sources.whole_number(
            data.retry_minutes, "retry_minutes", 5, 7 * 24 * 60, 120
        ),
    }
    if data.purpose not in OutboundPurpose.values:
        raise ServiceError(Code.INVALID, _("外呼类别无效"), field="purpose")
    if data.source not in OutboundSource.values:
        raise ServiceError(Code.INVALID, _("名单来源无效"), field="source")
    if data.call_from.tzinfo is not None or data.call_until.tzinfo is not None:
        raise ServiceError(Code.INVALID, _("外呼时段只填时分,不带时区"), field="call_from")
    if data.call_from >= data.call_until:
        raise ServiceError(Code.INVALID, _("外呼开始时间应早于结束时间"), field="call_until")
    today = timezone.localdate()
    if data.ends_on is not None and not today <= data.ends_on <= today + dt.timedelta(days=366):
        raise ServiceError(Code.INVALID, _("截止日期应在今天到一年以内"), field="ends_on")
    script = None
    if data.script:
        script = Script.objects.filter(scene=data.script, is_active=True).first()
        if script is None:
            raise ServiceError(Code.INVALID, _("标准话术不存在或已停用"), field="script")
    agent_ids = _user_ids(data.agents)
    agents = list(callable_users(branch_id=branch.pk if branch else None).filter(pk__in=agent_ids))
    if len(agents) != len(agent_ids):
        raise ServiceError(Code.INVALID, _("所选坐席不存在或不能外呼"), field="agents")
    fields.update(
        purpose=data.purpose,
        source=data.source,
        script=script,
        call_from=data.call_from,
        call_until=data.call_until,
        ends_on=data.ends_on,
        agents=agents,
    )
    return fields


def create_list(actor, data: ListIn, *, file: bytes | None = None) -> Built:
    """A new list (未开始) from its source, all or nothing. Each number is normalized; a row
    without a usable number is left out and counted, a number twice is kept once, a number
    the blacklist blocks is kept as 已排除 with the entry's reason. Excel rows refused are
    returned with their row numbers.

    Raises ServiceError: FORBIDDEN (not a lead), INVALID (bad fields, bad file, nobody to
    call), TOO_LARGE (over sources.MAX_ENTRIES), NOT_FOUND (a notice not there)."""
    _require_planner(actor)
    branch = _branch_of(actor, data.branch)
    fields = _check(actor, data, branch)
    branch_id = branch.pk if branch else None
    if data.source == OutboundSource.EXCEL:
        gathered, detail = sources.from_excel(actor, file, branch_id)
    else:
        gathered, detail = GATHER[data.source](actor, data.params or {}, branch_id)
    now = timezone.now()
    agents = fields.pop("agents")
    entries: dict[str, OutboundEntry] = {}
    masker = Masker(actor)
    errors: list[dict[str, object]] = []
    duplicates = no_number = 0
    for row in gathered.rows:
        number = normalize_phone(row.number)
        if not is_plausible_phone(number):
            no_number += 1
            if row.line is not None:
                errors.append(
                    {
                        "row": row.line,
                        "field": "number",
                        "message": _("号码无效:%s") % masker.phone(row.number[:30])
                        if row.number
                        else _("缺少电话"),
                    }
                )
            continue
        if number in entries:
            duplicates += 1
            continue
        entries[number] = OutboundEntry(
            customer_id=row.customer_id,
            name=row.name[:80],
            number=number,
            note=row.note[:200],
            ticket_id=row.ticket_id,
            callback_task_id=row.callback_task_id,
            max_attempts=row.max_attempts or fields["max_attempts"],
        )
    if not entries:
        raise ServiceError(Code.INVALID, _("按所选条件没有可拨打的号码"), field="source")
    if data.source == OutboundSource.EXCEL:
        owners = sources.owners_of(actor, list(entries), branch_id)
        for number, entry in entries.items():
            if number in owners:
                entry.customer_id, customer_name = owners[number]
                entry.name = entry.name or customer_name[:80]
    blocked = blocked_numbers(list(entries), moment=now)
    for number, listed in blocked.items():
        entry = entries[number]
        entry.state, entry.finished_at = State.EXCLUDED, now
        entry.excluded_reason = _("黑名单:%s") % listed.reason
    with transaction.atomic():
        outbound = OutboundList.objects.create(
            **fields,
            branch=branch,
            source_detail=detail,
            total=len(entries),
            created_by=actor,
            created_at=now,
        )
        outbound.agents.set(agents)
        for entry in entries.values():
            entry.outbound = outbound
        OutboundEntry.objects.bulk_create(entries.values(), batch_size=1000)
        record_audit(
            actor=actor,
            action="outbound.create",
            obj=outbound,
            detail={
                "source": data.source,
                "params": detail,
                "entries": len(entries),
                "excluded": len(blocked),
                "duplicates": duplicates,
                "no_number": no_number,
                "refused_rows": len(errors),
            },
        )
    return Built(outbound, len(entries), len(blocked), duplicates, no_number, errors)


# --- the list's life -----------------------------------------------------------------------


MOVES = {
    "start": ((ListStatus.DRAFT, ListStatus.PAUSED), ListStatus.ACTIVE),
    "pause": ((ListStatus.ACTIVE,), ListStatus.PAUSED),
}


@transaction.atomic
def move_list(actor, list_id: int, action: str) -> OutboundList:
    """Start (开始) a new or paused list, or pause (暂停) a started one."""
    _require_planner(actor)
    outbound = access_list(actor, list_id, for_update=True)
    if action not in MOVES:
        raise ServiceError(Code.INVALID, _("操作无效"), field="action")
    allowed, to = MOVES[action]
    if outbound.status not in allowed:
        raise ServiceError(
            Code.INVALID_TRANSITION,
            _("外呼任务%s,不能执行此操作") % outbound.get_status_display(),
        )
    before = outbound.status
    outbound.status = to
    if to == ListStatus.ACTIVE and outbound.started_at is None:
        outbound.started_at = timezone.now()
    outbound.save(update_fields=["status", "started_at"])
    record_audit(
        actor=actor, action=f"outbound.{action}", obj=outbound, detail={"from": before, "to": to}
    )
    return outbound


@transaction.atomic
def close_list(actor, list_id: int, *, reason: str = "", system: bool = False) -> OutboundList:
    """End a list (结束): the numbers not yet reached are cancelled with the reason, holds
    are released; the attempts stay."""
    if not system:
        _require_planner(actor)
        outbound = access_list(actor, list_id, for_update=True)
    else:
        outbound = OutboundList.objects.select_for_update().get(pk=list_id)
    reason = clean_text(reason, "reason", limit=200)
    if outbound.status == ListStatus.CLOSED:
        raise ServiceError(Code.INVALID_TRANSITION, _("外呼任务已结束"))
    now = timezone.now()
    cancelled = outbound.entries.filter(state__in=OPEN_STATES).update(
        state=State.CANCELLED,
        excluded_reason=reason or _("外呼任务已结束"),
        held_by=None,
        held_until=None,
        next_attempt_at=None,
        finished_at=now,
    )
    outbound.status = ListStatus.CLOSED
    outbound.closed_at, outbound.closed_by = now, (None if system else actor)
    outbound.close_reason = reason
    outbound.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    record_audit(
        actor=None if system else actor,
        action="outbound.close",
        obj=outbound,
        detail={"reason": reason, "cancelled": cancelled},
    )
    return outbound


@transaction.atomic
def set_agents(actor, list_id: int, agent_ids: list[int]) -> OutboundList:
    """Who works the list (none: every agent who may see it)."""
    _require_planner(actor)
    outbound = access_list(actor, list_id, for_update=True)
    if outbound.status == ListStatus.CLOSED:
        raise ServiceError(Code.INVALID_TRANSITION, _("外呼任务已结束"))
    wanted = _user_ids(agent_ids)
    agents = list(callable_users(outbound).filter(pk__in=wanted))
    if len(agents) != len(wanted):
        raise ServiceError(Code.INVALID, _("所选坐席不存在或不能外呼"), field="agents")
    before = sorted(outbound.agents.values_list("pk", flat=True))
    outbound.agents.set(agents)
    record_audit(
        actor=actor,
        action="outbound.agents",
        obj=outbound,
        detail={"before": before, "after": wanted},
    )
    return outbound


def close_ended_lists(today: dt.date | None = None) -> int:
    """Close the lists whose end day has passed (the worker, hourly). Returns how many."""
    today = today or timezone.localdate()
    ids = list(
        OutboundList.objects.filter(
            status__in=(ListStatus.DRAFT, ListStatus.ACTIVE, ListStatus.PAUSED),
            ends_on__lt=today,
        ).values_list("pk", flat=True)
    )
    closed = 0
    for list_id in ids:
        try:
            close_list(None, list_id, reason=_("已过截止日期"), system=True)
        except ServiceError:
            continue  # closed by hand meanwhile
        closed += 1
    return closed


# --- working a list ------------------------------------------------------------------------


def calling_hours_now(outbound: OutboundList, now: dt.datetime) -> bool:
    """Whether ``now`` is in the list's calling hours, both ends' minutes included
    (09:00–20:00 lets 20:00 be called, not 20:01; 00:00–23:59 is the whole day)."""
    clock = timezone.localtime(now).time().replace(second=0, microsecond=0)
    return outbound.call_from <= clock <= outbound.call_until


def _check_workable(actor, outbound: OutboundList, now: dt.datetime) -> None:
    if not may_work(actor, outbound):
        raise ServiceError(Code.FORBIDDEN, _("您不在该外呼任务的坐席名单中"))
    if outbound.status != ListStatus.ACTIVE:
        raise ServiceError(
            Code.INVALID_TRANSITION, _("外呼任务%s,不能拨打") % outbound.get_status_display()
        )
    if outbound.ends_on is not None and timezone.localdate(now) > outbound.ends_on:
        raise ServiceError(Code.INVALID_TRANSITION, _("外呼任务已过截止日期"))
    if not calling_hours_now(outbound, now):
        raise ServiceError(
            Code.INVALID_TRANSITION,
            _("当前不在外呼时段(%(start)s–%(end)s),请勿打扰客户")
            % {
                "start": outbound.call_from.strftime("%H:%M"),
                "end": outbound.call_until.strftime("%H:%M"),
            },
        )


def _free(now: dt.datetime) -> Q:
    return Q(held_by__isnull=True) | Q(held_until__lt=now)


def _due(now: dt.datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _still_callable(entry: OutboundEntry, now: dt.datetime) -> bool:
    """Checks made when an entry is taken: a number blocked since the list was made is
    excluded; a callback task ended elsewhere cancels its entry; a task to be tried later
    moves the entry to then. Returns whether it may be called now."""
    listed = screen_number(entry.number, moment=now)
    if listed is not None and listed.kind == BlacklistEntry.Kind.BLOCK:
        entry.state, entry.finished_at = State.EXCLUDED, now
        entry.excluded_reason = _("黑名单:%s") % listed.reason
    elif entry.callback_task_id is not None:
        task = CallbackTask.objects.get(pk=entry.callback_task_id)
        if task.state != CallbackTask.State.OPEN:
            entry.state, entry.finished_at = State.CANCELLED, now
            entry.excluded_reason = _("已在回访中处理:%s") % task.get_state_display()
        elif task.next_attempt_at is not None and task.next_attempt_at > now:
            entry.state, entry.next_attempt_at = State.RETRY, task.next_attempt_at
            entry.held_by = entry.held_until = None
            entry.save(update_fields=["state", "next_attempt_at", "held_by", "held_until"])
            return False
        else:
            return True
    else:
        return True
    entry.held_by = entry.held_until = None
    entry.save(update_fields=["state", "finished_at", "excluded_reason", "held_by", "held_until"])
    return False


def held_entry(actor, outbound: OutboundList, now: dt.datetime) -> OutboundEntry | None:
    return (
        outbound.entries.filter(held_by=actor, held_until__gte=now, state__in=OPEN_STATES)
        .order_by("id")
        .first()
    )


@dataclass(frozen=True)
class Next:
    entry: OutboundEntry | None
    # When nothing is due: the earliest time a number will be (None: the list is worked out).
    next_at: dt.datetime | None = None


def next_entry(actor, list_id: int, *, now: dt.datetime | None = None) -> Next:
    """The number the agent calls next, held for them; the one they already hold first."""
    now = now or timezone.now()
    outbound = access_list(actor, list_id)
    _check_workable(actor, outbound, now)
    mine = held_entry(actor, outbound, now)
    if mine is not None:
        return Next(mine)
    candidates = outbound.entries.filter(_free(now), _due(now), state__in=OPEN_STATES)
    while True:
        batch = list(
            candidates.order_by(
                "-appointment", F("next_attempt_at").asc(nulls_first=True), "id"
            ).values_list("pk", flat=True)[:20]
        )
        if not batch:
            break
        for entry_id in batch:
            with transaction.atomic():
                # One claim at a time per agent: two quick clicks never hold two numbers.
                get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
                mine = held_entry(actor, outbound, now)
                if mine is not None:
                    return Next(mine)
                taken = OutboundEntry.objects.filter(
                    _free(now), _due(now), pk=entry_id, state__in=OPEN_STATES
                ).update(held_by=actor, held_until=now + dt.timedelta(minutes=HOLD_MINUTES))
                if not taken:
                    continue  # another agent took it first
                entry = OutboundEntry.objects.select_for_update().get(pk=entry_id)
                if _still_callable(entry, now):
                    return Next(entry)
    return Next(None, _next_due(outbound, now))


def _next_due(outbound: OutboundList, now: dt.datetime) -> dt.datetime | None:
    """When a number of the list comes due next: the earliest retry or appointment, or the
    earliest colleague's hold to lapse; None when no number is left to call."""
    open_rows = outbound.entries.filter(state__in=OPEN_STATES)
    waits = [
        open_rows.filter(next_attempt_at__gt=now).aggregate(at=Min("next_attempt_at"))["at"],
        open_rows.filter(_due(now), held_by__isnull=False, held_until__gte=now).aggregate(
            at=Min("held_until")
        )["at"],
    ]
    found = [w for w in waits if w is not None]
    if found:
        return min(found)
    return now + dt.timedelta(minutes=HOLD_MINUTES) if open_rows.exists() else None


def _held(actor, entry_id: int, now: dt.datetime) -> OutboundEntry:
    entry = (
        OutboundEntry.objects.select_for_update(of=("self",))
        .select_related("outbound")
        .filter(pk=entry_id)
        .first()
        if 0 < entry_id < 2**62
        else None
    )
    if entry is None or not visible_lists(actor).filter(pk=entry.outbound_id).exists():
        raise ServiceError(Code.NOT_FOUND, _("外呼号码不存在"))
    if not may_work(actor, entry.outbound):
        raise ServiceError(Code.FORBIDDEN, _("您不在该外呼任务的坐席名单中"))
    if not entry.is_open:
        raise ServiceError(
            Code.INVALID_TRANSITION, _("该号码%s,不再拨打") % entry.get_state_display()
        )
    # A hold that lapsed while the agent was still on the call stays theirs until a colleague
    # takes the number: the outcome of a long call is not lost.
    if entry.held_by_id != actor.pk:
        raise ServiceError(
            Code.CONFLICT, _("该号码已由其他坐席拨打(您的占用已超时),请重新获取下一个号码")
        )
    return entry


@transaction.atomic
def release_entry(actor, entry_id: int) -> OutboundEntry:
    """Give the held number back without calling it (跳过): it comes round again after the
    numbers not yet called, and not within SKIP_MINUTES."""
    now = timezone.now()
    entry = _held(actor, entry_id, now)
    entry.held_by = entry.held_until = None
    later = now + dt.timedelta(minutes=SKIP_MINUTES)
    if entry.next_attempt_at is None or entry.next_attempt_at < later:
        entry.next_attempt_at = later
    entry.save(update_fields=["held_by", "held_until", "next_attempt_at"])
    return entry


@dataclass(frozen=True)
class Dialled:
    # "pbx": the PBX was asked to ring the agent's phone and then the number; "tel": the
    # page dials through the tel: link (no PBX configured, or the PBX did not answer).
    mode: str
    uri: str
    message: str


def _dial_url(template: str, number: str, actor) -> str:
    staff = getattr(actor, "staff", None)
    values = {
        "number": quote(number, safe="+"),
        "agent": quote(staff.employee_no if staff else "", safe=""),
        "username": quote(actor.get_username(), safe=""),
    }
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def dial(actor, entry_id: int, *, now: dt.datetime | None = None) -> Dialled:
    """Call the held number: through the PBX's click-to-dial address (KEFU_CLICK_TO_DIAL_URL)
    when one is configured, else the page's tel: link. The dial time is kept: the PBX's
    record of the call is matched to the attempt by it."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = _held(actor, entry_id, now)
        _check_workable(actor, entry.outbound, now)
        listed = screen_number(entry.number, moment=now)
        if listed is not None and listed.kind == BlacklistEntry.Kind.BLOCK:
            raise ServiceError(Code.INVALID_TRANSITION, _("该号码已列入黑名单,不能拨打"))
        entry.dialled_at = now
        entry.held_until = now + dt.timedelta(minutes=HOLD_MINUTES)
        entry.save(update_fields=["dialled_at", "held_until"])
        number = entry.number
    uri = f"tel:{number}"
    template = getattr(settings, "OUTBOUND_DIAL_URL", "")
    if not template:
        return Dialled("tel", uri, _("请用话机或软电话拨打"))
    url = _dial_url(template, number, actor)
    try:
        response = httpx.get(url, timeout=getattr(settings, "NOTIFY_HTTP_TIMEOUT", 10))
    except httpx.HTTPError as exc:
        logger.warning("click-to-dial failed: %s", type(exc).__name__)
        return Dialled("tel", uri, _("呼叫系统无响应,请手动拨打"))
    if response.status_code >= 400:
        logger.warning("click-to-dial refused: HTTP %s", response.status_code)
        return Dialled("tel", uri, _("呼叫系统拒绝了呼叫(%d),请手动拨打") % response.status_code)
    return Dialled("pbx", uri, _("正在通过呼叫系统接通,请接起话机"))


def _call_of(entry: OutboundEntry, actor, now: dt.datetime) -> CallRecord | None:
    """The PBX's record of this call: an outbound call to the number since the dial click
    (or in the last two hours), the agent's own first."""
    since = (entry.dialled_at or now - CALL_MATCH_WINDOW) - CALL_MATCH_SLACK
    calls = CallRecord.objects.filter(
        direction=CallRecord.Direction.OUT, customer_number=entry.number, started_at__gte=since
    )
    return calls.filter(Q(agent=actor) | Q(agent__isnull=True)).order_by("-started_at").first()


@dataclass
class AttemptIn:
    outcome: str
    note: str = ""
    call_at: dt.datetime | None = None
    score: int | None = None


def _check_attempt(entry: OutboundEntry, data: AttemptIn, now: dt.datetime) -> AttemptIn:
    if data.outcome not in Outcome.values:
        raise ServiceError(Code.INVALID, _("外呼结果无效"), field="outcome")
    outcome = Outcome(data.outcome)
    note = clean_text(
        data.note,
        "note",
        limit=MAX_NOTE,
        required=outcome == Outcome.UNSATISFIED,
        message=_("请记录客户的原话"),
    )
    call_at = None
    if outcome == Outcome.CALL_LATER:
        call_at = data.call_at
        if call_at is None:
            raise ServiceError(Code.INVALID, _("请填写约定的联系时间"), field="call_at")
        if timezone.is_naive(call_at):
            call_at = timezone.make_aware(call_at)
        if not now < call_at <= now + dt.timedelta(days=MAX_APPOINTMENT_DAYS):
            raise ServiceError(
                Code.INVALID,
                _("约定时间应在现在之后 %d 天以内") % MAX_APPOINTMENT_DAYS,
                field="call_at",
            )
        ends_on = entry.outbound.ends_on
        if ends_on is not None and timezone.localdate(call_at) > ends_on:
            raise ServiceError(Code.INVALID, _("约定时间晚于外呼任务的截止日期"), field="call_at")
        if not calling_hours_now(entry.outbound, call_at):
            raise ServiceError(
                Code.INVALID,
                _("约定时间不在外呼时段(%(start)s–%(end)s)内")
                % {
                    "start": entry.outbound.call_from.strftime("%H:%M"),
                    "end": entry.outbound.call_until.strftime("%H:%M"),
                },
                field="call_at",
            )
    score = data.score
    if score is not None:
        if outcome not in (Outcome.DONE, Outcome.UNSATISFIED):
            raise ServiceError(Code.INVALID, _("接通并完成时才填写满意度评分"), field="score")
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ServiceError(Code.INVALID, _("满意度评分为 1–5 分"), field="score")
        if outcome == Outcome.DONE and score <= followups.LOW_SCORE:
            # The same line as a survey link's: a low score is heard out, never filed as done.
            raise ServiceError(
                Code.INVALID,
                _("%d 分及以下请选择“接通-客户不满意”并记录客户的原话") % followups.LOW_SCORE,
                field="outcome",
            )
    elif entry.outbound.purpose == OutboundPurpose.SURVEY and outcome in (
        Outcome.DONE,
        Outcome.UNSATISFIED,
    ):
        raise ServiceError(Code.INVALID, _("满意度调查请填写客户的评分(1–5 分)"), field="score")
    return AttemptIn(outcome, note, call_at, score)


def _follow_task(entry: OutboundEntry, data: AttemptIn, actor) -> None:
    """An entry made from a callback task: the attempt is the task's too, and the task's rule
    says what follows."""
    mapped = FOR_CALLBACK.get(Outcome(data.outcome))
    if mapped is None or entry.callback_task_id is None:
        return  # an appointment: the task waits with the entry
    task = followups.record_attempt(
        entry.callback_task_id,
        actor=actor,
        outcome=mapped,
        note=data.note,
        score=data.score,
    )
    if data.outcome == Outcome.WRONG_NUMBER:
        return
    if task.state in TASK_ENDED:
        entry.state = TASK_ENDED[task.state]
        entry.next_attempt_at = None
    else:
        entry.state, entry.next_attempt_at = State.RETRY, task.next_attempt_at


def _not_answered(entry: OutboundEntry) -> int:
    """The calls to the entry nobody answered (an appointment is no failure)."""
    return entry.attempt_rows.filter(outcome__in=NOT_REACHED).count()


@transaction.atomic
def record_attempt(
    actor, entry_id: int, data: AttemptIn, *, now: dt.datetime | None = None
) -> OutboundEntry:
    """What came of calling the held number; the retry rule decides what follows (see the
    module docstring). Raises ServiceError: NOT_FOUND, FORBIDDEN, CONFLICT (not held by the
    actor), INVALID_TRANSITION (the entry or list ended), INVALID (bad fields); nothing is
    written then."""
    now = now or timezone.now()
    entry = _held(actor, entry_id, now)
    if entry.outbound.status == ListStatus.CLOSED:
        raise ServiceError(Code.INVALID_TRANSITION, _("外呼任务已结束"))
    data = _check_attempt(entry, data, now)
    outcome = Outcome(data.outcome)
    entry.attempts += 1
    OutboundAttempt.objects.create(
        entry=entry,
        number=entry.attempts,
        at=now,
        actor=actor,
        outcome=outcome,
        note=data.note,
        call_at=data.call_at,
        call=_call_of(entry, actor, now),
    )
    entry.last_agent = actor
    entry.held_by = entry.held_until = None
    entry.appointment = False
    match outcome:
        case Outcome.DONE | Outcome.UNSATISFIED:
            entry.state, entry.next_attempt_at = State.DONE, None
            entry.result, entry.score = data.note, data.score
        case Outcome.REFUSED:
            entry.state, entry.next_attempt_at, entry.result = State.REFUSED, None, data.note
        case Outcome.WRONG_NUMBER:
            entry.state, entry.next_attempt_at, entry.result = State.INVALID, None, data.note
        case Outcome.CALL_LATER:
            entry.state, entry.next_attempt_at, entry.appointment = State.RETRY, data.call_at, True
        case _ if _not_answered(entry) >= entry.max_attempts:
            entry.state, entry.next_attempt_at = State.FAILED, None
        case _:
            entry.state = State.RETRY
            entry.next_attempt_at = now + dt.timedelta(minutes=entry.outbound.retry_minutes)
    if entry.callback_task_id is not None:
        _follow_task(entry, data, actor)
    elif data.score is not None and entry.ticket_id is not None:
        try:
            with transaction.atomic():
                followups.record_phone_survey(
                    entry.ticket_id, actor=actor, score=data.score, comment=data.note[:500]
                )
        except ServiceError as exc:
            # Rated meanwhile (the SMS link) or not the agent's to see: the list keeps it.
            entry.result = (entry.result + "\n" if entry.result else "") + exc.detail
    if entry.state not in OPEN_STATES:
        entry.finished_at = now
    entry.save()
    return entry
