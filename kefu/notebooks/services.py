"""Every change of the notebooks. Each operation checks who may (kefu.notebooks.access), locks
what it changes, validates, writes and records the change in the audit log, in one
transaction: refused input writes nothing.

- problems (问题登记): ``record_problem``; the Monday job ``collect_week`` collects the past
  week's open problems to each team lead (one ``WeeklyCollection`` per lead and week, each
  problem moved 待汇总 → 已汇总 by a conditional UPDATE: run twice, it collects nothing twice)
  and tells the lead through kefu.notify; the lead answers (``answer_problem``, once),
  forwards (``forward_problem``) or closes a duplicate (``close_problem``);
- the service count's manual entries (``add_entry``; ``correct_entry`` adds the difference as
  a new entry);
- grumbles (抱怨登记): ``record_grumble``; ``escalate_grumble`` turns one not settled on the
  spot into a complaint ticket through the ticket intake (kefu.tickets), once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.services import floor_leads, staff_of
from kefu.complaints.models import COMPLAINT_TYPE
from kefu.complaints.models import Category as ComplaintCategory
from kefu.core.errors import Code, ServiceError
from kefu.core.models import AuditLog
from kefu.core.phones import is_plausible_phone, normalize_phone
from kefu.core.services import clean_text, record_audit
from kefu.notebooks import access
from kefu.notebooks.models import (
    EntryKind,
    Grumble,
    GrumbleChannel,
    Problem,
    ProblemCategory,
    ServiceEntry,
    WeeklyCollection,
)
from kefu.notify.services import notify_users
from kefu.tickets.access import visible_tickets
from kefu.tickets.models import Channel, Ticket
from kefu.tickets.schemas import TicketIn
from kefu.tickets.services import create_ticket

Status = Problem.Status

WEEKLY_EVENT = "notebooks.weekly_problems"
ANSWERED_EVENT = "notebooks.problem_answered"
FORWARDED_EVENT = "notebooks.problem_forwarded"
TEXT_MAX = 2000
COUNT_MAX = 999  # a manual entry's count in one day
DAYS_BACK = 366  # how far back a manual entry or a grumble may be dated
# A grumble's channel → the channel of the complaint ticket it becomes.
TICKET_CHANNEL = {
    GrumbleChannel.PHONE: Channel.PHONE,
    GrumbleChannel.DESK: Channel.WALK_IN,
    GrumbleChannel.ONLINE: Channel.CHAT,
    GrumbleChannel.OTHER: Channel.WALK_IN,
}


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _branch_id(actor: Any) -> int | None:
    staff = staff_of(actor)
    return staff.branch_id if staff is not None else None


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ServiceError(Code.INVALID, _("请选择有效的选项"), field=field)
    return value


def _transition(problem: Problem, to: str) -> str:
    if to not in Problem.ALLOWED_TRANSITIONS[problem.status]:
        if problem.status == Status.ANSWERED:
            raise ServiceError(Code.INVALID_TRANSITION, _("该问题已答复,不能再次答复"))
        if problem.status == Status.CLOSED:
            raise ServiceError(Code.INVALID_TRANSITION, _("该问题已关闭"))
        raise ServiceError(Code.INVALID_TRANSITION, _("该问题尚未汇总,请等待周汇总后再答复"))
    previous, problem.status = problem.status, to
    return previous


def _name(user: Any) -> str:
    staff = staff_of(user)
    return staff.display_name if staff else user.get_username()


# --- problems (问题登记) ----------------------------------------------------------------------


@transaction.atomic
def record_problem(actor: Any, *, category: str, text: str, ticket_serial: str = "") -> Problem:
    """A problem the agent met, 待汇总. ``ticket_serial``: the ticket it came from, which must
    exist and be visible to the agent. Raises ServiceError (nothing written)."""
    access.require_use(actor)
    category = _choice(category, ProblemCategory, "category")
    body = clean_text(text, "text", limit=TEXT_MAX, required=True, message=_("请填写问题"))
    serial = clean_text(ticket_serial, "ticket", limit=16)
    ticket = None
    if serial:
        ticket = visible_tickets(actor).filter(serial=serial).first()
        if ticket is None:
            raise ServiceError(Code.INVALID, _("工单不存在:%s") % serial, field="ticket")
    problem = Problem.objects.create(
        category=category,
        text=body,
        ticket=ticket,
        branch_id=_branch_id(actor),
        created_by=actor,
        created_at=timezone.now(),
    )
    record_audit(
        actor=_user(actor),
        action="notebooks.problem.record",
        obj=problem,
        detail={"category": category, "ticket": serial},
    )
    return problem


def week_of(moment: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """The past week's Monday, and the start of this week (the collection's cutoff), in the
    center's time."""
    today = timezone.localtime(moment).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    cutoff = timezone.make_aware(dt.datetime.combine(this_monday, dt.time.min))
    return this_monday - dt.timedelta(days=7), cutoff


def _covers(lead: Any, problem: Problem) -> bool:
    branch = lead.staff.branch_id
    return branch is None or branch == problem.branch_id


def _recipients(leads: list[Any], problem: Problem) -> list[Any]:
    """The team leads whose team the problem is of (their branch's, or the center's own for
    center-wide leads); the supervisors when no team lead covers it."""
    team_leads = [u for u in leads if u.staff.role == Role.TEAM_LEAD and _covers(u, problem)]
    return team_leads or [
        u for u in leads if u.staff.role == Role.SUPERVISOR and _covers(u, problem)
    ]


@transaction.atomic
def collect_week(*, now: dt.datetime | None = None) -> list[WeeklyCollection]:
    """汇总: the open problems recorded before this week's Monday go to their team leads, one
    collection per lead and week, each lead told through kefu.notify. Each problem is moved
    by a conditional UPDATE (status still 待汇总) and rows another worker holds are skipped:
    run twice, nothing is collected twice. Returns the collections that got problems."""
    now = now or timezone.now()
    week_start, cutoff = week_of(now)
    problems = list(
        Problem.objects.select_for_update(skip_locked=True)
        .filter(status=Status.OPEN, created_at__lt=cutoff)
        .order_by("created_at", "id")
    )
    if not problems:
        return []
    leads = floor_leads()
    per_lead: dict[int, list[Problem]] = {}
    by_pk = {lead.pk: lead for lead in leads}
    for problem in problems:
        for lead in _recipients(leads, problem):
            per_lead.setdefault(lead.pk, []).append(problem)
    collected_ids = sorted({p.pk for rows in per_lead.values() for p in rows})
    moved = Problem.objects.filter(pk__in=collected_ids, status=Status.OPEN).update(
        status=Status.COLLECTED, collected_at=now
    )
    if moved != len(collected_ids):  # another run moved some meanwhile: keep only ours
        collected_ids = list(
            Problem.objects.filter(pk__in=collected_ids, collected_at=now).values_list(
                "pk", flat=True
            )
        )
    kept = set(collected_ids)
    made = []
    for lead_pk, rows in per_lead.items():
        ids = [p.pk for p in rows if p.pk in kept]
        if not ids:
            continue
        lead = by_pk[lead_pk]
        collection, _created = WeeklyCollection.objects.get_or_create(
            lead=lead, week_start=week_start, defaults={"created_at": now}
        )
        collection.problems.add(*ids)
        made.append(collection)
        notify_users(
            WEEKLY_EVENT,
            users=[lead],
            context={
                "serial": week_start.isoformat(),
                "title": _("问题周汇总"),
                "url": "/notebooks/summary/",
                "count": str(len(ids)),
            },
            key=f"{WEEKLY_EVENT}:{collection.pk}:{len(ids)}:{ids[-1]}",
        )
        record_audit(
            actor=None,
            action="notebooks.problem.collect",
            obj=collection,
            detail={"week": week_start.isoformat(), "problems": ids},
        )
    AuditLog.objects.bulk_create(
        AuditLog(
            action="notebooks.problem.collected",
            object_type=Problem._meta.label_lower,
            object_id=str(pk),
            detail={"week": week_start.isoformat(), "from": Status.OPEN, "to": Status.COLLECTED},
        )
        for pk in collected_ids
    )
    return made


def _may_answer(actor: Any, problem: Problem) -> bool:
    return access.may_lead(actor) or (
        problem.forwarded_to_id is not None and problem.forwarded_to_id == actor.pk
    )


@transaction.atomic
def answer_problem(actor: Any, problem_id: int, *, text: str) -> Problem:
    """答复: the lead (or whoever it was forwarded to) answers a collected problem, once; the
    agent who recorded it is told. A second answer is refused (409)."""
    access.require_use(actor)
    problem = access.access_problem(actor, problem_id, for_update=True)
    if not _may_answer(actor, problem):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、主管或被转交人可以答复"))
    body = clean_text(text, "text", limit=TEXT_MAX, required=True, message=_("请填写答复"))
    previous = _transition(problem, Status.ANSWERED)
    now = timezone.now()
    problem.answer, problem.answered_by, problem.answered_at = body, actor, now
    problem.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    notify_users(
        ANSWERED_EVENT,
        users=[problem.created_by],
        context={
            "serial": f"#{problem.pk}",
            "title": problem.get_category_display(),
            "url": f"/notebooks/problems/{problem.pk}/",
            "who": _name(actor),
        },
        key=f"{ANSWERED_EVENT}:{problem.pk}",
    )
    record_audit(
        actor=_user(actor),
        action="notebooks.problem.answer",
        obj=problem,
        detail={"from": previous, "to": Status.ANSWERED},
    )
    return problem


@transaction.atomic
def forward_problem(
    actor: Any, problem_id: int, *, to_user_id: int | None, note: str = ""
) -> Problem:
    """转交: the lead hands a problem not yet answered to another lead or supervisor who can
    see it (the state stays); they are told and may answer it."""
    access.require_lead(actor)
    problem = access.access_problem(actor, problem_id, for_update=True)
    if problem.status in (Status.ANSWERED, Status.CLOSED):
        raise ServiceError(Code.INVALID_TRANSITION, _("已答复或已关闭的问题不能转交"))
    target = (
        get_user_model().objects.filter(pk=to_user_id, is_active=True).first()
        if to_user_id is not None and 0 < to_user_id < 2**62
        else None
    )
    if (
        target is None
        or target.pk == actor.pk
        or not access.may_lead(target)
        or not access.visible_problems(target).filter(pk=problem.pk).exists()
    ):
        raise ServiceError(Code.INVALID, _("请选择可以答复此问题的班长或主管"), field="to")
    problem.forwarded_to, problem.forwarded_at = target, timezone.now()
    problem.forward_note = clean_text(note, "note", limit=300)
    problem.save(update_fields=["forwarded_to", "forwarded_at", "forward_note"])
    notify_users(
        FORWARDED_EVENT,
        users=[target],
        context={
            "serial": f"#{problem.pk}",
            "title": problem.get_category_display(),
            "url": f"/notebooks/problems/{problem.pk}/",
            "who": _name(actor),
            "note": problem.forward_note,
        },
        key=f"{FORWARDED_EVENT}:{problem.pk}:{target.pk}:{problem.forwarded_at.isoformat()}",
    )
    record_audit(
        actor=_user(actor),
        action="notebooks.problem.forward",
        obj=problem,
        detail={"to": target.pk, "note": problem.forward_note},
    )
    return problem


@transaction.atomic
def close_problem(actor: Any, problem_id: int, *, duplicate_of: int | None) -> Problem:
    """关闭: a duplicate of another problem (``duplicate_of``, one the lead sees) is closed with
    the reference."""
    access.require_lead(actor)
    problem = access.access_problem(actor, problem_id, for_update=True)
    original = (
        access.visible_problems(actor).filter(pk=duplicate_of).first()
        if duplicate_of is not None and 0 < duplicate_of < 2**62
        else None
    )
    if original is None or original.pk == problem.pk:
        raise ServiceError(Code.INVALID, _("请填写重复的原问题编号"), field="duplicate_of")
    previous = _transition(problem, Status.CLOSED)
    problem.duplicate_of, problem.closed_by, problem.closed_at = original, actor, timezone.now()
    problem.save(update_fields=["status", "duplicate_of", "closed_by", "closed_at"])
    record_audit(
        actor=_user(actor),
        action="notebooks.problem.close",
        obj=problem,
        detail={"from": previous, "to": Status.CLOSED, "duplicate_of": original.pk},
    )
    return problem


# --- the service count's manual entries (服务统计) --------------------------------------------


def _day(value: dt.date | None, field: str) -> dt.date:
    if value is None:
        raise ServiceError(Code.INVALID, _("请填写日期"), field=field)
    today = timezone.localdate()
    if value > today:
        raise ServiceError(Code.INVALID, _("日期不能晚于今天"), field=field)
    if value < today - dt.timedelta(days=DAYS_BACK):
        raise ServiceError(Code.INVALID, _("日期不能早于一年前"), field=field)
    return value


@transaction.atomic
def add_entry(
    actor: Any, *, day: dt.date | None, kind: str, count: int | None, note: str = ""
) -> ServiceEntry:
    """A manual line of the actor's own service count: what Kefu does not see."""
    access.require_use(actor)
    kind = _choice(kind, EntryKind, "kind")
    if count is None or not 1 <= count <= COUNT_MAX:
        raise ServiceError(Code.INVALID, _("次数应为 1 到 %d") % COUNT_MAX, field="count")
    entry = ServiceEntry.objects.create(
        agent=actor,
        branch_id=_branch_id(actor),
        day=_day(day, "day"),
        kind=kind,
        count=count,
        note=clean_text(note, "note", limit=200),
        created_by=actor,
        created_at=timezone.now(),
    )
    record_audit(
        actor=_user(actor),
        action="notebooks.entry.add",
        obj=entry,
        detail={"day": entry.day.isoformat(), "kind": kind, "count": count},
    )
    return entry


@transaction.atomic
def correct_entry(actor: Any, entry_id: int, *, count: int | None, note: str) -> ServiceEntry:
    """更正: the entry's right count is ``count``; the difference is written as a new entry
    pointing at it (the original stays as written). The agent corrects their own entries, a
    lead those of the team. Raises INVALID for an unchanged count or a missing reason."""
    access.require_use(actor)
    entry = access.access_entry(actor, entry_id, for_update=True)
    if entry.corrects_id is not None:
        raise ServiceError(Code.INVALID, _("请更正原始登记"), field="entry")
    if count is None or not 0 <= count <= COUNT_MAX:
        raise ServiceError(Code.INVALID, _("次数应为 0 到 %d") % COUNT_MAX, field="count")
    reason = clean_text(note, "note", limit=200, required=True, message=_("请填写更正原因"))
    current = entry.count + (entry.corrections.aggregate(total=Sum("count"))["total"] or 0)
    delta = count - current
    if delta == 0:
        raise ServiceError(Code.INVALID, _("次数与现有登记相同"), field="count")
    correction = ServiceEntry.objects.create(
        agent=entry.agent,
        branch_id=entry.branch_id,
        day=entry.day,
        kind=entry.kind,
        count=delta,
        note=reason,
        corrects=entry,
        created_by=actor,
        created_at=timezone.now(),
    )
    record_audit(
        actor=_user(actor),
        action="notebooks.entry.correct",
        obj=entry,
        detail={"from": current, "to": count, "correction": correction.pk, "note": reason},
    )
    return correction


# --- grumbles (抱怨登记) ----------------------------------------------------------------------


@dataclass(frozen=True)
class GrumbleIn:
    at: dt.datetime | None
    channel: str
    content: str
    handling: str
    satisfied: bool
    category: str = ""
    customer_name: str = ""
    customer_phone: str = ""


def _moment(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + dt.timedelta(minutes=10):
        raise ServiceError(Code.INVALID, _("时间不能晚于现在"), field="at")
    if value < now - dt.timedelta(days=DAYS_BACK):
        raise ServiceError(Code.INVALID, _("时间不能早于一年前"), field="at")
    return value


def _phone(value: str) -> str:
    raw = clean_text(value, "customer_phone", limit=40)
    if not raw:
        return ""
    number = normalize_phone(raw)
    if not is_plausible_phone(number):
        raise ServiceError(Code.INVALID, _("电话号码格式不正确"), field="customer_phone")
    return number


def _category(code: str) -> ComplaintCategory | None:
    code = (code or "").strip()
    if not code:
        return None
    found = ComplaintCategory.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise ServiceError(Code.INVALID, _("类别无效:%s") % code[:30], field="category")
    return found


@transaction.atomic
def record_grumble(actor: Any, data: GrumbleIn) -> Grumble:
    """抱怨登记: a dissatisfaction handled on the spot (not a complaint)."""
    access.require_use(actor)
    now = timezone.now()
    grumble = Grumble.objects.create(
        at=_moment(data.at, now),
        channel=_choice(data.channel, GrumbleChannel, "channel"),
        category=_category(data.category),
        customer_name=clean_text(data.customer_name, "customer_name", limit=40),
        customer_phone=_phone(data.customer_phone),
        content=clean_text(
            data.content, "content", limit=TEXT_MAX, required=True, message=_("请填写不满内容")
        ),
        handling=clean_text(
            data.handling, "handling", limit=TEXT_MAX, required=True, message=_("请填写处理经过")
        ),
        satisfied=bool(data.satisfied),
        branch_id=_branch_id(actor),
        created_by=actor,
        created_at=now,
    )
    record_audit(
        actor=_user(actor),
        action="notebooks.grumble.record",
        obj=grumble,
        detail={"channel": grumble.channel, "satisfied": grumble.satisfied},
    )
    return grumble


@transaction.atomic
def escalate_grumble(actor: Any, grumble_id: int, *, note: str = "") -> Ticket:
    """转投诉: a grumble not settled on the spot becomes a complaint ticket (the ticket intake
    of kefu.tickets, accepted at once, with the grumble's customer, channel and category); the
    grumble keeps its serial. A second escalation is refused (409); a refused intake writes
    nothing."""
    access.require_use(actor)
    grumble = access.access_grumble(actor, grumble_id, for_update=True)
    if grumble.ticket_id is not None:
        raise ServiceError(Code.INVALID_TRANSITION, _("该抱怨已转为投诉"))
    extra = clean_text(note, "note", limit=500)
    content = grumble.content + "\n" + _("现场处理:") + grumble.handling
    if extra:
        content += "\n" + extra
    ticket = create_ticket(
        TicketIn(
            type=COMPLAINT_TYPE,
            channel=TICKET_CHANNEL[GrumbleChannel(grumble.channel)],
            content=content[:4000],
            received_at=grumble.at,
            contact_name=grumble.customer_name,
            caller_number=grumble.customer_phone,
            category=grumble.category.code if grumble.category else "",
        ),
        actor=actor,
        accept=True,
        note=_("由抱怨登记 #%d 转为投诉") % grumble.pk,
    )
    grumble.ticket, grumble.escalated_by, grumble.escalated_at = ticket, actor, timezone.now()
    grumble.save(update_fields=["ticket", "escalated_by", "escalated_at"])
    record_audit(
        actor=_user(actor),
        action="notebooks.grumble.escalate",
        obj=grumble,
        detail={"ticket": ticket.serial},
    )
    return ticket
