"""Branch reports are due before the 5th like the center's: the hourly sweep makes their drafts,
warns the branch's leads and the general manager two days before, and records the breach once
past due — each once. A branch without a lead has its reminders go to the center's
supervisors, who may submit on its behalf."""

import threading

import pytest
from django.db import connection

from kefu.accounts.models import Branch, Role
from kefu.core.models import AuditLog
from kefu.notify.models import Notification
from kefu.reports import services
from kefu.reports.models import MonthlyReport
from tests.accounts.factories import make_person
from tests.reports.conftest import at


def told(event: str) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(event=event).order_by("id")
    return list(rows.values_list("user__username", "title"))


def test_the_sweep_warns_and_breaches_branch_reports_once_telling_the_right_people(
    people, org, time_machine
):
    sz = org["sz"]
    make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=sz)
    make_person("sz-boss", Role.SUPERVISOR, number="8500", branch=sz)
    time_machine.move_to(at("2025-12-02 10:00"), tick=False)
    assert services.sweep_report_deadlines() == (0, 0)
    made = MonthlyReport.objects.order_by("id")
    assert [(r.branch.code if r.branch else None, r.state) for r in made] == [
        (None, "draft"),
        ("hq", "draft"),
        ("sz", "draft"),
    ]

    time_machine.move_to(at("2025-12-03 00:15"), tick=False)
    assert services.sweep_report_deadlines() == (3, 0)
    assert services.sweep_report_deadlines() == (0, 0)
    assert told("report.due") == [
        ("supervisor", "月报即将到期:2025 年 11 月投诉统计"),
        ("gm", "月报即将到期:2025 年 11 月投诉统计"),
    ]
    # 总公司 has no lead of its own: the center's supervisor hears of it; 深圳's leads do.
    hq_due = "月报即将到期:总公司2025 年 11 月投诉统计"
    sz_due = "月报即将到期:深圳分公司2025 年 11 月投诉统计"
    assert sorted(told("report.branch_due")) == sorted(
        [
            ("supervisor", hq_due),
            ("gm", hq_due),
            ("sz-lead", sz_due),
            ("sz-boss", sz_due),
            ("gm", sz_due),
        ]
    )
    body = Notification.objects.get(event="report.branch_due", user__username="sz-lead").body
    assert body == (
        "深圳分公司2025 年 11 月投诉统计月报须于 2025-12-05 00:00 前经总经理审阅并归档,"
        f"请及时提交审阅:http://127.0.0.1:8000/reports/complaints/?month=2025-11&branch={sz.pk}"
    )

    # 深圳 files in time; 总公司 and the center do not.
    lead = MonthlyReport.objects.get(branch=sz)
    services.submit_report("2025-11", actor=people["supervisor"], summary="代为提交", branch=sz)
    services.review_report("2025-11", actor=people["gm"], approve=True, branch=sz)
    services.archive_report("2025-11", actor=people["gm"], branch=sz)
    time_machine.move_to(at("2025-12-05 00:15"), tick=False)
    assert services.sweep_report_deadlines() == (0, 2)
    assert services.sweep_report_deadlines() == (0, 0)
    assert sorted(told("report.branch_overdue")) == [
        ("gm", "月报已超期:总公司2025 年 11 月投诉统计"),
        ("supervisor", "月报已超期:总公司2025 年 11 月投诉统计"),
    ]
    assert [u for u, _t in told("report.overdue")] == ["supervisor", "gm"]
    lead.refresh_from_db()
    assert (lead.warned_at, lead.breached_at) == (at("2025-12-03 00:15"), None)
    breaches = AuditLog.objects.filter(action="report.breach").order_by("id")
    assert [b.detail.get("branch") for b in breaches] == [None, "hq"]


def test_the_sweep_makes_only_the_missing_drafts(people, org, time_machine):
    time_machine.move_to(at("2025-12-01 09:00"), tick=False)
    services.prepare_report("2025-11", actor=None)  # the center's only: the branches' missing
    services.sweep_report_deadlines()
    assert sorted(
        MonthlyReport.objects.values_list("branch__code", flat=True), key=lambda c: c or ""
    ) == [None, "hq", "sz"]
    assert AuditLog.objects.filter(action="report.prepare").count() == 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_preparing_at_once_make_one_report_each(time_machine):
    from tests.accounts.factories import make_org

    make_org()
    Branch.objects.create(code="gz", name="广州分公司")
    time_machine.move_to(at("2025-12-01 00:05"), tick=False)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(sorted(r.pk for r in services.prepare_reports("2025-11")))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert MonthlyReport.objects.count() == 4  # the center, 总公司, 深圳, 广州
    assert len({tuple(r) for r in results}) == 1  # every worker got the same four
    assert AuditLog.objects.filter(action="report.prepare").count() == 4
