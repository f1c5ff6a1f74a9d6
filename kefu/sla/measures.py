"""Time limits in the reports (kefu.core.measures): each target's deadlines that fell due in
the period, met on time or not, and the on-time rate per target (按时率).

A deadline counts once it is decided: met (按时完成), late (超时完成) or breached (已超时,
still open past its due time). Deadlines still running or cancelled are not in the rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from kefu.core.measures import Dimension, Fact, Measure, declare
from kefu.sla.models import ComplaintClass, Deadline, Severity
from kefu.tickets.measures import choice_labels, choice_list

DECIDED = Q(state__in=(Deadline.State.MET, Deadline.State.LATE, Deadline.State.BREACHED))
MISSED = Q(state__in=(Deadline.State.LATE, Deadline.State.BREACHED))


def target_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    return {value: str(value) for value in values if value}


declare(
    dimensions=[
        Dimension("target", _("时限"), target_labels),
        Dimension(
            "severity", _("严重程度"), choice_labels(Severity), choices=choice_list(Severity)
        ),
        Dimension(
            "class",
            _("投诉性质"),
            choice_labels(ComplaintClass),
            choices=choice_list(ComplaintClass),
        ),
    ],
    facts=[
        Fact(
            "deadlines",
            _("到期的时限"),
            Deadline,
            time="due_at",
            serial="ticket__serial",
            page="ticket",
            branch="branch_id",
            dims={
                "target": "name",
                "type": "ticket_type_id",
                "channel": "ticket__channel",
                "branch": "branch_id",
                "department": "ticket__department_id",
                "area": "ticket__area_id",
                "agent": "ticket__created_by_id",
                "assignee": "ticket__assignee_id",
            },
        )
    ],
    measures=[
        Measure(
            "deadlines_due",
            _("到期时限数"),
            "deadlines",
            "count",
            lambda: Count("id", filter=DECIDED),
            rows=DECIDED,
        ),
        Measure(
            "deadlines_missed",
            _("超时数"),
            "deadlines",
            "count",
            lambda: Count("id", filter=MISSED),
            rows=MISSED,
        ),
        Measure(
            "on_time_rate",
            _("按时率"),
            "deadlines",
            "rate",
            lambda: Count("id", filter=Q(state=Deadline.State.MET)),
            rows=DECIDED,
            of=lambda: Count("id", filter=DECIDED),
        ),
    ],
)
