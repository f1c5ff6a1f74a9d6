"""The shift at the front desk: the duty record (《客服岗位值班记录表》), the morning meeting
(交接记录本), the handover (交接班) and the sign-in (签到).

- a duty record per day and shift (a kefu.workforce shift template, through
  kefu.frontdesk.providers) is filled in during the shift — weather, the duty manager and
  leader, operations, visitor counts reported to management (each sent through kefu.notify),
  incidents — and locked at its end by the shift leader or by ``lock_ended`` (idempotent:
  a conditional UPDATE). A locked record refuses every change (409);
- the morning meeting's notes are signed by every member present; who has not signed is
  shown to the shift leader;
- a handover collects the pending matters by itself at creation (``collect_matters``) and is
  signed by the outgoing and the incoming person with time and 工号; what it left stays with
  the outgoing person;
- the sign-in is due 30 minutes before the shift starts; later is flagged late.
Every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.accounts.services import staff_of
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import mask_phone
from kefu.core.schemas import within_years, years_message
from kefu.core.services import clean_text, record_audit
from kefu.followups.access import visible_tasks
from kefu.followups.models import CallbackTask
from kefu.frontdesk import access, providers
from kefu.frontdesk.models import (
    DutyIncident,
    DutyRecord,
    FoundItem,
    Handover,
    MeetingMember,
    MorningMeeting,
    ShiftSignIn,
    VisitorCount,
)
from kefu.notices.models import Notice
from kefu.notify.services import notify_users
from kefu.sla.models import Deadline
from kefu.telephony.callbacks import visible_callbacks
from kefu.telephony.models import MissedCallback
from kefu.tickets.access import visible_tickets

SIGN_IN_BEFORE = dt.timedelta(minutes=30)
VISITOR_EVENT = "frontdesk.visitor_count"
MANAGEMENT_ROLES = (Role.GENERAL_MANAGER,)
MATTERS_PER_KIND = 200
TEXT_MAX = 2000
# The kinds of pending matter a handover collects, as the pages name them.
MATTER_KINDS = (
    ("ticket", _lazy("工单到期")),
    ("callback", _lazy("待回访")),
    ("missed_call", _lazy("未接来电回拨")),
    ("question", _lazy("待答疑问")),
    ("outbound", _lazy("外呼约定回电")),
    ("lost_item", _lazy("保管中的拾物")),
    ("notice", _lazy("生效的公告")),
)


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _window(day: dt.date | None, code: str) -> providers.ShiftWindow:
    if day is None:
        raise ServiceError(Code.INVALID, _("请填写日期"), field="day")
    if not within_years(day):
        raise ServiceError(Code.INVALID, years_message(), field="day")
    code = (code or "").strip()
    window = providers.window_of(day, code) if code else None
    if window is None:
        raise ServiceError(Code.INVALID, _("班次不存在"), field="shift")
    return window


def shift_window(day: dt.date | None, code: str) -> providers.ShiftWindow:
    """The window of shift ``code`` on ``day``; INVALID naming ``day`` or ``shift`` when there
    is none (the duty record's validation, shared by the end-of-shift checklists)."""
    return _window(day, code)


def staff_user(user_id: int | None, field: str) -> Any:
    """An active center staff member chosen on a form; INVALID naming ``field`` otherwise."""
    return _staff_user(user_id, field)


def _staff_user(user_id: int | None, field: str) -> Any:
    """A center staff member chosen on a form (duty manager, leader, member, incoming)."""
    if user_id is None:
        return None
    user = (
        get_user_model().objects.filter(pk=user_id, is_active=True).select_related("staff").first()
        if 0 < user_id < 2**62
        else None
    )
    if user is None or not scope_of(user).is_center:
        raise ServiceError(Code.INVALID, _("请选择客服中心的员工"), field=field)
    return user


def _moment(value: dt.datetime | None, field: str, now: dt.datetime) -> dt.datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + dt.timedelta(minutes=10):
        raise ServiceError(Code.INVALID, _("时间不能晚于现在"), field=field)
    return value


# --- the duty record -------------------------------------------------------------------------


def _record(actor: Any, record_id: int, *, for_update: bool = False) -> DutyRecord:
    access.require_read(actor)
    rows = DutyRecord.objects.all()
    if for_update:
        rows = rows.select_for_update()
    record = rows.filter(pk=record_id).first() if 0 < record_id < 2**62 else None
    if record is None:
        raise ServiceError(Code.NOT_FOUND, _("值班记录不存在"))
    return record


def get_record(actor: Any, record_id: int) -> DutyRecord:
    record = _record(actor, record_id)
    return (
        DutyRecord.objects.select_related("duty_manager__staff", "duty_leader__staff")
        .prefetch_related("counts__reported_by__staff", "incidents__written_by__staff")
        .get(pk=record.pk)
    )


def _editable(actor: Any, record_id: int) -> DutyRecord:
    access.require_desk(actor)
    record = _record(actor, record_id, for_update=True)
    if record.is_locked:
        raise ServiceError(Code.INVALID_TRANSITION, _("值班记录已锁定,不能再修改"))
    return record


@transaction.atomic
def open_record(actor: Any, *, day: dt.date | None, shift_code: str) -> DutyRecord:
    """The day's record of the shift, created on first use (one per day and shift)."""
    access.require_desk(actor)
    window = _window(day, shift_code)
    assert day is not None
    found = DutyRecord.objects.filter(day=day, shift_code=window.code).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            record = DutyRecord.objects.create(
                day=day,
                shift_code=window.code,
                shift_name=window.name,
                shift_starts_at=window.starts_at,
                shift_ends_at=window.ends_at,
                created_by=_user(actor),
                created_at=timezone.now(),
            )
    except IntegrityError:
        return DutyRecord.objects.get(day=day, shift_code=window.code)
    record_audit(actor=_user(actor), action="frontdesk.duty.opened", obj=record)
    return record


@transaction.atomic
def update_record(
    actor: Any,
    record_id: int,
    *,
    weather: str,
    duty_manager_id: int | None,
    duty_leader_id: int | None,
    operations: str,
) -> DutyRecord:
    record = _editable(actor, record_id)
    new = {
        "weather": clean_text(weather, "weather", limit=40, required=False),
        "duty_manager_id": getattr(_staff_user(duty_manager_id, "duty_manager"), "pk", None),
        "duty_leader_id": getattr(_staff_user(duty_leader_id, "duty_leader"), "pk", None),
        "operations": clean_text(operations, "operations", limit=TEXT_MAX, required=False),
    }
    changed = {k: v for k, v in new.items() if getattr(record, k) != v}
    for key, value in changed.items():
        setattr(record, key, value)
    if changed:
        record.save(update_fields=[k.removesuffix("_id") for k in changed])
        record_audit(
            actor=_user(actor),
            action="frontdesk.duty.updated",
            obj=record,
            detail={"fields": sorted(changed)},
        )
    return record


def _management() -> list[Any]:
    return list(get_user_model().objects.filter(is_active=True, staff__role__in=MANAGEMENT_ROLES))


@transaction.atomic
def report_visitors(
    actor: Any,
    record_id: int,
    *,
    count: int | None,
    at: dt.datetime | None = None,
    note: str = "",
) -> VisitorCount:
    """A visitor count reported to management: kept on the record and sent to the general
    manager(s) through kefu.notify."""
    record = _editable(actor, record_id)
    if count is None or not 0 <= count <= 10_000_000:
        raise ServiceError(Code.INVALID, _("请填写有效的游客人数"), field="count")
    now = timezone.now()
    moment = _moment(at, "at", now)
    managers = _management()
    row = VisitorCount.objects.create(
        record=record,
        at=moment,
        count=count,
        note=clean_text(note, "note", limit=200, required=False),
        reported_by=actor,
        recipients=len(managers),
    )
    staff = staff_of(actor)
    notify_users(
        VISITOR_EVENT,
        users=managers,
        context={
            "serial": str(record.day),
            "title": record.shift_name or record.shift_code,
            "url": f"/frontdesk/duty/{record.pk}/",
            "count": str(count),
            "at": timezone.localtime(moment).strftime("%H:%M"),
            "who": staff.display_name if staff else actor.get_username(),
        },
        key=f"{VISITOR_EVENT}:{row.pk}",
    )
    record_audit(
        actor=_user(actor),
        action="frontdesk.duty.visitors",
        obj=record,
        detail={"count": count, "at": moment.isoformat(), "recipients": len(managers)},
    )
    return row


@transaction.atomic
def add_incident(
    actor: Any, record_id: int, *, text: str, at: dt.datetime | None = None
) -> DutyIncident:
    record = _editable(actor, record_id)
    moment = _moment(at, "at", timezone.now())
    incident = DutyIncident.objects.create(
        record=record,
        at=moment,
        text=clean_text(text, "text", limit=TEXT_MAX, required=True, message=_("请填写情况")),
        written_by=actor,
    )
    record_audit(
        actor=_user(actor),
        action="frontdesk.duty.incident",
        obj=record,
        detail={"incident": incident.pk, "at": moment.isoformat()},
    )
    return incident


@transaction.atomic
def lock_record(actor: Any, record_id: int) -> DutyRecord:
    """The shift leader closes the record at the end of the shift."""
    access.require_lead(actor)
    record = _editable(actor, record_id)
    record.locked_at = timezone.now()
    record.locked_by = actor
    record.save(update_fields=["locked_at", "locked_by"])
    record_audit(actor=_user(actor), action="frontdesk.duty.locked", obj=record)
    return record


def lock_ended(*, now: dt.datetime | None = None) -> int:
    """Lock every record whose shift is over (the periodic job). Each row is taken by a
    conditional UPDATE: run twice, or at once by two workers, a record is locked once."""
    now = now or timezone.now()
    ids = list(
        DutyRecord.objects.filter(locked_at__isnull=True, shift_ends_at__lte=now).values_list(
            "pk", flat=True
        )[:500]
    )
    locked = 0
    for pk in ids:
        with transaction.atomic():
            if DutyRecord.objects.filter(pk=pk, locked_at__isnull=True).update(locked_at=now):
                locked += 1
                record_audit(
                    actor=None,
                    action="frontdesk.duty.locked",
                    obj=DutyRecord.objects.get(pk=pk),
                    detail={"by": "job"},
                )
    return locked


def previous_month(today: dt.date) -> tuple[int, int]:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


def bind_month(*, today: dt.date | None = None) -> int:
    """On the 1st the past month is bound (《客服岗位值班记录表》, the month page): every record
    of that month still open is locked, whatever its shift's end. Idempotent as ``lock_ended``;
    returns how many it locked."""
    year, month = previous_month(today or timezone.localdate())
    now = timezone.now()
    ids = list(
        DutyRecord.objects.filter(
            day__year=year, day__month=month, locked_at__isnull=True
        ).values_list("pk", flat=True)
    )
    locked = 0
    for pk in ids:
        with transaction.atomic():
            if DutyRecord.objects.filter(pk=pk, locked_at__isnull=True).update(locked_at=now):
                locked += 1
                record_audit(
                    actor=None,
                    action="frontdesk.duty.locked",
                    obj=DutyRecord.objects.get(pk=pk),
                    detail={"by": "month", "month": f"{year:04d}-{month:02d}"},
                )
    return locked


def month_records(actor: Any, year: int, month: int) -> list[DutyRecord]:
    """The month's records, bound in order, with their counts and incidents."""
    access.require_read(actor)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ServiceError(Code.INVALID, _("月份无效"), field="month")
    return list(
        DutyRecord.objects.filter(day__year=year, day__month=month)
        .select_related("duty_manager__staff", "duty_leader__staff", "locked_by__staff")
        .prefetch_related("counts__reported_by__staff", "incidents__written_by__staff")
        .order_by("day", "shift_starts_at", "id")
    )


# --- the morning meeting ---------------------------------------------------------------------


@transaction.atomic
def hold_meeting(
    actor: Any,
    *,
    day: dt.date | None,
    shift_code: str,
    notes: str,
    member_ids: list[int],
) -> MorningMeeting:
    """The shift leader writes the meeting's notes and who was present."""
    access.require_lead(actor)
    window = _window(day, shift_code)
    assert day is not None
    text = clean_text(notes, "notes", limit=TEXT_MAX, required=True, message=_("请填写会议内容"))
    members = [_staff_user(pk, "members") for pk in dict.fromkeys(member_ids or [])]
    if not members:
        raise ServiceError(Code.INVALID, _("请选择参会人员"), field="members")
    meeting = MorningMeeting.objects.create(
        day=day, shift_code=window.code, notes=text, held_by=actor, created_at=timezone.now()
    )
    MeetingMember.objects.bulk_create(MeetingMember(meeting=meeting, user=u) for u in members)
    record_audit(
        actor=_user(actor),
        action="frontdesk.meeting.held",
        obj=meeting,
        detail={"members": [u.pk for u in members]},
    )
    return meeting


def get_meeting(actor: Any, meeting_id: int) -> MorningMeeting:
    access.require_read(actor)
    meeting = (
        MorningMeeting.objects.filter(pk=meeting_id).select_related("held_by__staff").first()
        if 0 < meeting_id < 2**62
        else None
    )
    if meeting is None:
        raise ServiceError(Code.NOT_FOUND, _("晨会记录不存在"))
    return meeting


@transaction.atomic
def sign_meeting(actor: Any, meeting_id: int) -> MeetingMember:
    """A member confirms having read the notes (签字), once."""
    meeting = get_meeting(actor, meeting_id)
    member = (
        MeetingMember.objects.select_for_update().filter(meeting=meeting, user=_user(actor)).first()
    )
    if member is None:
        raise ServiceError(Code.FORBIDDEN, _("您不是本次晨会的参会人员"))
    if member.signed_at is not None:
        raise ServiceError(Code.CONFLICT, _("您已签字"))
    member.signed_at = timezone.now()
    member.save(update_fields=["signed_at"])
    record_audit(actor=_user(actor), action="frontdesk.meeting.signed", obj=meeting)
    return member


def latest_meetings(actor: Any) -> list[MorningMeeting]:
    access.require_read(actor)
    return list(MorningMeeting.objects.select_related("held_by__staff")[:10])


def unsigned_members(actor: Any, meeting: MorningMeeting) -> list[MeetingMember]:
    """Who has not signed yet: for the shift leader."""
    access.require_lead(actor)
    return list(meeting.members.filter(signed_at__isnull=True).select_related("user__staff"))


# --- the handover ----------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def collect_matters(actor: Any, until: dt.datetime) -> list[dict[str, str]]:
    """The pending matters the incoming shift takes over, each from its owning app: tickets
    whose time limit falls before ``until`` (the end of the next shift), callbacks due, missed
    calls to call back, lost items in custody, notices in force, and what the apps above
    registered (kefu.frontdesk.providers: open questions)."""
    matters: list[dict[str, str]] = []
    deadlines = (
        Deadline.objects.filter(
            ticket__in=visible_tickets(actor),
            state__in=[Deadline.State.PENDING, Deadline.State.BREACHED],
            due_at__lt=until,
        )
        .select_related("ticket")
        .order_by("due_at", "id")[:MATTERS_PER_KIND]
    )
    seen: set[str] = set()
    for d in deadlines:
        if d.ticket.serial in seen:
            continue
        seen.add(d.ticket.serial)
        matters.append(
            {
                "kind": "ticket",
                "ref": d.ticket.serial,
                "text": _("工单「%(name)s」到期") % {"name": d.name},
                "due": _iso(d.due_at),
            }
        )
    tasks = (
        visible_tasks(actor)
        .filter(state=CallbackTask.State.OPEN, due_at__lt=until)
        .select_related("ticket")
        .order_by("due_at", "id")[:MATTERS_PER_KIND]
    )
    matters += [
        {"kind": "callback", "ref": t.ticket.serial, "text": _("待回访"), "due": _iso(t.due_at)}
        for t in tasks
    ]
    missed = (
        visible_callbacks(actor)
        .filter(status=MissedCallback.Status.OPEN, due_at__lt=until)
        .order_by("due_at", "id")[:MATTERS_PER_KIND]
    )
    matters += [
        {
            "kind": "missed_call",
            "ref": mask_phone(m.number),
            "text": _("未接来电待回拨(%(n)s 次)") % {"n": m.attempts},
            "due": _iso(m.due_at),
        }
        for m in missed
    ]
    items = (
        access.visible_items(actor)
        .filter(status=FoundItem.Status.CUSTODY)
        .order_by("found_at", "id")[:MATTERS_PER_KIND]
    )
    matters += [
        {"kind": "lost_item", "ref": i.serial, "text": _("保管中的拾获物品"), "due": ""}
        for i in items
    ]
    notices = Notice.objects.filter(state=Notice.State.PUBLISHED).order_by("-starts_at", "id")[
        :MATTERS_PER_KIND
    ]
    matters += [{"kind": "notice", "ref": str(n.pk), "text": n.title, "due": ""} for n in notices]
    for _kind, collect in sorted(providers.pending_sources().items()):
        matters += collect(actor, until)[:MATTERS_PER_KIND]
    return matters


@transaction.atomic
def create_handover(
    actor: Any,
    *,
    day: dt.date | None,
    shift_code: str,
    incoming_id: int | None,
    notes: str = "",
) -> Handover:
    """The outgoing person (the actor) hands the shift over to ``incoming``; the pending
    matters up to the end of the next shift are collected now and kept."""
    access.require_desk(actor)
    window = _window(day, shift_code)
    assert day is not None
    incoming = _staff_user(incoming_id, "incoming")
    if incoming is None:
        raise ServiceError(Code.INVALID, _("请选择接班人"), field="incoming")
    if incoming.pk == actor.pk:
        raise ServiceError(Code.INVALID, _("接班人不能是交班人本人"), field="incoming")
    nxt = providers.next_after(window.ends_at)
    next_ends = nxt.ends_at if nxt else window.ends_at + (window.ends_at - window.starts_at)
    handover = Handover.objects.create(
        day=day,
        shift_code=window.code,
        shift_ends_at=window.ends_at,
        next_ends_at=next_ends,
        outgoing=actor,
        incoming=incoming,
        matters=collect_matters(actor, next_ends),
        notes=clean_text(notes, "notes", limit=TEXT_MAX, required=False),
        created_at=timezone.now(),
    )
    record_audit(
        actor=_user(actor),
        action="frontdesk.handover.created",
        obj=handover,
        detail={"incoming": incoming.pk, "matters": len(handover.matters)},
    )
    return handover


def get_handover(actor: Any, handover_id: int, *, for_update: bool = False) -> Handover:
    access.require_read(actor)
    rows = Handover.objects.select_related("outgoing__staff", "incoming__staff")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    handover = rows.filter(pk=handover_id).first() if 0 < handover_id < 2**62 else None
    if handover is None:
        raise ServiceError(Code.NOT_FOUND, _("交接记录不存在"))
    return handover


@transaction.atomic
def sign_handover(actor: Any, handover_id: int) -> Handover:
    """The outgoing or the incoming person signs, with time and 工号, once each."""
    handover = get_handover(actor, handover_id, for_update=True)
    staff = staff_of(actor)
    if staff is None or not staff.employee_no:
        raise ServiceError(Code.FORBIDDEN, _("没有工号,不能签字"))
    if actor.pk == handover.outgoing_id:
        side = "outgoing"
    elif actor.pk == handover.incoming_id:
        side = "incoming"
    else:
        raise ServiceError(Code.FORBIDDEN, _("只有交班人和接班人可以签字"))
    if getattr(handover, f"{side}_signed_at") is not None:
        raise ServiceError(Code.CONFLICT, _("您已签字"))
    setattr(handover, f"{side}_signed_at", timezone.now())
    setattr(handover, f"{side}_staff_no", staff.employee_no)
    handover.save(update_fields=[f"{side}_signed_at", f"{side}_staff_no"])
    record_audit(
        actor=_user(actor),
        action="frontdesk.handover.signed",
        obj=handover,
        detail={"side": side, "employee_no": staff.employee_no},
    )
    return handover


def list_handovers(actor: Any, *, unsigned: bool = False) -> QuerySet[Handover]:
    """The handovers, the newest first; ``unsigned``: those a side has not signed (for the
    shift leader)."""
    access.require_read(actor)
    rows = Handover.objects.select_related("outgoing__staff", "incoming__staff")
    if unsigned:
        access.require_lead(actor)
        rows = rows.filter(Q(outgoing_signed_at__isnull=True) | Q(incoming_signed_at__isnull=True))
    return rows.order_by("-day", "-id")


def left_by_person(actor: Any, *, since: dt.date | None = None) -> list[dict[str, Any]]:
    """How many pending matters each outgoing person left in their handovers (since a day)."""
    access.require_lead(actor)
    rows = Handover.objects.select_related("outgoing__staff")
    if since is not None:
        rows = rows.filter(day__gte=since)
    totals: dict[int, dict[str, Any]] = {}
    for h in rows:
        staff = staff_of(h.outgoing)
        entry = totals.setdefault(
            h.outgoing_id,
            {
                "user": h.outgoing_id,
                "name": staff.display_name if staff else h.outgoing.get_username(),
                "employee_no": staff.employee_no if staff else "",
                "handovers": 0,
                "matters": 0,
            },
        )
        entry["handovers"] += 1
        entry["matters"] += len(h.matters or [])
    return sorted(totals.values(), key=lambda e: (-e["matters"], e["name"]))


# --- the sign-in -----------------------------------------------------------------------------


@transaction.atomic
def sign_in(actor: Any, *, day: dt.date | None, shift_code: str) -> ShiftSignIn:
    """签到 for a shift: on time up to 30 minutes before it starts, flagged late after."""
    access.require_desk(actor)
    window = _window(day, shift_code)
    assert day is not None
    now = timezone.now()
    if now >= window.ends_at:
        raise ServiceError(Code.INVALID, _("该班次已结束,不能签到"), field="shift")
    if now < window.starts_at - dt.timedelta(hours=12):
        raise ServiceError(Code.INVALID, _("还没到签到时间"), field="shift")
    if ShiftSignIn.objects.filter(user=actor, day=day, shift_code=window.code).exists():
        raise ServiceError(Code.CONFLICT, _("您已签到"))
    row = ShiftSignIn.objects.create(
        user=actor,
        day=day,
        shift_code=window.code,
        shift_starts_at=window.starts_at,
        signed_at=now,
        late=now > window.starts_at - SIGN_IN_BEFORE,
    )
    record_audit(
        actor=_user(actor),
        action="frontdesk.signin",
        obj=row,
        detail={"late": row.late, "shift": window.code},
    )
    return row


def sign_ins(actor: Any, *, day: dt.date) -> list[ShiftSignIn]:
    """The day's sign-ins, late ones flagged: for the shift leader."""
    access.require_lead(actor)
    return list(
        ShiftSignIn.objects.filter(day=day)
        .select_related("user__staff")
        .order_by("shift_starts_at", "signed_at", "id")
    )
