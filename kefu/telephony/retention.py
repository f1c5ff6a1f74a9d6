"""Retention of the telephone floor's records (kefu.core.retention).

Call records stay: the call statistics, the forecasts and the rosters are built on them. After
their period only the numbers go — the customer's side of each call is masked (138****5678),
and so are the missed-call callbacks' numbers and the numbers in their audit rows. Recording
links have a period of their own: the link is cleared, the page says the recording was
destroyed (the recording itself is the PBX's: it must be deleted there on the same schedule).
The blacklist is not touched: an entry in force must keep matching its number.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core import retention
from kefu.core.masking import mask_phone, mask_text
from kefu.core.retention import Counts, FormerCustomer, Held, Kind
from kefu.customers.models import CustomerPhone
from kefu.telephony.models import BlacklistEntry, CallRecord, MissedCallback

CALLS = "call_records"
RECORDINGS = "recordings"


def _held_calls(hold: Held) -> Q:
    held = Q(customer_id__in=hold.customers) | Q(customer_number__in=hold.numbers)
    if hold.tickets:
        held |= Q(tickets__in=hold.tickets)
    return held


def _split_held(queryset: QuerySet[CallRecord]) -> tuple[QuerySet[CallRecord], int]:
    """The calls of ``queryset`` no hold covers, and how many it does."""
    hold = retention.held()
    if not (hold.customers or hold.tickets or hold.numbers):
        return queryset, 0
    held_ids = set(queryset.filter(_held_calls(hold)).values_list("pk", flat=True))
    return queryset.exclude(pk__in=held_ids), len(held_ids)


def _mask_calls(ids: list[int], *, recordings: bool) -> int:
    """Mask the customer's side of the calls ``ids`` (the caller inbound, the callee
    outbound) and their customer number, and mark them; with ``recordings``, clear their
    recording links too (an anonymised customer's voice goes with its number; the calls'
    period alone leaves the recordings to theirs)."""
    now = timezone.now()
    changed = 0
    rows = CallRecord.objects.filter(pk__in=ids).values_list(
        "pk", "direction", "from_number", "to_number", "customer_number", "recording_url"
    )
    for pk, direction, from_number, to_number, customer_number, recording in rows:
        fields: dict[str, object] = {
            "customer_number": mask_phone(customer_number),
            "anonymised_at": now,
        }
        if direction == CallRecord.Direction.IN:
            fields["from_number"] = mask_phone(from_number)
        else:
            fields["to_number"] = mask_phone(to_number)
        if recording and recordings:
            fields |= {"recording_url": "", "recording_purged_at": now}
        changed += CallRecord.objects.filter(pk=pk, anonymised_at__isnull=True).update(**fields)
    return changed


def _mask_callbacks(queryset: QuerySet[MissedCallback], former: FormerCustomer | None) -> int:
    """Mask the numbers of missed-call callbacks (two numbers may mask alike on one day: the
    later row then carries its id), their closing notes and their audit rows."""
    changed = 0
    ids: list[int] = []
    for pk, number, day, note in queryset.values_list("pk", "number", "day", "closing_note"):
        if "*" in number:
            continue  # masked already (no dialled number has a star)
        masked = mask_phone(number)
        value = retention.unique_value(MissedCallback, "number", masked, pk, together={"day": day})
        note = former.scrub(note) if former else mask_text(note)
        changed += MissedCallback.objects.filter(pk=pk).update(number=value, closing_note=note)
        ids.append(pk)
    retention.rewrite_audit(MissedCallback, ids, former.scrub if former else mask_text)
    return changed


def apply_calls(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """Mask the numbers of the calls started before ``cutoff`` and of their days' callbacks."""
    expired = CallRecord.objects.filter(started_at__lt=cutoff, anonymised_at__isnull=True)
    allowed, held = _split_held(expired)
    counts: Counts = {"anonymised": 0, "held": held}
    for ids in retention.batches(allowed):
        if dry_run:
            counts["anonymised"] += len(ids)
            continue
        with transaction.atomic():
            counts["anonymised"] += _mask_calls(ids, recordings=False)
    day = timezone.localtime(cutoff).date()
    callbacks = MissedCallback.objects.filter(day__lt=day).exclude(number__contains="*")
    hold = retention.held()
    callbacks = callbacks.exclude(Q(customer_id__in=hold.customers) | Q(number__in=hold.numbers))
    for ids in retention.batches(callbacks):
        if dry_run:
            counts["anonymised"] += len(ids)
            continue
        with transaction.atomic():
            counts["anonymised"] += _mask_callbacks(MissedCallback.objects.filter(pk__in=ids), None)
    return counts


def apply_recordings(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """Clear the recording links of the calls started before ``cutoff``."""
    expired = CallRecord.objects.filter(
        started_at__lt=cutoff, recording_purged_at__isnull=True
    ).exclude(recording_url="")
    allowed, held = _split_held(expired)
    counts: Counts = {"purged": 0, "held": held}
    for ids in retention.batches(allowed):
        if dry_run:
            counts["purged"] += len(ids)
            continue
        with transaction.atomic():
            counts["purged"] += CallRecord.objects.filter(
                pk__in=ids, recording_purged_at__isnull=True
            ).update(recording_url="", recording_purged_at=timezone.now())
    return counts


def active_customers(ids: list[int], cutoff: dt.datetime) -> set[int]:
    """Customers who called or were called since ``cutoff`` (linked, or from one of their
    numbers)."""
    owners: dict[str, set[int]] = {}
    for customer_id, number in CustomerPhone.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "number"
    ):
        owners.setdefault(number, set()).add(customer_id)
    recent = CallRecord.objects.filter(started_at__gte=cutoff).filter(
        Q(customer_id__in=ids) | Q(customer_number__in=list(owners))
    )
    active: set[int] = set()
    for customer_id, number in recent.values_list("customer_id", "customer_number").distinct():
        if customer_id in ids:
            active.add(customer_id)
        active |= owners.get(number, set())
    return active


def scrub_calls(former: FormerCustomer) -> int:
    """The customer's calls masked (recordings' links cleared), its missed-call callbacks
    masked, lifted blacklist entries of its numbers masked. An entry in force keeps its
    number: it must go on matching the calls it was put there for."""
    calls = CallRecord.objects.filter(anonymised_at__isnull=True).filter(
        Q(customer_id=former.id) | Q(customer_number__in=former.numbers)
    )
    changed = sum(_mask_calls(ids, recordings=True) for ids in retention.batches(calls))
    callbacks = MissedCallback.objects.filter(
        Q(customer_id=former.id) | Q(number__in=former.numbers)
    )
    changed += _mask_callbacks(callbacks, former)
    lifted = BlacklistEntry.objects.filter(is_active=False, number__in=former.numbers)
    ids = list(lifted.values_list("pk", flat=True))
    for pk, number in lifted.values_list("pk", "number"):
        changed += BlacklistEntry.objects.filter(pk=pk).update(number=mask_phone(number))
    retention.rewrite_audit(BlacklistEntry, ids, former.scrub)
    return changed


def register() -> None:
    """Called from TelephonyConfig.ready."""
    retention.register_kind(
        Kind(
            code=CALLS,
            label=_("通话记录号码"),
            # Two years: enough to settle a disputed call or bill (and the repeat-caller
            # questions a center asks within a year); the calls themselves stay for the
            # statistics, forecasts and rosters.
            default_days=2 * 365,
            description=_(
                "超过期限的通话记录中客户一方的号码被屏蔽(如 138****5678),"
                "未接来电回拨记录的号码同样处理;通话记录保留,话务统计、预测和排班不变"
            ),
            order=20,
        )
    )
    retention.register_kind(
        Kind(
            code=RECORDINGS,
            label=_("录音链接"),
            # One year: recordings are kept for quality checks and complaints, which are
            # settled within months; a dispute that lasts longer is put under a legal hold.
            default_days=365,
            description=_(
                "超过期限的通话录音链接被清除,页面显示“已按保留期限销毁”"
                "(录音文件在交换机上,须在交换机上按同一期限删除)"
            ),
            order=30,
        )
    )
    retention.register_part(CALLS, "telephony", apply_calls)
    retention.register_part(RECORDINGS, "telephony", apply_recordings)
    retention.register_customer_activity("telephony", active_customers)
    retention.register_customer_scrubber("telephony", scrub_calls)
