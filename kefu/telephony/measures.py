"""The calls in the reports (话务报表, kefu.core.measures): inbound calls offered, answered,
abandoned and answered within the service-level target, the service level, and the average
talk time, per agent, queue and hour slot, counted as the floor page counts
them (kefu.telephony.floor): a call the blacklist rejected was never offered; a call still
ringing is neither answered nor abandoned yet.

A branch's lead reads the calls its agents answered: an abandoned call has no agent, so it is
counted for the whole center only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.core.measures import Dimension, Fact, Measure, declare
from kefu.telephony.models import CallRecord

ANSWERED = Q(answered_at__isnull=False)
ABANDONED = Q(answered_at__isnull=True, state=CallRecord.State.ENDED)
OFFERED = ANSWERED | ABANDONED
TALKED = Q(answered_at__isnull=False, ended_at__isnull=False)
TALK = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())


def in_target() -> Q:
    """Answered within the service-level target (the setting, read per query)."""
    target = dt.timedelta(seconds=settings.TELEPHONY_SERVICE_SECONDS)
    return Q(ANSWERED, answered_at__lte=F("started_at") + target)


def inbound(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(direction=CallRecord.Direction.IN).exclude(
        screening=CallRecord.Screening.REJECTED
    )


def queue_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    return {value: str(value) for value in values if value}


declare(
    dimensions=[Dimension("queue", _("队列"), queue_labels)],
    facts=[
        Fact(
            "calls",
            _("呼入电话"),
            CallRecord,
            time="started_at",
            serial="call_id",
            page=None,
            branch="agent__staff__branch_id",
            dims={"agent": "agent_id", "queue": "queue", "branch": "agent__staff__branch_id"},
            base=inbound,
        )
    ],
    measures=[
        Measure(
            "calls_offered",
            _("呼入量"),
            "calls",
            "count",
            lambda: Count("id", filter=OFFERED),
            rows=OFFERED,
        ),
        Measure(
            "calls_answered",
            _("接通量"),
            "calls",
            "count",
            lambda: Count("id", filter=ANSWERED),
            rows=ANSWERED,
        ),
        Measure(
            "calls_abandoned",
            _("放弃量"),
            "calls",
            "count",
            lambda: Count("id", filter=ABANDONED),
            rows=ABANDONED,
        ),
        Measure(
            "service_level",
            _("服务水平"),
            "calls",
            "rate",
            lambda: Count("id", filter=in_target()),
            rows=OFFERED,
            of=lambda: Count("id", filter=OFFERED),
            help=_("目标时间内接通的呼入电话占呼入量的比例"),
        ),
        Measure(
            "answer_rate",
            _("接通率"),
            "calls",
            "rate",
            lambda: Count("id", filter=ANSWERED),
            rows=OFFERED,
            of=lambda: Count("id", filter=OFFERED),
        ),
        Measure(
            "talk_seconds",
            _("平均通话时长(秒)"),
            "calls",
            "seconds",
            lambda: Avg(TALK, filter=TALKED),
            rows=TALKED,
        ),
    ],
)
