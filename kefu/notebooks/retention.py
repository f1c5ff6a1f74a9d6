"""Grumbles under retention (kefu.core.retention).

A grumbling customer's name and phone are personal data: kept for the period of the kind
抱怨登记客户信息 (3 years by default) after the grumble, then the name is cleared (已清除), the
phone masked and the numbers in the text masked; the grumble stays, so the monthly counts are
the same. An anonymised customer's numbers are cleared the same way from the grumbles that carry
them, whatever their age. A legal hold on a number keeps the grumbles that carry it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core import retention
from kefu.core.masking import mask_phone, mask_text
from kefu.core.retention import Counts, FormerCustomer, Kind
from kefu.notebooks.models import Grumble

KIND = "grumbles"
CLEARED = "已清除"


def _anonymise(pk: int, change: Callable[[str], str]) -> int:
    grumble = Grumble.objects.filter(pk=pk, anonymised_at__isnull=True).first()
    if grumble is None:
        return 0
    return Grumble.objects.filter(pk=pk, anonymised_at__isnull=True).update(
        customer_name=CLEARED if grumble.customer_name else "",
        customer_phone=mask_phone(grumble.customer_phone),
        content=change(grumble.content),
        handling=change(grumble.handling),
        anonymised_at=timezone.now(),
    )


def expire(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """The grumbles made before ``cutoff``, anonymised (those carrying a held number kept)."""
    rows = Grumble.objects.filter(at__lt=cutoff, anonymised_at__isnull=True)
    numbers = retention.held().numbers
    allowed = rows.exclude(customer_phone__in=numbers) if numbers else rows
    counts: Counts = {"anonymised": 0, "held": rows.count() - allowed.count()}
    for ids in retention.batches(allowed):
        if dry_run:
            counts["anonymised"] += len(ids)
            continue
        for pk in ids:
            with transaction.atomic():
                counts["anonymised"] += _anonymise(pk, mask_text)
    return counts


def scrub_customer(former: FormerCustomer) -> int:
    """An anonymised customer's numbers out of the grumbles that carry them."""
    if not former.numbers:
        return 0
    changed = 0
    for pk in Grumble.objects.filter(
        customer_phone__in=list(former.numbers), anonymised_at__isnull=True
    ).values_list("pk", flat=True):
        changed += _anonymise(pk, former.scrub)
    return changed


def register() -> None:
    """Called from NotebooksConfig.ready."""
    retention.register_kind(
        Kind(
            KIND,
            _("抱怨登记客户信息"),
            3 * 365,
            _("抱怨登记中客户的姓名和电话:登记满期限后清除;抱怨记录和统计保留"),
            order=46,
        )
    )
    retention.register_part(KIND, "notebooks", expire)
    retention.register_customer_scrubber("notebooks", scrub_customer)
