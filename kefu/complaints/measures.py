"""Complaints in the reports (kefu.core.measures): complaints received by category, class and
severity; repeat and collective complaints; and the complaint rate (投诉率): complaints per
10,000 customers served (distinct customers with a request received in the period).

Every complaint received counts, as in the monthly complaint report (kefu.reports.selectors).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from kefu.complaints.models import Category, Complaint, ComplaintSource
from kefu.core.measures import Dimension, Fact, Measure, declare
from kefu.tickets.measures import choice_labels, choice_list

REPEAT = Q(repeat_of__isnull=False)
COLLECTIVE = Q(group__isnull=False)


def category_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    keys = {value for value in values if value is not None}
    return dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))


def category_choices() -> list[tuple[Any, str]]:
    return list(Category.objects.order_by("order", "id").values_list("pk", "name"))


declare(
    dimensions=[
        Dimension("category", _("投诉类别"), category_labels, choices=category_choices),
        Dimension(
            "source",
            _("投诉来源"),
            choice_labels(ComplaintSource),
            choices=choice_list(ComplaintSource),
        ),
    ],
    facts=[
        Fact(
            "complaints",
            _("受理的投诉"),
            Complaint,
            time="received_at",
            serial="ticket__serial",
            page="ticket",
            branch="ticket__branch_id",
            dims={
                "category": "category_id",
                "source": "source",
                "class": "complaint_class",
                "severity": "severity",
                "type": "ticket__type_id",
                "channel": "ticket__channel",
                "status": "ticket__status",
                "branch": "ticket__branch_id",
                "department": "ticket__department_id",
                "area": "area_id",
                "agent": "ticket__created_by_id",
                "assignee": "ticket__assignee_id",
            },
        )
    ],
    measures=[
        Measure("complaints", _("投诉量"), "complaints", "count", lambda: Count("id")),
        Measure(
            "repeat_complaints",
            _("重复投诉"),
            "complaints",
            "count",
            lambda: Count("id", filter=REPEAT),
            rows=REPEAT,
        ),
        Measure(
            "repeat_rate",
            _("重复投诉率"),
            "complaints",
            "rate",
            lambda: Count("id", filter=REPEAT),
            of=lambda: Count("id"),
        ),
        Measure(
            "collective_complaints",
            _("集体投诉"),
            "complaints",
            "count",
            lambda: Count("id", filter=COLLECTIVE),
            rows=COLLECTIVE,
        ),
        Measure(
            "complaint_rate",
            _("投诉率(每万客户)"),
            "tickets",
            "per10k",
            lambda: Count("complaint"),
            rows=Q(complaint__isnull=False),
            of=lambda: Count("customer_id", distinct=True),
            help=_("投诉量 ÷ 期间内有诉求的客户数 × 10000"),
        ),
    ],
)
