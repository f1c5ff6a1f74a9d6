"""Emergency staffing (应急增援), DOMAIN §8's ladder as live guidance to the floor.

By day, once more than 5 callers have waited for 5 minutes without a break, the supervisor is
told to bring in the floating experts; if it persists (5 more minutes each), 2–3 outbound
agents, then 2–3 quality staff. While more than 10 wait the ladder goes on: every step up to
the back office (2–3 back-office staff) at once, then longer shifts, then overtime computed
from the seats Erlang C needs beyond the agents on the phones — each after 5 more minutes.
At night (22:00–08:00) the first step is every non-phone person of every tier. The numbers
are settings (KEFU_LADDER_WAITING, KEFU_LADDER_MINUTES, KEFU_NIGHT_HOURS).

Once no more than 5 wait, the people are signed out in reverse order: the latest step first,
each confirmed by the supervisor; a step nobody answered is closed at once. Each step is
recorded (LadderStep) with whom it asked for, who answered it and who signed it out.

``check_ladder`` runs after each CTI event that can change the queue, and every minute.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.calendar import start_of_day
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit
from kefu.telephony.erlang import required_seats
from kefu.telephony.floor import (
    ON_PHONES,
    agents_on_phones,
    current_queue,
    floor_changed,
    may_lead_floor,
    require_floor_watcher,
)
from kefu.telephony.models import (
    AgentSpan,
    AgentState,
    CallRecord,
    LadderStep,
    LadderTier,
    LadderWatch,
)

Step = LadderStep.Step
DAY_STEPS = [
    Step.EXPERTS,
    Step.OUTBOUND,
    Step.QUALITY,
    Step.BACK_OFFICE,
    Step.LONGER_SHIFTS,
    Step.OVERTIME,
]
NIGHT_STEPS = [Step.NIGHT_ALL, Step.LONGER_SHIFTS, Step.OVERTIME]
# Steps taken only while more than KEFU_LADDER_WAITING's second number wait.
SURGE_STEPS = {Step.BACK_OFFICE, Step.LONGER_SHIFTS, Step.OVERTIME}
TIER_OF = {
    Step.EXPERTS: LadderTier.Tier.EXPERTS,
    Step.OUTBOUND: LadderTier.Tier.OUTBOUND,
    Step.QUALITY: LadderTier.Tier.QUALITY,
    Step.BACK_OFFICE: LadderTier.Tier.BACK_OFFICE,
}
# Handling time assumed for the overtime estimate before any call was answered today.
DEFAULT_AHT_SECONDS = 180
SLOT = dt.timedelta(minutes=30)


def is_night(moment: dt.datetime) -> bool:
    hour = timezone.localtime(moment).hour
    start, end = settings.TELEPHONY_NIGHT_FROM, settings.TELEPHONY_NIGHT_TO
    if start == end:
        return False
    return hour >= start or hour < end if start > end else start <= hour < end


def _gap() -> dt.timedelta:
    return dt.timedelta(minutes=settings.TELEPHONY_LADDER_MINUTES)


def check_ladder(now: dt.datetime | None = None) -> list[LadderStep]:
    """Look at the queue and move the ladder: raise the steps that are due, advise the next
    sign-out, close unanswered steps once the queue is back. Returns the steps changed.

    Reads only (four queries) unless something is to change: it runs on most CTI events."""
    now = now or timezone.now()
    waiting = current_queue(now).waiting
    busy = waiting > settings.TELEPHONY_LADDER_BUSY
    surge = waiting > settings.TELEPHONY_LADDER_SURGE
    seen = LadderWatch.objects.filter(pk=1).first()
    if seen is not None and _marks(seen, busy=busy, surge=surge, now=now) == _marks_of(seen):
        active = _active()
        if not _work(active, busy_since=seen.busy_since, busy=busy, surge=surge, now=now):
            return []  # nothing to write
    with transaction.atomic():
        watch = LadderWatch.objects.select_for_update().filter(pk=1).first()
        if watch is None:
            try:
                with transaction.atomic():
                    watch = LadderWatch.objects.create(pk=1)
            except IntegrityError:
                watch = LadderWatch.objects.select_for_update().get(pk=1)
        marks = _marks(watch, busy=busy, surge=surge, now=now)
        if marks != _marks_of(watch):
            watch.busy_since, watch.surge_since, watch.calm_since = marks
            watch.waiting = waiting
            watch.checked_at = now
            watch.save()
        active = _active(lock=True)
        changed = (
            _escalate(watch, active, waiting=waiting, surge=surge, now=now)
            if busy
            else _calm_down(active, now=now)
        )
        if changed:
            floor_changed()
    return changed


Marks = tuple[dt.datetime | None, dt.datetime | None, dt.datetime | None]


def _marks_of(watch: LadderWatch) -> Marks:
    return watch.busy_since, watch.surge_since, watch.calm_since


def _marks(watch: LadderWatch, *, busy: bool, surge: bool, now: dt.datetime) -> Marks:
    """Since when the queue has been above 5, above 10, and no more than 5, after this look."""
    return (
        (watch.busy_since or now) if busy else None,
        (watch.surge_since or now) if surge else None,
        None if busy else (watch.calm_since or now),
    )


def _active(*, lock: bool = False) -> list[LadderStep]:
    qs = LadderStep.objects.filter(signed_out_at__isnull=True).order_by("raised_at", "id")
    return list(qs.select_for_update() if lock else qs)


def _work(
    active: list[LadderStep],
    *,
    busy_since: dt.datetime | None,
    busy: bool,
    surge: bool,
    now: dt.datetime,
) -> bool:
    """Whether check_ladder has anything to change."""
    if busy:
        return any(s.sign_out_advised_at for s in active) or bool(
            _due(active, busy_since=busy_since, surge=surge, now=now)
        )
    answered = [s for s in active if s.answered_at is not None]
    return len(answered) < len(active) or (
        bool(answered) and not any(s.sign_out_advised_at for s in answered)
    )


def _due(
    active: list[LadderStep], *, busy_since: dt.datetime | None, surge: bool, now: dt.datetime
) -> list[Step]:
    """The steps to raise now (none, one, or — above 10 — every step up to the back office)."""
    if busy_since is None or now - busy_since < _gap():
        return []
    sequence = NIGHT_STEPS if is_night(now) else DAY_STEPS
    raised = {Step(step.step) for step in active}
    reached = max((sequence.index(s) for s in raised if s in sequence), default=-1)
    last = max((step.raised_at for step in active), default=None)
    due = [s for s in sequence[reached + 1 :] if s not in raised]
    if not due:
        return []
    if surge and Step.BACK_OFFICE in due:
        # More than 10 wait: every step up to the back office at once.
        return due[: due.index(Step.BACK_OFFICE) + 1]
    if last is not None and now - last < _gap():
        return []
    if due[0] in SURGE_STEPS and not surge:
        return []  # 5 < waiting ≤ 10: the ladder stops before the back office
    return due[:1]


def _escalate(
    watch: LadderWatch, active: list[LadderStep], *, waiting: int, surge: bool, now: dt.datetime
) -> list[LadderStep]:
    changed = []
    for step in active:  # the queue grew again: sign-out advice is withdrawn
        if step.sign_out_advised_at is not None:
            step.sign_out_advised_at = None
            step.save(update_fields=["sign_out_advised_at"])
            changed.append(step)
    batch = _due(active, busy_since=watch.busy_since, surge=surge, now=now)
    if batch:
        longest = current_queue(now).longest_wait_seconds
        for step_name in batch:
            changed.append(_raise(step_name, waiting=waiting, longest=longest, now=now))
    return changed


def _raise(step_name: str, *, waiting: int, longest: int, now: dt.datetime) -> LadderStep:
    people: list[dict[str, object]] = []
    seats_short = None
    if step_name in TIER_OF:
        people = _tier_people([TIER_OF[Step(step_name)]])
    elif step_name == Step.NIGHT_ALL:
        people = _tier_people(list(LadderTier.Tier), everyone=True)
    elif step_name == Step.LONGER_SHIFTS:
        people = _named(
            AgentState.objects.filter(state__in=ON_PHONES).values_list("user_id", flat=True)
        )
    elif step_name == Step.OVERTIME:
        seats_short = overtime_seats(now)
    return LadderStep.objects.create(
        step=step_name,
        raised_at=now,
        waiting=waiting,
        longest_wait_seconds=longest,
        people=people,
        seats_short=seats_short,
    )


def _named(user_ids) -> list[dict[str, object]]:
    users = (
        get_user_model()
        .objects.filter(pk__in=list(user_ids), is_active=True)
        .select_related("staff")
        .order_by("staff__employee_no", "username")
    )
    return [
        {"id": u.pk, "name": u.staff.display_name if hasattr(u, "staff") else u.get_username()}
        for u in users
    ]


def _tier_people(tiers: list[str], *, everyone: bool = False) -> list[dict[str, object]]:
    """The tiers' members not on the phones already: ``size`` of each tier (all when 0 or
    ``everyone``)."""
    on_phones = set(
        AgentState.objects.filter(state__in=ON_PHONES).values_list("user_id", flat=True)
    )
    chosen: list[int] = []
    for tier in LadderTier.objects.filter(tier__in=tiers).prefetch_related("members"):
        free = sorted(
            (m.pk for m in tier.members.all() if m.is_active and m.pk not in on_phones),
        )
        take = free if everyone or tier.size == 0 else free[: tier.size]
        chosen.extend(pk for pk in take if pk not in chosen)
    return _named(chosen)


def average_handling_seconds(now: dt.datetime, *, since: dt.datetime | None = None) -> float:
    """Talk plus wrap-up time per answered call since ``since`` (default: today's start);
    DEFAULT_AHT_SECONDS before any."""
    since = since or start_of_day(now)
    talk = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())
    row = CallRecord.objects.filter(answered_at__gte=since, ended_at__isnull=False).aggregate(
        talk=Avg(talk), n=Count("id")
    )
    if not row["n"]:
        return DEFAULT_AHT_SECONDS
    wrapups = AgentSpan.objects.filter(
        state=AgentState.State.WRAPUP, started_at__gte=since, ended_at__isnull=False
    ).aggregate(
        w=Avg(ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField()))
    )
    talk_seconds = row["talk"].total_seconds() if row["talk"] else 0.0
    wrap_seconds = wrapups["w"].total_seconds() if wrapups["w"] else 0.0
    return max(1.0, talk_seconds + wrap_seconds)


def overtime_seats(now: dt.datetime) -> int:
    """Seats Erlang C needs for the last half hour's calls (at today's handling time and the
    center's service level) beyond the agents on the phones now."""
    calls = (
        CallRecord.objects.filter(
            direction=CallRecord.Direction.IN, started_at__gte=now - SLOT, started_at__lte=now
        )
        .exclude(screening=CallRecord.Screening.REJECTED)
        .count()
    )
    needed = required_seats(
        calls,
        aht_seconds=average_handling_seconds(now),
        service_level=settings.TELEPHONY_SERVICE_PERCENT / 100,
        target_seconds=settings.TELEPHONY_SERVICE_SECONDS,
    ).seats
    return max(0, math.ceil(needed) - agents_on_phones())


def _calm_down(active: list[LadderStep], *, now: dt.datetime) -> list[LadderStep]:
    changed = []
    for step in active:
        if step.answered_at is None:
            # Nobody answered it and it is no longer needed.
            step.signed_out_at = now
            step.sign_out_note = _("排队已回落,未响应")
            step.save(update_fields=["signed_out_at", "sign_out_note"])
            changed.append(step)
    answered = [s for s in active if s.answered_at is not None]
    if answered and not any(s.sign_out_advised_at for s in answered):
        latest = answered[-1]
        latest.sign_out_advised_at = now
        latest.save(update_fields=["sign_out_advised_at"])
        changed.append(latest)
    return changed


def _require_lead(actor) -> None:
    if not may_lead_floor(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、主管和管理员可以处理应急增援"))


def _locked_active_step(step_id: int) -> LadderStep:
    """The step, locked for the transaction; 404 when there is none, 409 once signed out."""
    step = LadderStep.objects.select_for_update().filter(pk=step_id).first()
    if step is None:
        raise ServiceError(Code.NOT_FOUND, _("应急增援记录不存在"))
    if step.signed_out_at is not None:
        raise ServiceError(Code.CONFLICT, _("这一步已撤回"))
    return step


def answer_step(step_id: int, *, actor, note: str = "") -> LadderStep:
    """The supervisor answers a step (已安排): who, when, with a note (who was called)."""
    _require_lead(actor)
    note = clean_text(note, field="note", limit=200)
    with transaction.atomic():
        step = _locked_active_step(step_id)
        if step.answered_at is not None:
            raise ServiceError(Code.CONFLICT, _("这一步已有人响应"))
        step.answered_by = actor
        step.answered_at = timezone.now()
        step.answer_note = note
        step.save(update_fields=["answered_by", "answered_at", "answer_note"])
        record_audit(actor=actor, action="ladder.answer", obj=step, detail={"note": note})
        floor_changed()
    return step


def sign_out_step(step_id: int, *, actor, note: str = "") -> LadderStep:
    """Sign a step's people out (撤回). Only the latest active step: the ladder is signed
    out in reverse order."""
    _require_lead(actor)
    note = clean_text(note, field="note", limit=200)
    with transaction.atomic():
        step = _locked_active_step(step_id)
        latest = (
            LadderStep.objects.filter(signed_out_at__isnull=True)
            .order_by("-raised_at", "-id")
            .first()
        )
        if latest is not None and latest.pk != step.pk:
            raise ServiceError(
                Code.CONFLICT,
                _("请按相反顺序撤回:先撤回「%s」") % latest.get_step_display(),
            )
        step.signed_out_by = actor
        step.signed_out_at = timezone.now()
        step.sign_out_note = note
        step.save(update_fields=["signed_out_by", "signed_out_at", "sign_out_note"])
        record_audit(actor=actor, action="ladder.sign_out", obj=step, detail={"note": note})
        floor_changed()
    return step


def active_steps() -> list[LadderStep]:
    return list(
        LadderStep.objects.filter(signed_out_at__isnull=True)
        .select_related("answered_by__staff")
        .order_by("raised_at", "id")
    )


def list_steps(actor, *, since: dt.datetime | None = None):
    """The ladder's record, newest first (floor watchers)."""
    require_floor_watcher(actor)
    qs = LadderStep.objects.select_related("answered_by__staff", "signed_out_by__staff")
    if since is not None:
        qs = qs.filter(raised_at__gte=since)
    return qs.order_by("-raised_at", "-id")
