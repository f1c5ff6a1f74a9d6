"""The lost and found under retention (kefu.core.retention).

The people of the lost and found — owners, finders, claimants, witnesses — are personal data:
kept while the item or the report is open, and for the period of the kind 失物招领个人信息
(3 years by default) after it was registered. Then their names are cleared (已清除), their phone
and ID numbers masked, phone and ID numbers in the descriptions and the timeline masked, and
the claimants' signatures destroyed; the items, reports and claims stay, so the monthly summary
counts the same. Staff numbers (工号) and the staff who handled an item are not touched.

An anonymised customer's numbers are cleared the same way from the loss reports and claims
that carry them, whatever their age, and from the shift handovers' collected matters.
A legal hold on a number (a held customer's) keeps the reports and claims that carry it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core import retention
from kefu.core.masking import mask_id_number, mask_phone, mask_text
from kefu.core.retention import Counts, FormerCustomer, Kind
from kefu.frontdesk.models import ClaimAttempt, FoundItem, Handover, ItemEvent, LossReport

KIND = "lost_and_found"
CLEARED = "已清除"
CLOSED = (FoundItem.Status.CLAIMED, FoundItem.Status.FINANCE)


def _text(change: Callable[[str], str]) -> Callable[[Any], Any]:
    return lambda value: retention.map_strings(value, change)


def _anonymise_report(pk: int, change: Callable[[str], str]) -> int:
    report = LossReport.objects.filter(pk=pk, anonymised_at__isnull=True).first()
    if report is None:
        return 0
    return LossReport.objects.filter(pk=pk, anonymised_at__isnull=True).update(
        owner_name=CLEARED,
        owner_phone=mask_phone(report.owner_phone),
        description=change(report.description),
        anonymised_at=timezone.now(),
    )


def _anonymise_claim(pk: int, change: Callable[[str], str]) -> int:
    claim = ClaimAttempt.objects.filter(pk=pk, anonymised_at__isnull=True).first()
    if claim is None:
        return 0
    retention.delete_stored_file(claim.signature.name or "")
    return ClaimAttempt.objects.filter(pk=pk, anonymised_at__isnull=True).update(
        claimant_name=CLEARED,
        claimant_phone=mask_phone(claim.claimant_phone),
        id_number=mask_id_number(claim.id_number),
        description=change(claim.description),
        witness_name=CLEARED if claim.witness_name else "",
        signature="",
        anonymised_at=timezone.now(),
    )


def _anonymise_item(pk: int, change: Callable[[str], str]) -> int:
    item = FoundItem.objects.filter(pk=pk, anonymised_at__isnull=True).first()
    if item is None:
        return 0
    names = {n for n in (item.finder_name, item.witness_name) if n}
    for claimant, witness in item.claims.values_list("claimant_name", "witness_name"):
        names |= {claimant, witness} - {CLEARED, ""}

    def scrub(text: str) -> str:
        for name in sorted(names, key=len, reverse=True):
            if len(name) >= 2:
                text = text.replace(name, "***")
        return change(text)

    for event in ItemEvent.objects.filter(item_id=pk).only("pk", "note", "data"):
        note, data = scrub(event.note), _text(scrub)(event.data)
        if (note, data) != (event.note, event.data):
            ItemEvent.objects.filter(pk=event.pk).update(note=note, data=data)
    retention.rewrite_audit(FoundItem, [pk], scrub)
    changed = FoundItem.objects.filter(pk=pk, anonymised_at__isnull=True).update(
        finder_name=CLEARED,
        finder_phone=mask_phone(item.finder_phone),
        witness_name=CLEARED if item.witness_name else "",
        description=change(item.description),
        anonymised_at=timezone.now(),
    )
    for claim_id in item.claims.values_list("pk", flat=True):
        changed += _anonymise_claim(claim_id, change)  # counted as its own row
    return changed


def _not_held(queryset: QuerySet[Any], field: str) -> QuerySet[Any]:
    numbers = retention.held().numbers
    return queryset.exclude(**{f"{field}__in": numbers}) if numbers else queryset


def _run(
    queryset: QuerySet[Any],
    one: Callable[[int, Callable[[str], str]], int],
    *,
    dry_run: bool,
    held: int,
) -> Counts:
    counts: Counts = {"anonymised": 0, "held": held}
    for ids in retention.batches(queryset):
        if dry_run:
            counts["anonymised"] += len(ids)
            continue
        for pk in ids:
            with transaction.atomic():
                counts["anonymised"] += one(pk, mask_text)
    return counts


def expire(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """The reports, the closed items (with their claims) and the refused claims registered
    before ``cutoff``, anonymised."""
    total: Counts = {}
    reports = LossReport.objects.filter(created_at__lt=cutoff, anonymised_at__isnull=True)
    items = FoundItem.objects.filter(
        registered_at__lt=cutoff, status__in=CLOSED, anonymised_at__isnull=True
    )
    claims = ClaimAttempt.objects.filter(at__lt=cutoff, anonymised_at__isnull=True)
    allowed_items = items.exclude(
        Q(finder_phone__in=retention.held().numbers)
        | Q(claims__claimant_phone__in=retention.held().numbers)
    ).distinct()
    allowed_reports = _not_held(reports, "owner_phone")
    allowed_claims = _not_held(claims, "claimant_phone")
    for queryset, allowed, one in (
        (reports, allowed_reports, _anonymise_report),
        (items, allowed_items, _anonymise_item),
        (claims, allowed_claims, _anonymise_claim),
    ):
        held = queryset.count() - allowed.count()
        for key, value in _run(allowed, one, dry_run=dry_run, held=held).items():
            total[key] = total.get(key, 0) + value
    return total


def scrub_customer(former: FormerCustomer) -> int:
    """An anonymised customer's numbers out of the loss reports and claims that carry them,
    and out of the shift handovers' collected matters."""
    if not former.numbers:
        return 0
    changed = 0
    numbers = list(former.numbers)
    for pk in LossReport.objects.filter(
        owner_phone__in=numbers, anonymised_at__isnull=True
    ).values_list("pk", flat=True):
        changed += _anonymise_report(pk, former.scrub)
    for pk in ClaimAttempt.objects.filter(
        claimant_phone__in=numbers, anonymised_at__isnull=True
    ).values_list("pk", flat=True):
        changed += _anonymise_claim(pk, former.scrub)
    for handover in Handover.objects.only("pk", "matters", "notes"):
        matters, notes = former.scrub_json(handover.matters), former.scrub(handover.notes)
        if (matters, notes) != (handover.matters, handover.notes):
            changed += Handover.objects.filter(pk=handover.pk).update(matters=matters, notes=notes)
    return changed


def register() -> None:
    """Called from FrontdeskConfig.ready."""
    retention.register_kind(
        Kind(
            KIND,
            _("失物招领个人信息"),
            3 * 365,
            _(
                "失主、拾获人、认领人和见证人的姓名、电话、证件号码和签名:登记满期限后清除"
                "(未结的物品除外);物品、登记和认领记录保留"
            ),
            order=45,
        )
    )
    retention.register_part(KIND, "frontdesk", expire)
    retention.register_customer_scrubber("frontdesk", scrub_customer)
