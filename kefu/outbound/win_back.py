"""What came of calling churned members (流失会员回访): per store, the members called back on
a list of that purpose and how many bought again after the call — the member analyses
(kefu.customers.analyses.churn) show it beside each store's churned members."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from kefu.customers import analyses
from kefu.customers.models import Purchase, Store
from kefu.outbound.models import OutboundAttempt, OutboundEntry, OutboundPurpose


def churned_called(stores: QuerySet[Store], since: dt.datetime) -> dict[int, tuple[int, int]]:
    """Per store id (the member's store): members whose entry on a 流失会员回访 list was first
    dialled at or after ``since``, and those of them with a purchase after that first call.
    One GROUP BY query."""
    first_call = (
        OutboundAttempt.objects.filter(entry=OuterRef("pk")).order_by("at").values("at")[:1]
    )
    entries = (
        OutboundEntry.objects.filter(
            outbound__purpose=OutboundPurpose.CHURNED,
            customer__membership__store__in=stores,
            attempts__gt=0,
        )
        .annotate(called_at=Subquery(first_call))
        .filter(called_at__gte=since)
    )
    after = Purchase.objects.filter(
        member__customer_id=OuterRef("customer_id"), at__gt=OuterRef("called_at")
    )
    rows = (
        entries.annotate(won=Exists(after))
        .order_by()
        .values("customer__membership__store")
        .annotate(
            called=Count("customer", distinct=True),
            again=Count("customer", distinct=True, filter=Q(won=True)),
        )
        .values_list("customer__membership__store", "called", "again")
    )
    return {store_id: (called, again) for store_id, called, again in rows}


def register() -> None:
    analyses.register_win_back(churned_called)
