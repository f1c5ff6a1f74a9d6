"""Quality: every change to scorecards, the sampling settings, samples, inspections,
send-backs and appeals. Each operation checks who may (kefu.quality.access), locks what it
changes, validates, writes and audits in one transaction: refused input writes nothing.

- ``create_scorecard`` / ``revise_scorecard`` / ``retire_scorecard``: a revision is a new
  version; an inspection keeps the items it was scored on.
- ``draw_sample``: one period's sample — per agent a random share (at least a minimum) of
  their tickets and calls, plus every complaint, every ticket whose time limit was breached
  and every ticket with a low survey score. Seeded by the period (reproducible) and made
  once per period (unique row; run twice, or twice at once, it is one sample).
- ``score``: the arithmetic (weights and 一票否决), pure.
- ``inspect_sample``: the inspector scores a sample on an active scorecard; the agent is told.
- ``send_back`` / ``record_fix``: 业务稽查 整改 with a required fix and a due time.
- ``file_appeal`` / ``decide_appeal``: once per inspection; the branch's team lead decides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Department, Role
from kefu.core.actor import Actor, signed_in, user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit, whole_in
from kefu.followups.models import Survey
from kefu.notify.services import notify_users
from kefu.quality import access
from kefu.quality.models import (
    Appeal,
    Category,
    Inspection,
    Mark,
    Period,
    QualitySettings,
    Reason,
    Sample,
    SampleDraw,
    Scorecard,
    ScorecardItem,
    SendBack,
)
from kefu.sla.models import Deadline
from kefu.telephony.models import CallRecord
from kefu.tickets.models import Ticket, TicketStatus

MAX_ITEMS = 50
MAX_POINTS = 100
INSPECTED_EVENT = "quality.inspected"
SEND_BACK_EVENT = "quality.send_back"
APPEAL_EVENT = "quality.appeal_decided"


# ------------------------------------------------------------------------------ settings


def current_settings() -> QualitySettings:
    """The center's sampling rules (the defaults until someone saves them)."""
    return QualitySettings.objects.order_by("id").first() or QualitySettings()


@transaction.atomic
def update_settings(
    actor: Actor | None,
    *,
    period: str,
    share_percent: int,
    minimum: int,
    include_calls: bool = True,
    complaints: bool = True,
    breached: bool = True,
    low_scores: bool = True,
    low_score_max: int = 2,
) -> QualitySettings:
    access.require_define(actor)
    if period not in Period.values:
        raise ServiceError(Code.INVALID, _("请选择抽检周期"), field="period")
    row = QualitySettings.objects.select_for_update().order_by("id").first() or QualitySettings()
    row.period = period
    row.share_percent = whole_in(share_percent, "share_percent", low=0, high=100)
    row.minimum = whole_in(minimum, "minimum", low=0, high=100)
    row.low_score_max = whole_in(low_score_max, "low_score_max", low=1, high=4)
    row.include_calls, row.complaints = bool(include_calls), bool(complaints)
    row.breached, row.low_scores = bool(breached), bool(low_scores)
    row.save()
    record_audit(
        actor=actor,
        action="quality.settings.update",
        obj=row,
        detail={"period": period, "share": row.share_percent, "minimum": row.minimum},
    )
    return row


# ------------------------------------------------------------------------------ scorecards


def _items(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not 0 < len(items) <= MAX_ITEMS:
        raise ServiceError(
            Code.INVALID, _("评分表需要 1 到 %d 个评分项") % MAX_ITEMS, field="items"
        )
    cleaned: list[dict[str, Any]] = []
    names: set[str] = set()
    for n, item in enumerate(items):
        field = f"items.{n}"
        if not isinstance(item, dict):
            raise ServiceError(Code.INVALID, _("评分项格式不正确"), field=field)
        name = clean_text(
            item.get("name") if isinstance(item.get("name"), str) else "",
            f"{field}.name",
            limit=100,
            required=True,
            message=_("请填写评分项名称"),
        )
        if name in names:
            raise ServiceError(Code.INVALID, _("评分项名称不能重复"), field=f"{field}.name")
        names.add(name)
        category = item.get("category")
        if category not in Category.values:
            raise ServiceError(Code.INVALID, _("请选择评分项类别"), field=f"{field}.category")
        points = whole_in(item.get("points", 0), f"{field}.points", low=0, high=MAX_POINTS)
        is_veto = item.get("is_veto", False)
        if not isinstance(is_veto, bool):
            raise ServiceError(Code.INVALID, _("一票否决须为是或否"), field=f"{field}.is_veto")
        cleaned.append({"name": name, "category": category, "points": points, "is_veto": is_veto})
    if not sum(i["points"] for i in cleaned):
        raise ServiceError(Code.INVALID, _("评分项的分值合计必须大于 0"), field="items")
    return cleaned


def _next_code() -> str:
    number = (Scorecard.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    while Scorecard.objects.filter(code=f"QC{number:03d}").exists():
        number += 1
    return f"QC{number:03d}"


def _write_scorecard(
    actor: Actor | None, *, code: str, version: int, name: str, items: list[dict[str, Any]]
) -> Scorecard:
    card = Scorecard.objects.create(
        code=code, version=version, name=name, created_by=user_of(actor)
    )
    ScorecardItem.objects.bulk_create(
        ScorecardItem(scorecard=card, position=n, **item) for n, item in enumerate(items, 1)
    )
    return card


@transaction.atomic
def create_scorecard(actor: Actor | None, *, name: str, items: list[Any]) -> Scorecard:
    """A new scorecard (version 1). Quality staff, supervisors, admins; INVALID naming the
    field (an item as ``items.N.field``)."""
    access.require_define(actor)
    name = clean_text(name, "name", limit=60, required=True, message=_("请填写评分表名称"))
    card = _write_scorecard(actor, code=_next_code(), version=1, name=name, items=_items(items))
    record_audit(
        actor=actor, action="quality.scorecard.create", obj=card, detail={"code": card.code}
    )
    return card


def _active_card(scorecard_id: int, *, for_update: bool) -> Scorecard:
    if not isinstance(scorecard_id, int) or not 0 < scorecard_id < 2**62:
        raise ServiceError(Code.NOT_FOUND, _("评分表不存在"))
    rows = Scorecard.objects.select_for_update() if for_update else Scorecard.objects.all()
    card = rows.filter(pk=scorecard_id).first()
    if card is None:
        raise ServiceError(Code.NOT_FOUND, _("评分表不存在"))
    return card


@transaction.atomic
def revise_scorecard(
    actor: Actor | None, scorecard_id: int, *, name: str, items: list[Any]
) -> Scorecard:
    """The scorecard's next version; the revised one is superseded and stays as it was."""
    access.require_define(actor)
    old = _active_card(scorecard_id, for_update=True)
    if old.status != Scorecard.Status.ACTIVE:
        raise ServiceError(Code.INVALID_TRANSITION, _("只能修订在用的评分表"))
    name = clean_text(name, "name", limit=60, required=True, message=_("请填写评分表名称"))
    cleaned = _items(items)
    old.status = Scorecard.Status.SUPERSEDED
    old.save(update_fields=["status"])
    card = _write_scorecard(actor, code=old.code, version=old.version + 1, name=name, items=cleaned)
    record_audit(
        actor=actor,
        action="quality.scorecard.revise",
        obj=card,
        detail={"code": card.code, "from": old.pk, "version": card.version},
    )
    return card


@transaction.atomic
def retire_scorecard(actor: Actor | None, scorecard_id: int) -> Scorecard:
    access.require_define(actor)
    card = _active_card(scorecard_id, for_update=True)
    if card.status != Scorecard.Status.ACTIVE:
        raise ServiceError(Code.INVALID_TRANSITION, _("只能停用在用的评分表"))
    card.status = Scorecard.Status.RETIRED
    card.save(update_fields=["status"])
    record_audit(actor=actor, action="quality.scorecard.retire", obj=card)
    return card


# ------------------------------------------------------------------------------ sampling


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period (``week`` from Monday, ``month`` from the 1st) holding ``day``: [start, end)."""
    if period == Period.MONTH:
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        return start, end
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=7)


def last_period(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last period that has ended by ``today``."""
    start, _end = period_bounds(period, today)
    return period_bounds(period, start - dt.timedelta(days=1))


def seed_of(period: str, start: dt.date) -> int:
    """The period's seed: the same period draws the same sample from the same rows."""
    digest = hashlib.sha256(f"kefu.quality:{period}:{start.isoformat()}".encode()).hexdigest()
    return int(digest[:12], 16)


def random_quota(total: int, *, share_percent: int, minimum: int) -> int:
    """How many of an agent's ``total`` rows the random share asks for: the share rounded up,
    at least ``minimum`` (never more than there are)."""
    return min(total, max(minimum, math.ceil(total * share_percent / 100)))


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@dataclass(frozen=True)
class Pick:
    agent_id: int
    reason: str
    ticket_id: int | None = None
    call_id: int | None = None


def plan_sample(rules: QualitySettings, start: dt.date, end: dt.date, seed: int) -> list[Pick]:
    """What the period's draw picks, without writing: per agent (role 坐席) the targeted
    tickets (complaints, breached time limits, low survey scores — each once, under the first
    of those reasons), then a random ``random_quota`` of their tickets drawn from the others,
    and of their answered calls."""
    since, until = _moment(start), _moment(end)
    tickets = (
        Ticket.objects.filter(
            created_by__staff__role=Role.AGENT,
            received_at__gte=since,
            received_at__lt=until,
            merged_into=None,
        )
        .exclude(status=TicketStatus.CANCELLED)
        .order_by("pk")
    )
    own: dict[int, list[int]] = {}
    for pk, agent_id in tickets.values_list("pk", "created_by_id"):
        own.setdefault(agent_id, []).append(pk)
    targeted: dict[int, str] = {}
    if rules.complaints:
        for pk in tickets.filter(complaint__isnull=False).values_list("pk", flat=True):
            targeted.setdefault(pk, Reason.COMPLAINT)
    if rules.breached:
        late = Deadline.objects.filter(
            state__in=[Deadline.State.BREACHED, Deadline.State.LATE]
        ).values("ticket_id")
        for pk in tickets.filter(pk__in=late).values_list("pk", flat=True):
            targeted.setdefault(pk, Reason.BREACHED)
    if rules.low_scores:
        low = Survey.objects.filter(
            state=Survey.State.ANSWERED, score__lte=rules.low_score_max
        ).values("ticket_id")
        for pk in tickets.filter(pk__in=low).values_list("pk", flat=True):
            targeted.setdefault(pk, Reason.LOW_SCORE)
    calls: dict[int, list[int]] = {}
    if rules.include_calls:
        rows = CallRecord.objects.filter(
            agent__staff__role=Role.AGENT,
            answered_at__isnull=False,
            started_at__gte=since,
            started_at__lt=until,
        ).order_by("pk")
        for pk, agent_id in rows.values_list("pk", "agent_id"):
            calls.setdefault(agent_id, []).append(pk)
    rng = random.Random(seed)
    picks: list[Pick] = []
    for agent_id in sorted(set(own) | set(calls)):
        mine = own.get(agent_id, [])
        picks += [Pick(agent_id, targeted[pk], ticket_id=pk) for pk in mine if pk in targeted]
        rest = [pk for pk in mine if pk not in targeted]
        quota = random_quota(len(mine), share_percent=rules.share_percent, minimum=rules.minimum)
        picks += [
            Pick(agent_id, Reason.RANDOM, ticket_id=pk)
            for pk in sorted(rng.sample(rest, min(quota, len(rest))))
        ]
        heard = calls.get(agent_id, [])
        quota = random_quota(len(heard), share_percent=rules.share_percent, minimum=rules.minimum)
        picks += [
            Pick(agent_id, Reason.CALL, call_id=pk) for pk in sorted(rng.sample(heard, quota))
        ]
    return picks


def draw_sample(actor: Actor | None, *, day: dt.date | None = None) -> tuple[SampleDraw, bool]:
    """The sample of the period holding ``day`` (default: the last period that has ended),
    under the center's settings; (draw, True) when this call made it, (the draw made before,
    False) when it was made already — also when another worker makes it at the same time.
    The inspectors, or the system (``actor`` None). INVALID (field ``day``) for a period
    that has not ended yet."""
    if actor is not None:
        access.require_inspect(actor)
    rules = current_settings()
    today = timezone.localdate()
    if day is None:
        start, end = last_period(rules.period, today)
    else:
        start, end = period_bounds(rules.period, day)
        if end > today:
            raise ServiceError(Code.INVALID, _("只能抽取已结束的周期"), field="day")
    made = SampleDraw.objects.filter(period=rules.period, start=start).first()
    if made is not None:
        return made, False
    seed = seed_of(rules.period, start)
    try:
        with transaction.atomic():
            draw = SampleDraw.objects.create(
                period=rules.period,
                start=start,
                end=end,
                seed=seed,
                share_percent=rules.share_percent,
                minimum=rules.minimum,
                drawn_at=timezone.now(),
                drawn_by=user_of(actor),
            )
            picks = plan_sample(rules, start, end, seed)
            Sample.objects.bulk_create(
                Sample(
                    draw=draw,
                    agent_id=p.agent_id,
                    ticket_id=p.ticket_id,
                    call_id=p.call_id,
                    reason=p.reason,
                )
                for p in picks
            )
            record_audit(
                actor=actor,
                action="quality.sample.draw",
                obj=draw,
                detail={"period": rules.period, "start": start.isoformat(), "rows": len(picks)},
            )
    except IntegrityError:
        # Another worker drew this period at the same moment: theirs is the sample.
        return SampleDraw.objects.get(period=rules.period, start=start), False
    return draw, True


def draw_due_sample() -> int:
    """The worker's daily pass: the last ended period drawn if it was not (idempotent)."""
    draw, created = draw_sample(None)
    return draw.samples.count() if created else 0


# ------------------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class Scored:
    marks: list[dict[str, Any]]
    points: int
    max_points: int
    vetoed: bool
    score: int


def score(items: list[ScorecardItem], marks: Any) -> Scored:
    """Each item marked once (``marks``: position, passed and/or points, comment). An item's
    points are those given (0 to its weight) or, given only pass/fail, its weight or 0. A
    failed 一票否决 item makes the score 0; else the score is the points over the weights
    in percent, rounded half up. INVALID naming ``marks.N`` otherwise."""
    if not isinstance(marks, list):
        raise ServiceError(Code.INVALID, _("请为每个评分项打分"), field="marks")
    by_position: dict[int, tuple[int, dict[str, Any]]] = {}
    for n, mark in enumerate(marks):
        position = mark.get("position") if isinstance(mark, dict) else None
        if not isinstance(position, int) or isinstance(position, bool):
            raise ServiceError(Code.INVALID, _("评分项序号不正确"), field=f"marks.{n}.position")
        if position in by_position:
            raise ServiceError(Code.INVALID, _("评分项重复打分"), field=f"marks.{n}.position")
        by_position[position] = (n, mark)
    known = {item.position for item in items}
    for position, (n, _mark) in by_position.items():
        if position not in known:
            raise ServiceError(Code.INVALID, _("评分项不存在"), field=f"marks.{n}.position")
    out: list[dict[str, Any]] = []
    points = 0
    vetoed = False
    for item in items:
        if item.position not in by_position:
            raise ServiceError(
                Code.INVALID,
                _("请为评分项“%s”打分") % item.name,
                field=f"marks.{len(marks)}.position",
            )
        n, mark = by_position[item.position]
        given, passed = mark.get("points"), mark.get("passed")
        if passed is not None and not isinstance(passed, bool):
            raise ServiceError(Code.INVALID, _("请选择合格或不合格"), field=f"marks.{n}.passed")
        if given is None:
            if passed is None:
                raise ServiceError(
                    Code.INVALID, _("请选择合格或不合格,或填写得分"), field=f"marks.{n}.passed"
                )
            awarded = item.points if passed else 0
        else:
            awarded = whole_in(given, f"marks.{n}.points", low=0, high=item.points)
            if passed is None:
                passed = awarded == item.points
        if item.is_veto and not passed:
            vetoed = True
        comment = clean_text(
            mark.get("comment") if isinstance(mark.get("comment"), str) else "",
            f"marks.{n}.comment",
            limit=200,
        )
        points += awarded
        out.append(
            {
                "position": item.position,
                "name": item.name,
                "category": item.category,
                "points": item.points,
                "is_veto": item.is_veto,
                "passed": passed,
                "awarded": awarded,
                "comment": comment,
            }
        )
    top = sum(item.points for item in items)
    total = 0 if vetoed or not top else (200 * points + top) // (2 * top)
    return Scored(out, points, top, vetoed, total)


def _name(user: Any) -> str:
    staff = getattr(user, "staff", None)
    return staff.display_name if staff is not None else user.get_username()


@transaction.atomic
def inspect_sample(
    actor: Actor | None,
    sample_id: int,
    *,
    scorecard_id: int,
    marks: list[Any],
    comment: str = "",
) -> Inspection:
    """Score a pending sample on an active scorecard. CONFLICT when it was scored already;
    INVALID naming the field for a retired or superseded scorecard or bad marks. The agent
    is told (quality.inspected)."""
    sample = access.access_sample(actor, sample_id, for_update=True)
    if sample.status != Sample.Status.PENDING:
        raise ServiceError(Code.CONFLICT, _("此样本已质检"))
    if not isinstance(scorecard_id, int) or not 0 < scorecard_id < 2**62:
        raise ServiceError(Code.INVALID, _("请选择评分表"), field="scorecard")
    card = Scorecard.objects.filter(pk=scorecard_id, status=Scorecard.Status.ACTIVE).first()
    if card is None:
        raise ServiceError(Code.INVALID, _("请选择在用的评分表"), field="scorecard")
    result = score(list(card.items.order_by("position")), marks)
    comment = clean_text(comment, "comment", limit=1000)
    now = timezone.now()
    inspection = Inspection.objects.create(
        sample=sample,
        scorecard=card,
        agent_id=sample.agent_id,
        inspector=signed_in(actor),
        points=result.points,
        max_points=result.max_points,
        vetoed=result.vetoed,
        inspector_score=result.score,
        score=result.score,
        comment=comment,
        inspected_at=now,
    )
    Mark.objects.bulk_create(Mark(inspection=inspection, **m) for m in result.marks)
    sample.status = Sample.Status.INSPECTED
    sample.save(update_fields=["status"])
    notify_users(
        INSPECTED_EVENT,
        users=[sample.agent],
        context={
            "serial": sample.ticket.serial if sample.ticket else f"#{inspection.pk}",
            "title": _("质检结果"),
            "path": f"/quality/inspections/{inspection.pk}/",
            "score": str(result.score),
        },
        key=f"{INSPECTED_EVENT}:{inspection.pk}",
    )
    record_audit(
        actor=actor,
        action="quality.inspection.score",
        obj=inspection,
        detail={
            "sample": sample.pk,
            "scorecard": card.pk,
            "score": result.score,
            "vetoed": result.vetoed,
        },
    )
    return inspection


# ------------------------------------------------------------------------------ send-backs


@transaction.atomic
def send_back(
    actor: Actor | None,
    inspection_id: int,
    *,
    to: str,
    required_fix: str,
    due_at: dt.datetime,
    department_id: int | None = None,
) -> SendBack:
    """整改: send the inspected work back to its agent (``to`` = agent) or a department
    (``to`` = department, ``department_id``) with the fix required and a due time in the
    future. One open send-back per inspection (CONFLICT). Recipients are told."""
    access.require_inspect(actor)
    inspection = access.access_inspection(actor, inspection_id, for_update=True)
    fix = clean_text(
        required_fix, "required_fix", limit=1000, required=True, message=_("请填写整改要求")
    )
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        raise ServiceError(Code.INVALID, _("请填写整改期限"), field="due_at")
    now = timezone.now()
    if due_at <= now:
        raise ServiceError(Code.INVALID, _("整改期限必须晚于现在"), field="due_at")
    to_user, department = None, None
    if to == "agent":
        to_user = inspection.agent
        recipients = [to_user]
    elif to == "department":
        department = (
            Department.objects.filter(pk=department_id, is_active=True).first()
            if isinstance(department_id, int) and 0 < department_id < 2**62
            else None
        )
        if department is None:
            raise ServiceError(Code.INVALID, _("请选择整改部门"), field="department")
        recipients = list(
            get_user_model().objects.filter(
                is_active=True,
                staff__department=department,
                staff__role__in=[Role.DEPT_HANDLER, Role.DEPT_HEAD],
            )
        )
    else:
        raise ServiceError(Code.INVALID, _("请选择退回给坐席或部门"), field="to")
    if inspection.send_backs.filter(status=SendBack.Status.OPEN).exists():
        raise ServiceError(Code.CONFLICT, _("此质检已有待整改的退回"))
    row = SendBack.objects.create(
        inspection=inspection,
        to_user=to_user,
        to_department=department,
        required_fix=fix,
        due_at=due_at,
        created_by=signed_in(actor),
        created_at=now,
    )
    ticket = inspection.sample.ticket
    notify_users(
        SEND_BACK_EVENT,
        users=recipients,
        context={
            "serial": ticket.serial if ticket else f"#{inspection.pk}",
            "title": _("质检整改"),
            "path": f"/quality/send-backs/{row.pk}/",
            "fix": fix[:60],
            "due": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"),
        },
        key=f"{SEND_BACK_EVENT}:{row.pk}",
    )
    record_audit(
        actor=actor,
        action="quality.send_back.create",
        obj=row,
        detail={"inspection": inspection.pk, "to": to, "department": department_id},
    )
    return row


@transaction.atomic
def record_fix(actor: Actor | None, send_back_id: int, *, note: str) -> SendBack:
    """The recipient (the agent, or the department's staff) records the fix, once; a late fix
    is recorded and stays visibly late (fixed_at after due_at)."""
    row = access.access_send_back(actor, send_back_id, for_update=True)
    if not access.is_recipient(actor, row):
        raise ServiceError(Code.FORBIDDEN, _("只有整改责任人可以填写整改结果"))
    if row.status != SendBack.Status.OPEN:
        raise ServiceError(Code.INVALID_TRANSITION, _("此整改已完成"))
    row.fix_note = clean_text(note, "note", limit=1000, required=True, message=_("请填写整改说明"))
    row.status = SendBack.Status.FIXED
    row.fixed_by = signed_in(actor)
    row.fixed_at = timezone.now()
    row.save(update_fields=["fix_note", "status", "fixed_by", "fixed_at"])
    record_audit(
        actor=actor,
        action="quality.send_back.fix",
        obj=row,
        detail={"late": row.fixed_at > row.due_at},
    )
    return row


# ------------------------------------------------------------------------------ appeals


@transaction.atomic
def file_appeal(actor: Actor | None, inspection_id: int, *, reason: str) -> Appeal:
    """The inspection's agent appeals it, once (CONFLICT the second time)."""
    inspection = access.access_inspection(actor, inspection_id, for_update=True)
    if actor is None or inspection.agent_id != actor.pk:
        raise ServiceError(Code.FORBIDDEN, _("只能申诉自己的质检结果"))
    text = clean_text(reason, "reason", limit=1000, required=True, message=_("请填写申诉理由"))
    if Appeal.objects.filter(inspection=inspection).exists():
        raise ServiceError(Code.CONFLICT, _("每次质检只能申诉一次"))
    appeal = Appeal.objects.create(
        inspection=inspection,
        agent_id=inspection.agent_id,
        reason=text,
        filed_at=timezone.now(),
        original_score=inspection.score,
    )
    inspection.status = Inspection.Status.APPEALED
    inspection.save(update_fields=["status"])
    record_audit(
        actor=actor, action="quality.appeal.file", obj=appeal, detail={"inspection": inspection.pk}
    )
    return appeal


@transaction.atomic
def decide_appeal(
    actor: Actor | None,
    appeal_id: int,
    *,
    outcome: str,
    score: int | None = None,
    note: str = "",
) -> Appeal:
    """The team lead of the agent's branch (or a supervisor, an admin) decides a pending
    appeal: ``upheld`` — the score stands; ``accepted`` — ``score`` (0–100) replaces the
    inspector's, which stays on the inspection and the appeal. The agent is told."""
    appeal = access.access_appeal(actor, appeal_id, for_update=True)
    agent_branch = appeal.agent.staff.branch_id if hasattr(appeal.agent, "staff") else None
    if not access.may_decide(actor, agent_branch):
        raise ServiceError(Code.FORBIDDEN, _("只有坐席所在班组的班长、主管或管理员可以裁定申诉"))
    if appeal.status != Appeal.Status.PENDING:
        raise ServiceError(Code.INVALID_TRANSITION, _("此申诉已裁定"))
    if outcome not in (Appeal.Status.UPHELD, Appeal.Status.ACCEPTED):
        raise ServiceError(Code.INVALID, _("请选择维持原评分或申诉成立"), field="outcome")
    text = clean_text(note, "note", limit=1000)
    inspection = Inspection.objects.select_for_update().get(pk=appeal.inspection_id)
    if outcome == Appeal.Status.ACCEPTED:
        if score is None:
            raise ServiceError(Code.INVALID, _("申诉成立时请填写裁定得分"), field="score")
        decided = whole_in(score, "score", low=0, high=100)
        appeal.decided_score = decided
        inspection.score = decided
    else:
        appeal.decided_score = inspection.score
    appeal.status = outcome
    appeal.decided_by = signed_in(actor)
    appeal.decided_at = timezone.now()
    appeal.decision_note = text
    appeal.save(
        update_fields=["status", "decided_score", "decided_by", "decided_at", "decision_note"]
    )
    inspection.status = Inspection.Status.FINAL
    inspection.save(update_fields=["status", "score"])
    notify_users(
        APPEAL_EVENT,
        users=[appeal.agent],
        context={
            "serial": f"#{inspection.pk}",
            "title": _("质检申诉"),
            "path": f"/quality/inspections/{inspection.pk}/",
            "outcome": str(Appeal.Status(outcome).label),
            "score": str(inspection.score),
        },
        key=f"{APPEAL_EVENT}:{appeal.pk}",
    )
    record_audit(
        actor=actor,
        action="quality.appeal.decide",
        obj=appeal,
        detail={
            "outcome": outcome,
            "from": appeal.original_score,
            "to": inspection.score,
        },
    )
    return appeal
