"""Work orders in the reports (kefu.core.measures): orders by kind, origin area (发货地: the
service area of the order's address), field staff and crew; on time (completed by the order's
due time), 及时提货率 (pickups collected by the cut-off rule's due time) and the chases needed.

An order counts in the rates once it is completed with a due time; orders without a due time
(no rule matched) are counted but not rated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from kefu.core.measures import Dimension, Fact, Measure, declare
from kefu.dispatch.models import Crew, Kind, Source, WorkOrder, WorkOrderStatus
from kefu.tickets.measures import choice_labels, choice_list

RATED = Q(completed_at__isnull=False, due_at__isnull=False)
ON_TIME = Q(RATED, completed_at__lte=F("due_at"))
PICKUPS = Q(RATED, kind=Kind.PICKUP)
CHASED = Q(chase_count__gt=0)


def crew_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    keys = {value for value in values if value is not None}
    return dict(Crew.objects.filter(pk__in=keys).values_list("pk", "name"))


def crew_choices() -> list[tuple[Any, str]]:
    return list(Crew.objects.filter(is_active=True).order_by("name").values_list("pk", "name"))


declare(
    dimensions=[
        Dimension("kind", _("派工类型"), choice_labels(Kind), choices=choice_list(Kind)),
        Dimension("wo_source", _("派工来源"), choice_labels(Source), choices=choice_list(Source)),
        Dimension("crew", _("班组"), crew_labels, choices=crew_choices),
        Dimension(
            "wo_status",
            _("派工单状态"),
            choice_labels(WorkOrderStatus),
            choices=choice_list(WorkOrderStatus),
        ),
    ],
    facts=[
        Fact(
            "workorders",
            _("派工单"),
            WorkOrder,
            time="ordered_at",
            serial="serial",
            page="workorder",
            branch="branch_id",
            dims={
                "kind": "kind",
                "wo_source": "source",
                "wo_status": "status",
                "branch": "branch_id",
                "department": "department_id",
                "area": "area_id",
                "crew": "crew_id",
                "assignee": "assignee_id",
            },
        )
    ],
    measures=[
        Measure("workorders", _("派工单量"), "workorders", "count", lambda: Count("id")),
        Measure(
            "workorders_on_time_rate",
            _("按时完工率"),
            "workorders",
            "rate",
            lambda: Count("id", filter=ON_TIME),
            rows=RATED,
            of=lambda: Count("id", filter=RATED),
        ),
        Measure(
            "pickup_on_time_rate",
            _("及时提货率"),
            "workorders",
            "rate",
            lambda: Count("id", filter=Q(ON_TIME, kind=Kind.PICKUP)),
            rows=PICKUPS,
            of=lambda: Count("id", filter=PICKUPS),
            help=_("上门取件在截单规则的期限内完成的比例"),
        ),
        Measure(
            "workorders_chased",
            _("需催办的单"),
            "workorders",
            "count",
            lambda: Count("id", filter=CHASED),
            rows=CHASED,
        ),
        Measure(
            "chases",
            _("催办次数"),
            "workorders",
            "sum",
            lambda: Sum("chase_count"),
        ),
    ],
)
