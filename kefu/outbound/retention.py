"""Outbound lists and retention (kefu.core.retention): an entry still to be called, or called
since the cutoff, keeps its customer active; an anonymised customer's entries keep their
outcome and score (the campaign's figures) and lose the name, the number (masked) and the
personal data in their notes."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from kefu.core import retention
from kefu.core.masking import mask_phone
from kefu.core.retention import FormerCustomer
from kefu.outbound.models import OutboundAttempt, OutboundEntry
from kefu.tickets.retention import tickets_of

OPEN = (OutboundEntry.State.PENDING, OutboundEntry.State.RETRY)


def active_customers(ids: list[int], cutoff: dt.datetime) -> set[int]:
    recent = Q(state__in=OPEN) | Q(dialled_at__gte=cutoff)
    return set(
        OutboundEntry.objects.filter(recent, customer_id__in=ids)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def scrub_entries(former: FormerCustomer) -> int:
    mine = Q(customer_id=former.id) | Q(ticket__in=tickets_of(former))
    if former.numbers:
        mine |= Q(customer__isnull=True, number__in=former.numbers)
    entries = OutboundEntry.objects.filter(mine)
    changed = retention.scrub_rows(
        entries,
        former,
        text=["note", "result", "excluded_reason"],
        names=["name"],
        clear={"name": ""},
    )
    for pk, outbound_id, number in entries.values_list("pk", "outbound_id", "number"):
        if "*" in number:
            continue  # masked already
        masked = retention.unique_value(
            OutboundEntry, "number", mask_phone(number), pk, together={"outbound_id": outbound_id}
        )
        changed += OutboundEntry.objects.filter(pk=pk).update(number=masked)
    changed += retention.scrub_rows(
        OutboundAttempt.objects.filter(entry__in=entries), former, text=["note"]
    )
    return changed


def register() -> None:
    """Called from OutboundConfig.ready."""
    retention.register_customer_activity("outbound", active_customers)
    retention.register_customer_scrubber("outbound", scrub_entries)
