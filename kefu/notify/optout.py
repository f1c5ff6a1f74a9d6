"""退订: numbers that asked for no more notice SMS (停水/抢修 notices and their end).

Only the events in ``OPT_OUT_EVENTS`` respect it: the reply to a customer's own request, the
acknowledgement of an SMS, a survey, a dispatch SMS to field staff are not notices and still
go out. kefu.notices leaves opted-out numbers out of its recipients (and counts them in the
preview); ``send_sms_many`` checks again, so an opted-out number is never texted a notice.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.core.actor import Actor, user_of
from kefu.core.phones import normalize_phone
from kefu.core.services import record_audit
from kefu.notify.models import SmsOptOut

OPT_OUT_EVENTS = frozenset({"notice.published", "notice.closed"})
# Numbers read per query when checking a batch.
CHUNK = 1000


def opted_out(numbers: Iterable[str]) -> set[str]:
    """Those of ``numbers`` (normalized) that are opted out now."""
    wanted = sorted({n for n in numbers if n})
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(
            SmsOptOut.objects.filter(phone__in=chunk, revoked_at__isnull=True).values_list(
                "phone", flat=True
            )
        )
    return found


def is_opted_out(phone: str) -> bool:
    number = normalize_phone(phone)
    return bool(number) and number in opted_out([number])


def opt_out(
    phone: str, *, source: str, note: str = "", actor: Actor | None = None
) -> tuple[SmsOptOut | None, bool]:
    """Put the number on the list: (its active row, whether this call added it). (None,
    False) for an unusable number. A number already on the list stays as it was."""
    number = normalize_phone(phone)
    if not number:
        return None, False
    current = SmsOptOut.objects.filter(phone=number, revoked_at__isnull=True).first()
    if current is not None:
        return current, False
    try:
        with transaction.atomic():  # two 退订 at once: the unique index keeps one
            row = SmsOptOut.objects.create(
                phone=number,
                at=timezone.now(),
                source=source,
                note=note[:200],
                created_by=user_of(actor),
            )
    except IntegrityError:
        return SmsOptOut.objects.get(phone=number, revoked_at__isnull=True), False
    record_audit(actor=actor, action="sms.opt_out", obj=row, detail={"source": source})
    return row, True


def opt_in(phone: str, *, source: str, actor: Actor | None = None) -> bool:
    """Take the number off the list (订阅 texted, or an admin): its row is kept, revoked.
    Whether it was on the list."""
    number = normalize_phone(phone)
    if not number:
        return False
    rows = SmsOptOut.objects.filter(phone=number, revoked_at__isnull=True)
    return revoke(rows, source=source, actor=actor) > 0


def revoke(rows, *, source: str, actor: Actor | None = None) -> int:
    """Revoke the active rows of ``rows`` (a queryset); how many."""
    person = user_of(actor)
    count = 0
    for row in rows.filter(revoked_at__isnull=True):
        row.revoked_at = timezone.now()
        row.revoked_source = source
        row.revoked_by = person
        row.save(update_fields=["revoked_at", "revoked_source", "revoked_by"])
        record_audit(actor=actor, action="sms.opt_in", obj=row, detail={"source": source})
        count += 1
    return count
