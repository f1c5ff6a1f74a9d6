"""Outages in the reports (kefu.core.measures): the notices published (停水、降压、抢修、
计划施工), the calls recorded against them, the calls per notice, and the notice SMS sent to
the affected customers, by notice, kind and period (a notice counts in the period it starts).

A notice belongs to the branches of its areas: a branch's lead reads the notices touching
one of their areas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from kefu.core.measures import Dimension, Fact, Measure, declare
from kefu.notices.models import Campaign, Notice, NoticeLink
from kefu.tickets.measures import choice_labels, choice_list


def notice_titles(values: Iterable[Any]) -> Mapping[Any, str]:
    keys = {value for value in values if value is not None}
    return dict(Notice.objects.filter(pk__in=keys).values_list("pk", "title"))


def published(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.exclude(state=Notice.State.DRAFT)


def campaigns_published(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.exclude(notice__state=Notice.State.DRAFT)


def touching(branch_id: int) -> Q:
    return Q(pk__in=Notice.objects.filter(areas__branch_id=branch_id).values("pk"))


def of_notices_touching(branch_id: int) -> Q:
    return Q(notice__in=Notice.objects.filter(areas__branch_id=branch_id).values("pk"))


declare(
    dimensions=[
        Dimension("notice", _("公告"), notice_titles),
        Dimension(
            "notice_kind",
            _("公告类型"),
            choice_labels(Notice.Kind),
            choices=choice_list(Notice.Kind),
        ),
    ],
    facts=[
        Fact(
            "notices",
            _("已发布的公告"),
            Notice,
            time="starts_at",
            serial="id",
            page="notice",
            branch=touching,
            dims={"notice": "id", "notice_kind": "kind"},
            base=published,
        ),
        Fact(
            "notice_campaigns",
            _("公告短信"),
            Campaign,
            time="notice__starts_at",
            serial="notice_id",
            page="notice",
            branch=of_notices_touching,
            dims={"notice": "notice_id", "notice_kind": "notice__kind"},
            base=campaigns_published,
        ),
    ],
    measures=[
        Measure("notices", _("公告数"), "notices", "count", lambda: Count("id", distinct=True)),
        Measure(
            "notice_calls",
            _("关联来电"),
            "notices",
            "count",
            lambda: Count("links", distinct=True),
            rows=Q(pk__in=NoticeLink.objects.values("notice_id")),
            help=_("按公告答复或关联到公告的来电工单"),
        ),
        Measure(
            "calls_per_notice",
            _("每条公告来电"),
            "notices",
            "ratio",
            lambda: Count("links", distinct=True),
            of=lambda: Count("id", distinct=True),
        ),
        Measure(
            "notice_sms",
            _("已发短信"),
            "notice_campaigns",
            "sum",
            lambda: Sum("sent"),
        ),
    ],
)
