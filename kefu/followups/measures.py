"""Callbacks and satisfaction in the reports (kefu.core.measures), counted by the conditions
of kefu.followups.rates, as the callback report and the monthly complaint report count them.
"""

from __future__ import annotations

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from kefu.core.measures import Fact, Measure, declare
from kefu.followups.models import CallbackTask, Survey
from kefu.followups.rates import ANSWERED, ASKED, DONE, DUE, SATISFIED, SURVEY_ANSWERED

SCORED = SURVEY_ANSWERED & Q(score__isnull=False)

declare(
    facts=[
        Fact(
            "callbacks",
            _("回访任务"),
            CallbackTask,
            time="created_at",
            serial="ticket__serial",
            page="ticket",
            branch="ticket__branch_id",
            dims={
                "type": "ticket__type_id",
                "channel": "ticket__channel",
                "branch": "ticket__branch_id",
                "department": "department_id",
                "area": "ticket__area_id",
                "agent": "ticket__created_by_id",
                "assignee": "assignee_id",
            },
        ),
        Fact(
            "surveys",
            _("满意度调查"),
            Survey,
            time="created_at",
            serial="ticket__serial",
            page="ticket",
            branch="ticket__branch_id",
            dims={
                "type": "ticket__type_id",
                "channel": "ticket__channel",
                "branch": "ticket__branch_id",
                "department": "department_id",
                "area": "ticket__area_id",
                "agent": "agent_id",
            },
        ),
    ],
    measures=[
        Measure(
            "callbacks_due",
            _("应回访"),
            "callbacks",
            "count",
            lambda: Count("id", filter=DUE),
            rows=DUE,
        ),
        Measure(
            "callbacks_done",
            _("已回访"),
            "callbacks",
            "count",
            lambda: Count("id", filter=DONE),
            rows=DONE,
        ),
        Measure(
            "callback_rate",
            _("回访率"),
            "callbacks",
            "rate",
            lambda: Count("id", filter=DONE),
            rows=ASKED,
            of=lambda: Count("id", filter=ASKED),
            help=_("已回访 ÷ (应回访 − 客户拒绝回访)"),
        ),
        Measure(
            "satisfaction_rate",
            _("满意率"),
            "callbacks",
            "rate",
            lambda: Count("id", filter=SATISFIED),
            rows=ANSWERED,
            of=lambda: Count("id", filter=ANSWERED),
        ),
        Measure(
            "surveys_answered",
            _("已评价调查"),
            "surveys",
            "count",
            lambda: Count("id", filter=SCORED),
            rows=SCORED,
        ),
        Measure(
            "survey_score",
            _("平均评分"),
            "surveys",
            "average",
            lambda: Avg("score", filter=SCORED),
            rows=SCORED,
        ),
    ],
)
