"""What the kernel's tickets are counted by (kefu.core.measures): intake volume, handling time
and the open backlog with its age, by type, channel, status and the organisation's dimensions.

Every ticket received counts, merged duplicates and cancelled ones too (as in the monthly
complaint report): each was a request taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.core.measures import Dimension, Fact, Measure, declare
from kefu.tickets.models import OPEN_STATUSES, Channel, Priority, Status, Ticket, TicketType

# The open backlog's age bands (calendar time since received), youngest first; the codes sort
# in that order.
AGES: tuple[tuple[str, dt.timedelta | None, Any], ...] = (
    ("a_1d", dt.timedelta(days=1), _("1天内")),
    ("b_3d", dt.timedelta(days=3), _("1–3天")),
    ("c_7d", dt.timedelta(days=7), _("3–7天")),
    ("d_30d", dt.timedelta(days=30), _("7–30天")),
    ("e_older", None, _("30天以上")),
)


def choice_labels(choices: type[Any]) -> Any:
    """The labeller of a TextChoices dimension."""

    def labels(values: Iterable[Any]) -> Mapping[Any, str]:
        return {value: str(choices(value).label) for value in values if value in choices.values}

    return labels


def choice_list(choices: type[Any]) -> Any:
    """The filter choices of a TextChoices dimension."""

    def listed() -> list[tuple[Any, str]]:
        return [(value, str(label)) for value, label in choices.choices]

    return listed


def type_choices() -> list[tuple[Any, str]]:
    language = get_language()
    return [(t.pk, t.display(language)) for t in TicketType.objects.filter(is_active=True)]


def type_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    keys = {value for value in values if value is not None}
    language = get_language()
    return {t.pk: t.display(language) for t in TicketType.objects.filter(pk__in=keys)}


def age_labels(values: Iterable[Any]) -> Mapping[Any, str]:
    return {code: str(label) for code, _limit, label in AGES}


def age_band() -> Case:
    """The band of a ticket's age now (evaluated per query)."""
    now = timezone.now()
    whens = [
        When(received_at__gt=now - limit, then=Value(code))
        for code, limit, _label in AGES
        if limit is not None
    ]
    return Case(*whens, default=Value(AGES[-1][0]), output_field=CharField())


def still_open(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(status__in=OPEN_STATUSES)


TICKET_DIMS: dict[str, Any] = {
    "type": "type_id",
    "channel": "channel",
    "status": "status",
    "priority": "priority",
    "branch": "branch_id",
    "department": "department_id",
    "area": "area_id",
    "agent": "created_by_id",
    "assignee": "assignee_id",
}

HANDLING = ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())

declare(
    dimensions=[
        Dimension("type", _("诉求类型"), type_labels, choices=type_choices),
        Dimension("channel", _("渠道"), choice_labels(Channel), choices=choice_list(Channel)),
        Dimension("status", _("状态"), choice_labels(Status), choices=choice_list(Status)),
        Dimension("priority", _("优先级"), choice_labels(Priority), choices=choice_list(Priority)),
        Dimension("age", _("积压时长"), age_labels, ordered=True),
    ],
    facts=[
        Fact(
            "tickets",
            _("受理的诉求"),
            Ticket,
            time="received_at",
            serial="serial",
            page="ticket",
            branch="branch_id",
            dims=TICKET_DIMS,
        ),
        Fact(
            "backlog",
            _("未办结的诉求"),
            Ticket,
            time=None,
            serial="serial",
            page="ticket",
            branch="branch_id",
            dims={**TICKET_DIMS, "age": age_band},
            base=still_open,
        ),
    ],
    measures=[
        Measure("intake", _("受理量"), "tickets", "count", lambda: Count("id")),
        Measure(
            "resolved",
            _("已办结"),
            "tickets",
            "count",
            lambda: Count("id", filter=Q(resolved_at__isnull=False)),
            rows=Q(resolved_at__isnull=False),
        ),
        Measure(
            "resolved_rate",
            _("办结率"),
            "tickets",
            "rate",
            lambda: Count("id", filter=Q(resolved_at__isnull=False)),
            of=lambda: Count("id"),
        ),
        Measure(
            "handling_hours",
            _("平均办结时长(小时)"),
            "tickets",
            "hours",
            lambda: Avg(HANDLING, filter=Q(resolved_at__isnull=False)),
            rows=Q(resolved_at__isnull=False),
            help=_("受理到办结的平均时长,只计已办结的诉求"),
        ),
        Measure("backlog", _("积压量"), "backlog", "count", lambda: Count("id")),
    ],
)
