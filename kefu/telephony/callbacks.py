"""Missed and abandoned calls → the callback worklist (未接来电回拨).

An inbound call that ends unanswered (the caller hung up while it rang or waited in the queue,
or the PBX gave up: noAnswer, cancel, busy, congestion…) makes or updates one entry per
customer number per day (local date): the attempts, the first and last time, the calls. Not
for a call the blacklist rejected or a number blocked now, not for a withheld number (no
number, nobody to call), not for a call the PBX forwarded elsewhere.

The time limit runs on the wall clock, not the working calendar: the hotline is staffed 24
hours, so a caller missed at 23:00 is called back by the night shift. CALLBACK_WITHIN (2 hours
from the first missed call of the day) unless the setting ``TELEPHONY_CALLBACK_WITHIN_MINUTES``
says otherwise.

An entry is closed by an answered outbound call to the number (已回拨), by a ticket taken
from the number (已受理, through the kernel's intake hook), or by hand with a reason (无需回拨:
harassment, resolved elsewhere…). A new missed call the same day reopens a closed entry.
Each hangup is applied once (the CTI service ends a call once), so repeated hangup events
never count twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.phones import normalize_phone
from kefu.core.services import record_audit
from kefu.telephony.blacklist import screen_number
from kefu.telephony.models import BlacklistEntry, CallRecord, MissedCallback

CALLBACK_WITHIN = dt.timedelta(hours=2)
# A call the PBX forwarded was not missed: someone else took it.
NOT_MISSED_CAUSES = {"forwarded"}


def callback_within() -> dt.timedelta:
    """KEFU_CALLBACK_WITHIN_MINUTES (default 2 hours)."""
    minutes = getattr(settings, "TELEPHONY_CALLBACK_WITHIN_MINUTES", None)
    return dt.timedelta(minutes=int(minutes)) if minutes else CALLBACK_WITHIN


def _missed(record: CallRecord) -> bool:
    return (
        record.direction == CallRecord.Direction.IN
        and record.state == CallRecord.State.ENDED
        and record.answered_at is None
        and not record.rejected
        and record.cause not in NOT_MISSED_CAUSES
        and bool(record.customer_number)
    )


def record_missed_call(record: CallRecord) -> MissedCallback | None:
    """Count an ended inbound ``record`` on its number's entry of the day, if it was missed.

    Runs in the CTI event's transaction. Idempotent: a call already on the entry is not
    counted again. Returns the entry, or None when the call makes none.
    """
    if not _missed(record):
        return None
    entry_in_force = screen_number(record.customer_number)
    if entry_in_force is not None and entry_in_force.kind == BlacklistEntry.Kind.BLOCK:
        return None
    at = record.started_at
    day = timezone.localdate(at)
    entry = (
        MissedCallback.objects.select_for_update()
        .filter(number=record.customer_number, day=day)
        .first()
    )
    if entry is None:
        try:
            with transaction.atomic():
                entry = MissedCallback.objects.create(
                    number=record.customer_number,
                    day=day,
                    customer=record.customer,
                    attempts=1,
                    first_at=at,
                    last_at=at,
                    due_at=at + callback_within(),
                )
        except IntegrityError:  # the number's other call of the day, hung up at this moment
            entry = MissedCallback.objects.select_for_update().get(
                number=record.customer_number, day=day
            )
        else:
            entry.calls.add(record)
            return entry
    if entry.calls.filter(pk=record.pk).exists():
        return entry
    entry.attempts += 1
    entry.first_at = min(entry.first_at, at)
    entry.last_at = max(entry.last_at, at)
    entry.customer = entry.customer or record.customer
    if entry.status == MissedCallback.Status.CLOSED:
        # Called back (or ticketed) and missed again the same day: a new callback is owed.
        previous = entry.closing
        entry.status = MissedCallback.Status.OPEN
        entry.due_at = at + callback_within()
        entry.closing, entry.closing_note = "", ""
        entry.closed_at = entry.closed_by = entry.closing_call = entry.closing_ticket = None
        record_audit(
            actor=None,
            action="telephony.callback.reopen",
            obj=entry,
            detail={"number": entry.number, "closed_as": previous, "call": record.call_id},
        )
    entry.save()
    entry.calls.add(record)
    return entry


def _close(
    entry: MissedCallback,
    *,
    closing: str,
    actor: Actor | None,
    at: dt.datetime,
    note: str = "",
    call: CallRecord | None = None,
    ticket=None,
) -> None:
    entry.status = MissedCallback.Status.CLOSED
    entry.closing = closing
    entry.closing_note = note
    entry.closed_at = at
    entry.closed_by = user_of(actor)
    entry.closing_call = call
    entry.closing_ticket = ticket
    entry.save()
    detail: dict[str, object] = {"number": entry.number, "closing": closing}
    if note:
        detail["note"] = note
    if call is not None:
        detail["call"] = call.call_id
    if ticket is not None:
        detail["ticket"] = ticket.serial
    record_audit(actor=actor, action="telephony.callback.close", obj=entry, detail=detail)


def _open_for(number: str, before: dt.datetime) -> QuerySet[MissedCallback]:
    return MissedCallback.objects.select_for_update().filter(
        number=number, status=MissedCallback.Status.OPEN, first_at__lte=before
    )


def close_by_call_back(record: CallRecord) -> int:
    """An answered outbound ``record`` closes its number's open entries missed before it
    (已回拨). Runs in the CTI event's transaction; returns how many it closed."""
    if record.direction != CallRecord.Direction.OUT or not record.customer_number:
        return 0
    at = record.answered_at or timezone.now()
    entries = list(_open_for(record.customer_number, record.started_at))
    for entry in entries:
        _close(
            entry,
            closing=MissedCallback.Closing.CALLED_BACK,
            actor=record.agent,
            at=at,
            call=record,
        )
    return len(entries)


def close_by_ticket(ticket, actor: Actor | None) -> int:
    """A ticket taken from a number closes its open entries (已受理). Called by the kernel's
    intake hook in the ticket's transaction; returns how many it closed."""
    number = normalize_phone(getattr(ticket, "caller_number", "") or "")
    if not number:
        return 0
    now = timezone.now()
    entries = list(_open_for(number, now))
    for entry in entries:
        _close(entry, closing=MissedCallback.Closing.TICKET, actor=actor, at=now, ticket=ticket)
    return len(entries)


def _check_view(actor: Actor | None) -> None:
    if not scope_of(actor).is_center:
        raise ServiceError(Code.FORBIDDEN, _("未接来电仅限客服中心人员查看"))


def visible_callbacks(actor: Actor) -> QuerySet[MissedCallback]:
    """The entries ``actor`` may see: every one for the center-wide staff; for a branch's
    staff, those of their branch's customers and of numbers no customer has (another
    branch's customers are not theirs, as in the archive)."""
    scope = scope_of(actor)
    rows = MissedCallback.objects.all()
    if scope.everything:
        return rows
    if scope.branch_id is None:
        return rows.none()
    return rows.filter(Q(customer__isnull=True) | Q(customer__branch_id=scope.branch_id))


@transaction.atomic
def close_callback(entry_id: int, *, actor: Actor, note: str) -> MissedCallback:
    """Close an open entry by hand (无需回拨) with why: harassment, resolved elsewhere….
    Agents, team leads, supervisors and administrators (those who take calls). Raises
    ServiceError FORBIDDEN, NOT_FOUND, INVALID (no reason), INVALID_TRANSITION (closed)."""
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权处理未接来电"))
    entry = visible_callbacks(actor).select_for_update(of=("self",)).filter(pk=entry_id).first()
    if entry is None:
        raise ServiceError(Code.NOT_FOUND, _("未接来电记录不存在"))
    note = (note or "").strip()
    if not note:
        raise ServiceError(Code.INVALID, _("请填写无需回拨的原因"), field="note")
    if len(note) > 200:
        raise ServiceError(Code.INVALID, _("原因最长 200 个字符"), field="note")
    if entry.status != MissedCallback.Status.OPEN:
        raise ServiceError(Code.INVALID_TRANSITION, _("该记录已关闭"))
    _close(
        entry,
        closing=MissedCallback.Closing.NOT_NEEDED,
        actor=actor,
        at=timezone.now(),
        note=note,
    )
    return entry


STATUSES = ("open", "overdue", "closed", "all")


def list_callbacks(
    actor: Actor, *, status: str = "open", number: str = ""
) -> QuerySet[MissedCallback]:
    """The worklist for the center's staff: open entries first, the most urgent (earliest time
    limit) first; ``status`` open, overdue, closed or all. Raises ServiceError FORBIDDEN for
    anyone else."""
    _check_view(actor)
    qs = visible_callbacks(actor).select_related("customer", "closed_by__staff")
    if number:
        qs = qs.filter(number=normalize_phone(number))
    match status:
        case "open":
            qs = qs.filter(status=MissedCallback.Status.OPEN)
        case "overdue":
            qs = qs.filter(status=MissedCallback.Status.OPEN, due_at__lt=timezone.now())
        case "closed":
            qs = qs.filter(status=MissedCallback.Status.CLOSED)
    rank = Case(
        When(status=MissedCallback.Status.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.order_by(rank, "due_at", "id")


@dataclass(frozen=True)
class CallbackCounts:
    open: int
    overdue: int


def count_callbacks(actor: Actor) -> CallbackCounts:
    """Open and overdue entries, in one query (center staff)."""
    _check_view(actor)
    counts = (
        visible_callbacks(actor)
        .filter(status=MissedCallback.Status.OPEN)
        .aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=timezone.now())))
    )
    return CallbackCounts(open=counts["open"], overdue=counts["overdue"])
