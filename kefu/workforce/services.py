"""Rosters (排班): shift templates, agents' wishes, and rosters made by the solver from the
seat plan (kefu.telephony.planning), published for the agents to see.

Who: team leads, supervisors and admins plan (templates, rosters); every center member sets
their own wishes and sees their own published shifts.

What a roster covers, per half-hour slot: the agents to schedule for the seats Erlang C asks
(after shrinkage), plus a reserve on top (``reserve_percent`` of it, rounded up, at least one
seat where any is needed) and, on a statutory holiday (法定节假日), ``festival_spare`` spare
seats through the day hours (outside KEFU_NIGHT_HOURS).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.calendar import WorkingCalendar, describe_day, start_of_day
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit
from kefu.telephony import planning
from kefu.telephony.floor import may_lead_floor
from kefu.workforce import solver, tasks
from kefu.workforce.models import AgentWish, Leave, Roster, RosterShift, ShiftTemplate

logger = logging.getLogger(__name__)

MAX_WEEKS = 4
SLOTS = solver.SLOTS_PER_DAY
# Who is rostered onto the phones by default.
ROSTERED_ROLES = (Role.AGENT,)


def may_plan(actor) -> bool:
    return may_lead_floor(actor)


def require_planner(actor) -> None:
    if not may_lead_floor(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、主管和管理员可以排班"))


# --- shift templates ------------------------------------------------------------------


def parse_clock(text: str, *, field: str) -> dt.time:
    """'HH:MM' on a whole half hour."""
    try:
        value = dt.time.fromisoformat((text or "").strip())
    except ValueError:
        raise ServiceError(Code.INVALID, _("时间格式应为 HH:MM"), field=field) from None
    if value.minute % solver.SLOT_MINUTES or value.second or value.microsecond:
        raise ServiceError(Code.INVALID, _("时间须为整点或半点"), field=field)
    return value


def create_template(
    actor, *, code: str, name: str, start: str, minutes: int, is_night: bool = False
) -> ShiftTemplate:
    """A new shift template (班次): a code (A, B, 夜…), a name, a start on the half hour and a
    length of whole half hours from 2 to 12 hours."""
    require_planner(actor)
    code = clean_text(code, field="code", limit=8, required=True)
    name = clean_text(name, field="name", limit=40, required=True)
    begins = parse_clock(start, field="start")
    if not 120 <= minutes <= 720 or minutes % solver.SLOT_MINUTES:
        raise ServiceError(
            Code.INVALID, _("班次时长须为 2 到 12 小时,以半小时为单位"), field="minutes"
        )
    with transaction.atomic():
        if ShiftTemplate.objects.filter(code=code).exists():
            raise ServiceError(Code.CONFLICT, _("班次代码已存在"), field="code")
        template = ShiftTemplate.objects.create(
            code=code, name=name, start=begins, minutes=minutes, is_night=is_night
        )
        record_audit(
            actor=actor,
            action="shift_template.create",
            obj=template,
            detail={"code": code, "start": start, "minutes": minutes, "night": is_night},
        )
    return template


def list_templates(actor):
    """Every shift template, active and retired, by start (planners)."""
    require_planner(actor)
    return ShiftTemplate.objects.all()


def set_template_active(actor, template_id: int, active: bool) -> ShiftTemplate:
    """Retire a template (停用: new rosters leave it out; old ones keep it) or bring it back."""
    require_planner(actor)
    with transaction.atomic():
        template = ShiftTemplate.objects.select_for_update().filter(pk=template_id).first()
        if template is None:
            raise ServiceError(Code.NOT_FOUND, _("班次不存在"))
        if template.is_active != active:
            template.is_active = active
            template.save(update_fields=["is_active"])
            record_audit(
                actor=actor,
                action="shift_template.activate" if active else "shift_template.retire",
                obj=template,
            )
    return template


def _as_shift(template: ShiftTemplate) -> solver.Shift:
    return solver.Shift(
        key=str(template.pk),
        start_minute=template.start.hour * 60 + template.start.minute,
        minutes=template.minutes,
        night=template.is_night,
    )


# --- wishes ---------------------------------------------------------------------------


def wish_of(user) -> AgentWish:
    """The user's wishes (unsaved and empty when none were given)."""
    return AgentWish.objects.filter(user=user).first() or AgentWish(user=user)


def set_wish(user, *, weekdays_off: Sequence[int], no_night: bool) -> AgentWish:
    """The user's own wishes for rosters: at most two weekdays off (0 = Monday … 6 = Sunday)
    and whether to be spared night shifts. Honoured where the seats allow."""
    if not scope_of(user).is_center:
        raise ServiceError(Code.FORBIDDEN, _("只有客服中心人员可以填写排班意愿"))
    days = sorted(set(weekdays_off))
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
        raise ServiceError(Code.INVALID, _("星期须为 0(周一)到 6(周日)"), field="weekdays_off")
    if len(days) > 2:
        raise ServiceError(Code.INVALID, _("最多选两天希望休息"), field="weekdays_off")
    with transaction.atomic():
        wish, _created = AgentWish.objects.update_or_create(
            user=user, defaults={"weekdays_off": days, "no_night": no_night}
        )
        record_audit(
            actor=user,
            action="roster_wish.set",
            obj=wish,
            detail={"weekdays_off": days, "no_night": no_night},
        )
    return wish


# --- rosters --------------------------------------------------------------------------


def rosterable_users():
    """Active staff who take calls (坐席), by 工号."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff__role__in=ROSTERED_ROLES)
        .select_related("staff")
        .order_by("staff__employee_no")
    )


@dataclass(frozen=True)
class RosterRequest:
    first_day: dt.date
    weeks: int
    members: list
    templates: list[ShiftTemplate]


def _check_request(
    first_day: str | dt.date | None,
    weeks: int,
    member_ids: Sequence[int] | None,
    template_ids: Sequence[int] | None,
) -> RosterRequest:
    try:
        day = first_day if isinstance(first_day, dt.date) else planning.parse_day(first_day)
    except ServiceError as exc:
        raise ServiceError(exc.code, exc.detail, field="first_day") from None
    if day < timezone.localdate():
        raise ServiceError(Code.INVALID, _("开始日期不能早于今天"), field="first_day")
    if not 1 <= weeks <= MAX_WEEKS:
        raise ServiceError(Code.INVALID, _("周数须为 1 到 %(n)d") % {"n": MAX_WEEKS}, field="weeks")
    candidates = rosterable_users()
    if member_ids:
        wanted = set(member_ids)
        members = [u for u in candidates if u.pk in wanted]
        if len(members) != len(wanted):
            raise ServiceError(Code.INVALID, _("排班人员须为在职坐席"), field="member_ids")
    else:
        members = list(candidates)
    if not members:
        raise ServiceError(Code.INVALID, _("没有可排班的坐席"), field="member_ids")
    active = ShiftTemplate.objects.filter(is_active=True)
    if template_ids:
        wanted = set(template_ids)
        templates = list(active.filter(pk__in=wanted))
        if len(templates) != len(wanted):
            raise ServiceError(Code.INVALID, _("班次须为启用中的班次"), field="template_ids")
    else:
        templates = list(active)
    if not templates:
        raise ServiceError(Code.INVALID, _("请先设置班次"), field="template_ids")
    return RosterRequest(day, weeks, members, templates)


def _bounded(value: int, low: int, high: int, field: str) -> int:
    if not low <= value <= high:
        raise ServiceError(
            Code.INVALID,
            _("取值须在 %(low)d 到 %(high)d 之间") % {"low": low, "high": high},
            field=field,
        )
    return value


def create_roster(
    actor,
    *,
    first_day: str | dt.date | None,
    weeks: int,
    member_ids: Sequence[int] | None = None,
    template_ids: Sequence[int] | None = None,
    reserve_percent: int = 10,
    festival_spare: int = 5,
    max_week_hours: int = 40,
    min_rest_hours: int = 12,
    days_off_per_week: int = 2,
    time_limit_seconds: int = 45,
    note: str = "",
) -> Roster:
    """Ask for a roster of ``weeks`` weeks from ``first_day`` (empty: tomorrow); the solver
    makes it in the background (计算中 → 待发布). Planners only. Members default to every
    active agent, templates to every active shift."""
    require_planner(actor)
    request = _check_request(first_day, weeks, member_ids, template_ids)
    reserve_percent = _bounded(reserve_percent, 0, 100, "reserve_percent")
    festival_spare = _bounded(festival_spare, 0, 50, "festival_spare")
    max_week_hours = _bounded(max_week_hours, 8, 60, "max_week_hours")
    min_rest_hours = _bounded(min_rest_hours, 0, 24, "min_rest_hours")
    days_off_per_week = _bounded(days_off_per_week, 0, 6, "days_off_per_week")
    time_limit_seconds = _bounded(time_limit_seconds, 1, 600, "time_limit_seconds")
    note = clean_text(note, field="note", limit=200)
    with transaction.atomic():
        roster = Roster.objects.create(
            first_day=request.first_day,
            weeks=request.weeks,
            reserve_percent=reserve_percent,
            festival_spare=festival_spare,
            max_week_hours=max_week_hours,
            min_rest_hours=min_rest_hours,
            days_off_per_week=days_off_per_week,
            time_limit_seconds=time_limit_seconds,
            note=note,
            created_by=actor,
            created_at=timezone.now(),
        )
        roster.members.set(request.members)
        roster.templates.set(request.templates)
        record_audit(
            actor=actor,
            action="roster.create",
            obj=roster,
            detail={
                "first_day": request.first_day.isoformat(),
                "weeks": request.weeks,
                "members": len(request.members),
            },
        )
        transaction.on_commit(lambda: _enqueue(roster.pk))
    return roster


def _enqueue(roster_id: int) -> None:
    try:
        tasks.solve_roster_task(roster_id)
    except Exception:  # noqa: BLE001 - the sweep marks what never ran
        logger.exception("could not queue roster %s", roster_id)


STALLED_AFTER = dt.timedelta(minutes=15)


def fail_stalled_rosters() -> int:
    """Rosters still 计算中 long after their time limit (the worker stopped): marked failed,
    for the planner to ask again."""
    cutoff = timezone.now() - STALLED_AFTER
    return Roster.objects.filter(status=Roster.Status.SOLVING, created_at__lt=cutoff).update(
        status=Roster.Status.FAILED, error=_("计算中断,请重新排班")
    )


def _day_hours() -> set[int]:
    """The half-hour slots outside the night (KEFU_NIGHT_HOURS)."""
    start, end = settings.TELEPHONY_NIGHT_FROM, settings.TELEPHONY_NIGHT_TO
    if start == end:
        return set(range(SLOTS))
    night = (
        {h for h in range(24) if (h >= start or h < end)} if start > end else set(range(start, end))
    )
    return {s for s in range(SLOTS) if s // 2 not in night}


def seats_asked(roster: Roster) -> tuple[list[int], list[int], list[int]]:
    """The seats needed per slot over the roster's days (from the seat plan), the reserve on
    top (the reserve share, and the festival spares on statutory holidays), and the seats
    needed the day after, which the last night shift runs into."""
    days = roster.weeks * 7
    plans = planning.plan_days(roster.created_by, roster.first_day, days + 1)
    calendar = WorkingCalendar()
    daytime = _day_hours()
    need: list[int] = []
    reserve: list[int] = []
    for plan in plans[:days]:
        festival = describe_day(calendar, plan.date, {}).kind == "holiday"
        for index, slot in enumerate(plan.slots):
            seats = slot.scheduled
            extra = math.ceil(seats * roster.reserve_percent / 100) if seats else 0
            if festival and index in daytime:
                extra += roster.festival_spare
            need.append(seats)
            reserve.append(extra)
    return need, reserve, [slot.scheduled for slot in plans[days].slots]


def _before(roster: Roster, members: list) -> tuple[list[int], dict[int, int]]:
    """What the published shifts before the roster still cover of its first slots, and when
    each member is free again (minutes from the roster's start, after the rest)."""
    start = start_of_day(roster.first_day)
    carry = [0] * SLOTS
    free_from: dict[int, int] = {}
    rest = dt.timedelta(hours=roster.min_rest_hours)
    earlier = list(
        RosterShift.objects.filter(
            roster__status=Roster.Status.PUBLISHED,
            day__lt=roster.first_day,
            ends_at__gt=start - rest,
        )
    )
    member_ids = {u.pk for u in members}
    # A shift on a day of approved leave is not worked: it covers nothing, needs no rest.
    away = approved_days(
        {s.user_id for s in earlier}, roster.first_day - dt.timedelta(days=2), roster.first_day
    )
    for shift in earlier:
        if shift.day in away.get(shift.user_id, ()):
            continue
        if shift.ends_at > start:
            last = min(SLOTS, math.ceil((shift.ends_at - start).total_seconds() / 1800))
            for t in range(last):
                carry[t] += 1
        if shift.user_id in member_ids:
            minutes = math.ceil((shift.ends_at + rest - start).total_seconds() / 60)
            free_from[shift.user_id] = max(free_from.get(shift.user_id, 0), minutes)
    return carry, free_from


def solve_roster(roster_id: int) -> Roster:
    """Make the roster asked for (the background task): read the seats, run the solver, write
    the shifts. A roster no longer 计算中 is left as it is."""
    roster = Roster.objects.select_related("created_by").filter(pk=roster_id).first()
    if roster is None:
        raise ServiceError(Code.NOT_FOUND, _("排班表不存在"))
    if roster.status != Roster.Status.SOLVING:
        return roster
    members = list(roster.members.order_by("staff__employee_no"))
    templates = list(roster.templates.all())
    try:
        need, reserve, after = seats_asked(roster)
        carry, free_from = _before(roster, members)
        days = roster.weeks * 7
        wishes = {w.user_id: w for w in AgentWish.objects.filter(user__in=members)}
        last_day = roster.first_day + dt.timedelta(days=days - 1)
        away = approved_days([u.pk for u in members], roster.first_day, last_day)
        agents = [
            _agent(roster, u, wishes.get(u.pk), free_from.get(u.pk, 0), away.get(u.pk, set()))
            for u in members
        ]
        result = solver.solve(
            need,
            agents,
            [_as_shift(t) for t in templates],
            reserve=reserve,
            carry_in=carry,
            after=after,
            rules=solver.Rules(
                max_week_minutes=roster.max_week_hours * 60,
                min_rest_minutes=roster.min_rest_hours * 60,
                days_off_per_week=roster.days_off_per_week,
            ),
            time_limit=roster.time_limit_seconds,
        )
        if days and result.status == "unknown":
            raise RuntimeError(_("在计算时限内未能排出班表,请放宽条件或延长时限"))
    except Exception as exc:  # noqa: BLE001 - the roster says what went wrong
        logger.exception("roster %s could not be made", roster_id)
        Roster.objects.filter(pk=roster_id, status=Roster.Status.SOLVING).update(
            status=Roster.Status.FAILED, error=str(exc)[:300]
        )
        roster.refresh_from_db()
        return roster
    by_id = {str(t.pk): t for t in templates}
    rows = [
        shift_row(roster, user_id, roster.first_day + dt.timedelta(days=index), by_id[key])
        for (user_id, index), key in result.shifts.items()
    ]
    with transaction.atomic():
        locked = Roster.objects.select_for_update().get(pk=roster_id)
        if locked.status != Roster.Status.SOLVING:
            return locked
        RosterShift.objects.bulk_create(rows)
        locked.need = _by_day(need)
        locked.reserve = _by_day(reserve)
        locked.covered = _by_day(result.covered)
        locked.solver_status = result.status
        locked.solve_seconds = round(result.seconds, 2)
        locked.wishes = result.wishes
        locked.wishes_honoured = result.wishes_honoured
        locked.status = Roster.Status.DRAFT
        locked.save()
    return locked


def shift_row(roster: Roster, user_id: int, day: dt.date, template: ShiftTemplate) -> RosterShift:
    """The (unsaved) shift of ``template`` on ``day``, with its start and end in time."""
    starts = start_of_day(day) + dt.timedelta(
        hours=template.start.hour, minutes=template.start.minute
    )
    return RosterShift(
        roster=roster,
        user_id=user_id,
        day=day,
        template=template,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=template.minutes),
    )


def _by_day(values: list[int]) -> list[list[int]]:
    return [values[i : i + SLOTS] for i in range(0, len(values), SLOTS)]


def _agent(
    roster: Roster, user, wish: AgentWish | None, free_from: int, away: set[dt.date]
) -> solver.Agent:
    days = roster.weeks * 7
    wished: frozenset[int] = frozenset()
    if wish is not None and wish.weekdays_off:
        wished = frozenset(
            d
            for d in range(days)
            if (roster.first_day + dt.timedelta(days=d)).weekday() in wish.weekdays_off
        )
    return solver.Agent(
        key=user.pk,
        wished_off_days=wished,
        avoids_night=bool(wish and wish.no_night),
        free_from=free_from,
        away_days=frozenset((day - roster.first_day).days for day in away),
    )


def approved_days(
    user_ids: Iterable[int], first: dt.date, last: dt.date
) -> dict[int, set[dt.date]]:
    """Each user's days of approved leave between ``first`` and ``last``: one query."""
    days: dict[int, set[dt.date]] = {}
    for leave in Leave.objects.filter(
        user_id__in=list(user_ids),
        status=Leave.Status.APPROVED,
        first_day__lte=last,
        last_day__gte=first,
    ):
        day = max(leave.first_day, first)
        while day <= min(leave.last_day, last):
            days.setdefault(leave.user_id, set()).add(day)
            day += dt.timedelta(days=1)
    return days


def _locked(roster_id: int) -> Roster:
    roster = Roster.objects.select_for_update().filter(pk=roster_id).first()
    if roster is None:
        raise ServiceError(Code.NOT_FOUND, _("排班表不存在"))
    return roster


def publish_roster(actor, roster_id: int) -> Roster:
    """Publish a draft (发布): the agents see their shifts. A published roster sharing any of
    its days is superseded (已被替代) and its shifts no longer count."""
    require_planner(actor)
    now = timezone.now()
    with transaction.atomic():
        roster = _locked(roster_id)
        if roster.status != Roster.Status.DRAFT:
            raise ServiceError(Code.CONFLICT, _("只有待发布的排班表可以发布"))
        last_day = roster.first_day + dt.timedelta(days=roster.weeks * 7 - 1)
        older = [
            r
            for r in Roster.objects.select_for_update().filter(
                status=Roster.Status.PUBLISHED, first_day__lte=last_day
            )
            if r.first_day + dt.timedelta(days=r.weeks * 7) > roster.first_day
        ]
        for old in older:
            old.status = Roster.Status.SUPERSEDED
            old.closed_by = actor
            old.closed_at = now
            old.save(update_fields=["status", "closed_by", "closed_at"])
            record_audit(actor=actor, action="roster.supersede", obj=old, detail={"by": roster.pk})
        roster.status = Roster.Status.PUBLISHED
        roster.published_by = actor
        roster.published_at = now
        roster.save(update_fields=["status", "published_by", "published_at"])
        record_audit(
            actor=actor,
            action="roster.publish",
            obj=roster,
            detail={"superseded": [r.pk for r in older]},
        )
    return roster


def discard_roster(actor, roster_id: int, *, reason: str = "") -> Roster:
    """Discard (作废) a roster that was not published; it stays on the list."""
    require_planner(actor)
    reason = clean_text(reason, field="reason", limit=200)
    with transaction.atomic():
        roster = _locked(roster_id)
        if roster.status not in (Roster.Status.DRAFT, Roster.Status.FAILED, Roster.Status.SOLVING):
            raise ServiceError(Code.CONFLICT, _("已发布或已结束的排班表不能作废"))
        roster.status = Roster.Status.DISCARDED
        roster.closed_by = actor
        roster.closed_at = timezone.now()
        roster.save(update_fields=["status", "closed_by", "closed_at"])
        record_audit(actor=actor, action="roster.discard", obj=roster, detail={"reason": reason})
    return roster
