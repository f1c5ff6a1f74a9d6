"""The filing deadline: before the 5th of the next month. The hourly sweep makes the draft if
the 1st's task did not, warns the supervisors and the general manager two days before, and
records the breach once past due: each once, however often it runs. (The test center's two
branches have their reports too, counted in the sweep's numbers: tests/reports/test_branch_sweep.py
says who hears of them.)"""

import datetime as dt

from kefu.core.models import AuditLog
from kefu.notify.models import Notification
from kefu.reports import services
from kefu.reports.models import MonthlyReport
from tests.reports.conftest import at


def told() -> list[tuple]:
    """What the center's report told (the branch reports' events are others)."""
    center = Notification.objects.filter(event__in=("report.due", "report.overdue"))
    return list(center.order_by("id").values_list("event", "user__username", "title"))


def test_the_sweep_warns_once_and_records_the_breach_once(people, time_machine):
    time_machine.move_to(at("2025-12-02 10:00"), tick=False)
    assert services.sweep_report_deadlines() == (0, 0)
    report = MonthlyReport.objects.get(branch=None)  # the draft of November, made by the sweep
    assert (report.month, report.state) == (dt.date(2025, 11, 1), "draft")

    time_machine.move_to(at("2025-12-03 00:15"), tick=False)  # two days before the 5th
    assert services.sweep_report_deadlines() == (3, 0)
    assert services.sweep_report_deadlines() == (0, 0)
    due = "月报即将到期:2025 年 11 月投诉统计"
    assert told() == [("report.due", "supervisor", due), ("report.due", "gm", due)]
    body = Notification.objects.filter(event="report.due").first().body
    assert body == (
        "2025 年 11 月投诉统计月报须于 2025-12-05 00:00 前经总经理审阅并归档,请及时提交审阅:"
        "http://127.0.0.1:8000/reports/complaints/?month=2025-11"
    )

    time_machine.move_to(at("2025-12-05 00:15"), tick=False)
    assert services.sweep_report_deadlines() == (0, 3)
    assert services.sweep_report_deadlines() == (0, 0)
    overdue = "月报已超期:2025 年 11 月投诉统计"
    assert told()[2:] == [
        ("report.overdue", "supervisor", overdue),
        ("report.overdue", "gm", overdue),
    ]
    report.refresh_from_db()
    assert (report.warned_at, report.breached_at) == (
        at("2025-12-03 00:15"),
        at("2025-12-05 00:15"),
    )
    assert AuditLog.objects.filter(action="report.breach", object_id=str(report.pk)).count() == 1


def test_a_report_filed_in_time_is_neither_warned_nor_breached(people, org, time_machine):
    time_machine.move_to(at("2025-12-01 09:00"), tick=False)
    for branch in (None, org["hq"], org["sz"]):  # the center's and each branch's
        services.submit_report(
            "2025-11", actor=people["supervisor"], summary="本月无重大投诉", branch=branch
        )
        services.review_report("2025-11", actor=people["gm"], approve=True, branch=branch)
        services.archive_report("2025-11", actor=people["gm"], branch=branch)
    for moment in ("2025-12-03 00:15", "2025-12-05 00:15"):
        time_machine.move_to(at(moment), tick=False)
        assert services.sweep_report_deadlines() == (0, 0)
    assert not Notification.objects.exists()


def test_a_sweep_after_the_due_time_records_the_breach_without_a_late_warning(people, time_machine):
    time_machine.move_to(at("2025-12-06 08:00"), tick=False)  # the worker was down for days
    assert services.sweep_report_deadlines() == (0, 3)
    assert [event for event, _user, _title in told()] == ["report.overdue"] * 2
