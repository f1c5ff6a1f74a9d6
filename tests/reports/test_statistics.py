"""The monthly complaint figures: exact numbers for a month built through the real services,
the month cut in the center's time, a fixed number of queries, a snapshot that reads back."""

import datetime as dt

import pytest

from kefu.accounts.models import Branch
from kefu.core.calendar import parse_month
from kefu.core.errors import ServiceError
from kefu.reports.selectors import MonthlyStats, monthly_statistics

NOVEMBER = dt.date(2025, 11, 1)


def test_the_months_figures_are_exact_in_seven_queries(november, django_assert_num_queries):
    with django_assert_num_queries(7):
        stats = monthly_statistics(NOVEMBER)
    # October's last minute and December's first (30 November 16:00 UTC) are not November's.
    assert stats.total == 15
    assert stats.severity.__dict__ == {
        "general": 8,
        "major": 7,  # the loss, the five collective, the repeat
        "collective": 5,
        "collective_groups": 1,
        "repeat": 1,
    }
    assert stats.status.__dict__ == {
        "open": 8,
        "resolved": 5,
        "followed_up": 1,
        "closed": 0,
        "cancelled": 1,
    }
    assert stats.time_limits.__dict__ == {
        "met": 5,
        "late": 1,
        "breached": 1,
        "running": 7,
        "cancelled": 1,
    }
    assert stats.time_limits.on_time_rate == 0.7143  # 5 of 7 whose limit came


def test_the_category_by_class_matrix_adds_up_by_row_and_column(november):
    stats = monthly_statistics(NOVEMBER)
    assert [(line.name, line.counts, line.total) for line in stats.matrix] == [
        ("服务态度", [2, 0, 0, 0], 2),
        ("供水中断", [0, 0, 1, 5], 6),
        ("抄表收费", [0, 1, 0, 0], 1),
        ("维修质量", [2, 0, 0, 0], 2),
        ("办理时效", [1, 0, 0, 1], 2),
        ("其他", [0, 0, 0, 2], 2),
    ]
    assert [label for _code, label in stats.classes] == [
        "责任投诉",
        "无责任投诉",
        "协助处理投诉",
        "未界定",
    ]
    assert stats.class_counts == [5, 1, 1, 8]
    assert sum(stats.class_counts) == stats.total


def test_callbacks_count_the_excluded_by_reason_and_the_satisfied(november):
    calls = monthly_statistics(NOVEMBER).callbacks
    assert (calls.due, calls.done, calls.in_time, calls.open) == (2, 1, 1, 1)
    assert (calls.declined, calls.anonymous, calls.not_sampled, calls.excluded) == (1, 1, 1, 3)
    assert (calls.given_up, calls.refused) == (0, 0)
    assert (calls.satisfied, calls.unsatisfied, calls.surveys) == (1, 0, 1)
    assert (calls.callback_rate, calls.satisfaction_rate, calls.average_score) == (0.5, 1.0, 5.0)


def test_each_department_and_agent_has_its_own_row(november):
    stats = monthly_statistics(NOVEMBER)

    def line(row):
        return (
            row.name,
            row.complaints,
            row.resolved,
            row.time_limits.met,
            row.time_limits.late,
            row.time_limits.breached,
            row.time_limits.on_time_rate,
            row.callbacks.due,
            row.callbacks.done,
            row.callbacks.callback_rate,
            row.callbacks.satisfied,
        )

    assert [line(r) for r in stats.departments] == [
        ("维修部", 4, 4, 3, 1, 0, 0.75, 2, 1, 0.5, 1),
        ("营业部", 1, 0, 0, 0, 1, 0.0, 0, 0, None, 0),
        ("未派部门", 10, 2, 2, 0, 0, 1.0, 0, 0, None, 0),
    ]
    assert [line(r) for r in stats.agents] == [
        ("李娜", 13, 5, 4, 1, 1, 0.6667, 2, 1, 0.5, 1),
        ("王芳", 2, 1, 1, 0, 0, 1.0, 0, 0, None, 0),
    ]


def test_causes_and_corrective_actions_are_listed_in_order_received(november):
    stats = monthly_statistics(NOVEMBER)
    assert stats.lessons_total == 2
    assert [
        (x.serial, x.category, x.department, x.complaint_class, x.severity, x.cause)
        for x in stats.lessons
    ] == [
        ("251124001", "服务态度", "维修部", "责任投诉", "一般", "抄表员服务意识不足"),
        ("251124006", "维修质量", "维修部", "责任投诉", "重大", "施工未做成品保护"),
    ]
    assert stats.lessons[1].corrective_action == "维修前铺设防护,完工验收拍照"


def test_the_month_is_cut_in_the_centers_time(november):
    assert monthly_statistics(dt.date(2025, 10, 1)).total == 1
    assert monthly_statistics(dt.date(2025, 12, 1)).total == 1


def test_a_branch_sees_only_its_own_complaints(november):
    assert monthly_statistics(NOVEMBER, branch=Branch.objects.get(code="sz")).total == 0
    assert monthly_statistics(NOVEMBER, branch=Branch.objects.get(code="hq")).total == 15


def test_an_empty_month_has_zeros_and_no_rates(db):
    stats = monthly_statistics(dt.date(2024, 2, 1))
    assert (stats.total, stats.matrix, stats.departments, stats.agents) == (0, [], [], [])
    assert stats.time_limits.on_time_rate is None
    assert stats.callbacks.callback_rate is None


def test_the_snapshot_reads_back_as_the_same_figures(november):
    stats = monthly_statistics(NOVEMBER)
    data = stats.as_dict()
    assert data["callbacks"]["callback_rate"] == 0.5
    assert data["departments"][0]["time_limits"]["on_time_rate"] == 0.75
    again = MonthlyStats.from_dict(data)
    assert again == stats
    assert again.as_dict() == data


@pytest.mark.parametrize("value", ["2025-13", "2025-1", "25-11", "", "abcd-ef", "1999-12"])
def test_a_bad_month_is_refused_with_the_field(value):
    with pytest.raises(ServiceError) as refused:
        parse_month(value)
    assert (refused.value.field, refused.value.detail) == ("month", "月份格式无效,应如 2025-11")
