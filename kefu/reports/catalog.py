"""The reports a center is judged on (DOMAIN §2): each a set of the registry's measures, the
dimensions it may be grouped, split and filtered by, the one it opens on and its chart.

A report's measures may come from several facts (callbacks and surveys); it is grouped only by
the dimensions all of them know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Chart = Literal["bar", "line", "heat"]

PERIOD = ("day", "week", "month", "hour", "weekday")
ORG = ("branch", "department", "area", "agent")


@dataclass(frozen=True)
class Report:
    key: str
    title: str | Promise
    description: str | Promise
    measures: tuple[str, ...]
    by: str  # the dimension it opens on
    dims: tuple[str, ...]  # the dimensions it may be grouped by
    splits: tuple[str, ...] = ()  # the dimensions it may be split by (the first measure)
    filters: tuple[str, ...] = ("branch", "type", "channel", "department")
    chart: Chart = "bar"
    split: str = ""  # the split it opens with


REPORTS: tuple[Report, ...] = (
    Report(
        "intake",
        _("受理量与趋势"),
        _("受理的诉求按类型、渠道、分支机构和时段,看走势与高峰"),
        ("intake", "resolved", "resolved_rate"),
        by="day",
        dims=(*PERIOD, "type", "channel", *ORG),
        splits=("type", "channel", "branch"),
        chart="line",
    ),
    Report(
        "handling",
        _("办理时长"),
        _("受理到办结的平均时长与办结率"),
        ("handling_hours", "intake", "resolved", "resolved_rate"),
        by="type",
        dims=("type", "channel", *ORG, "assignee", "month", "week"),
    ),
    Report(
        "time_limits",
        _("时限按时率"),
        _("每个时限目标到期的数量、超时数与按时率"),
        ("on_time_rate", "deadlines_due", "deadlines_missed"),
        by="target",
        dims=("target", "type", *ORG, "assignee", "month", "week", "day"),
        splits=("target",),
    ),
    Report(
        "backlog",
        _("积压与账龄"),
        _("此刻未办结的诉求,按积压时长、类型和部门"),
        ("backlog",),
        by="age",
        dims=("age", "type", "channel", "status", "branch", "department", "assignee"),
        splits=("type", "department", "status"),
        chart="bar",
        split="type",
    ),
    Report(
        "complaints",
        _("投诉与重复投诉"),
        _("投诉量、重复投诉率与集体投诉,按类别、性质与严重程度"),
        ("complaints", "repeat_complaints", "repeat_rate", "collective_complaints"),
        by="category",
        dims=("category", "class", "severity", "source", "type", *ORG, "month", "week"),
        splits=("severity", "class"),
        filters=("branch", "department", "severity", "class"),
    ),
    Report(
        "complaint_rate",
        _("投诉率"),
        _("每万名受服务客户的投诉量(受服务客户:期间内有诉求的客户)"),
        ("complaint_rate", "intake"),
        by="month",
        dims=("month", "week", "branch", "area", "channel"),
        filters=("branch", "channel"),
        chart="line",
    ),
    Report(
        "satisfaction",
        _("回访与满意度"),
        _("每位坐席和每个部门的回访率、满意率与调查评分"),
        (
            "callback_rate",
            "satisfaction_rate",
            "callbacks_due",
            "callbacks_done",
            "survey_score",
            "surveys_answered",
        ),
        by="agent",
        dims=("agent", "department", "branch", "type", "month", "week"),
    ),
    Report(
        "workorders",
        _("派工与及时提货"),
        _("派工单的按时完工率、及时提货率、发货地分析与催办"),
        (
            "workorders",
            "workorders_on_time_rate",
            "pickup_on_time_rate",
            "workorders_chased",
            "chases",
        ),
        by="area",
        dims=("area", "kind", "assignee", "crew", "department", "branch", "wo_source", *PERIOD),
        splits=("kind", "wo_status"),
        filters=("branch", "kind", "department", "crew"),
    ),
    Report(
        "outages",
        _("停水公告与来电"),
        _("发布的公告、每条公告带来的来电和发出的短信"),
        ("notices", "notice_calls", "calls_per_notice", "notice_sms"),
        by="notice",
        dims=("notice", "notice_kind", "month", "week", "day"),
        filters=("notice_kind",),
    ),
    Report(
        "calls",
        _("话务报表"),
        _("呼入量、接通、放弃、服务水平与平均通话时长,按坐席和时段"),
        (
            "calls_offered",
            "calls_answered",
            "calls_abandoned",
            "service_level",
            "answer_rate",
            "talk_seconds",
        ),
        by="hour",
        dims=("hour", "agent", "queue", "day", "week", "month", "weekday", "branch"),
        filters=("branch",),
        chart="bar",
    ),
    Report(
        "areas",
        _("片区热力表"),
        _("各服务片区的报修、投诉等诉求量,颜色越深越多"),
        ("intake",),
        by="area",
        dims=("area", "branch"),
        splits=("type",),
        filters=("branch", "channel"),
        chart="heat",
        split="type",
    ),
)

BY_KEY = {report.key: report for report in REPORTS}
