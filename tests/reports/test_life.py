"""The life of a monthly report: a supervisor submits it with the analysis, the general
manager approves it or sends it back, it is filed and never changes again. Each role may do
only its step; a refused step changes nothing."""

import datetime as dt

import pytest

from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.reports import services
from kefu.reports.models import MonthlyReport
from tests.complaints.factories import make_complaint
from tests.reports.conftest import at

NOVEMBER = dt.date(2025, 11, 1)
SUMMARY = "本月投诉 2 件,主要集中在服务态度;已组织服务礼仪培训。"


@pytest.fixture
def month(people, time_machine):
    """Two complaints in November; now it is Tuesday 2 December."""
    time_machine.move_to(at("2025-11-10 10:00"), tick=False)
    make_complaint(people["agent"], caller_number="13800000011")
    make_complaint(people["agent"], content="维修工迟到", caller_number="13800000012")
    time_machine.move_to(at("2025-12-02 10:00"), tick=False)
    return NOVEMBER


def snapshot(report: MonthlyReport) -> dict:
    report.refresh_from_db()
    return {
        f.attname: getattr(report, f.attname)
        for f in MonthlyReport._meta.concrete_fields
        if f.attname != "id"
    }


def refused(call, code: str):
    with pytest.raises(ServiceError) as error:
        call()
    assert error.value.code == code
    return error.value


def test_submitted_reviewed_and_archived_by_the_right_people(people, month):
    supervisor, gm = people["supervisor"], people["gm"]
    report = services.submit_report(month, actor=supervisor, summary=SUMMARY)
    assert (report.state, report.summary, report.submitted_by) == ("submitted", SUMMARY, supervisor)
    assert report.figures["total"] == 2 and report.figures["month"] == "2025-11"
    assert report.due_at == at("2025-12-05 00:00") and report.warn_at == at("2025-12-03 00:00")
    report = services.review_report(month, actor=gm, approve=True, note="同意")
    assert (report.state, report.reviewed_by, report.review_note) == ("approved", gm, "同意")
    report = services.archive_report(month, actor=gm)
    assert (report.state, report.archived_by) == ("archived", gm)
    assert list(
        AuditLog.objects.filter(object_type="reports.monthlyreport")
        .order_by("id")
        .values_list("action", "actor__username", "detail__from", "detail__to")
    ) == [
        ("report.submit", "supervisor", "draft", "submitted"),
        ("report.approve", "gm", "submitted", "approved"),
        ("report.archive", "gm", "approved", "archived"),
    ]


def test_sent_back_with_a_note_it_is_a_draft_again_and_is_resubmitted(people, month):
    supervisor, gm = people["supervisor"], people["gm"]
    services.submit_report(month, actor=supervisor, summary=SUMMARY)
    error = refused(
        lambda: services.review_report(month, actor=gm, approve=False, note=" "), "invalid"
    )
    assert (error.field, error.detail) == ("note", "退回时请填写审阅意见")
    report = services.review_report(month, actor=gm, approve=False, note="请补充重复投诉的原因")
    assert (report.state, report.review_note) == ("draft", "请补充重复投诉的原因")
    report = services.submit_report(month, actor=supervisor, summary=SUMMARY + "重复投诉已回访。")
    assert report.state == "submitted"


@pytest.mark.parametrize(
    "who", ["agent", "lead", "dept_handler", "dept_head", "quality", "gm", "sz_agent"]
)
def test_only_a_supervisor_submits(people, month, who):
    services.prepare_report(month, actor=people["supervisor"])
    report = MonthlyReport.objects.get(month=month)
    before = snapshot(report)
    error = refused(
        lambda: services.submit_report(month, actor=people[who], summary=SUMMARY), "forbidden"
    )
    assert error.detail == "只有客服主管可以提交月报"
    assert snapshot(report) == before


@pytest.mark.parametrize("who", ["agent", "lead", "supervisor", "quality", "dept_head"])
def test_only_the_general_manager_reviews(people, month, who):
    report = services.submit_report(month, actor=people["supervisor"], summary=SUMMARY)
    before = snapshot(report)
    refused(lambda: services.review_report(month, actor=people[who], approve=True), "forbidden")
    assert snapshot(report) == before


@pytest.mark.parametrize("who", ["agent", "lead", "quality", "dept_head"])
def test_only_a_supervisor_or_the_general_manager_archives(people, month, who):
    services.submit_report(month, actor=people["supervisor"], summary=SUMMARY)
    report = services.review_report(month, actor=people["gm"], approve=True)
    before = snapshot(report)
    refused(lambda: services.archive_report(month, actor=people[who]), "forbidden")
    assert snapshot(report) == before
    assert services.archive_report(month, actor=people["supervisor"]).state == "archived"


def test_steps_out_of_order_are_refused_and_change_nothing(people, month):
    supervisor, gm = people["supervisor"], people["gm"]
    error = refused(
        lambda: services.review_report(month, actor=gm, approve=True), "invalid_transition"
    )
    assert error.detail == "该月月报尚未提交"
    assert not MonthlyReport.objects.exists()
    report = services.prepare_report(month, actor=supervisor)
    before = snapshot(report)
    refused(lambda: services.archive_report(month, actor=gm), "invalid_transition")
    error = refused(
        lambda: services.submit_report(month, actor=supervisor, summary="  "), "invalid"
    )
    assert (error.field, error.detail) == ("summary", "请填写分析与整改")
    assert snapshot(report) == before


def test_a_month_not_yet_ended_cannot_be_submitted(people, month):
    error = refused(
        lambda: services.submit_report(
            dt.date(2025, 12, 1), actor=people["supervisor"], summary=SUMMARY
        ),
        "invalid",
    )
    assert (error.field, error.detail) == ("month", "该月尚未结束,不能提交月报")
    assert not MonthlyReport.objects.exists()


def test_an_archived_report_never_changes_and_keeps_its_figures(people, month):
    supervisor, gm = people["supervisor"], people["gm"]
    services.submit_report(month, actor=supervisor, summary=SUMMARY)
    services.review_report(month, actor=gm, approve=True)
    report = services.archive_report(month, actor=supervisor)
    # A complaint recorded late, for November: the live figures change, the filed ones do not.
    make_complaint(people["agent"], caller_number="13800000013", received_at=at("2025-11-30 18:00"))
    assert services.monthly_statistics(month).total == 3
    before = snapshot(report)
    for call in (
        lambda: services.submit_report(month, actor=supervisor, summary="改"),
        lambda: services.review_report(month, actor=gm, approve=False, note="重审"),
        lambda: services.review_report(month, actor=gm, approve=True),
        lambda: services.archive_report(month, actor=gm),
    ):
        error = refused(call, "invalid_transition")
        assert error.detail == "报表已归档,不能再修改"
    assert snapshot(report) == before
    page = services.get_report_page(supervisor, "2025-11")
    assert (page.live, page.stats.total, page.actions, page.overdue) == (False, 2, [], False)


def test_preparing_twice_makes_one_draft(people, month):
    first = services.prepare_report(month, actor=None)
    again = services.prepare_report(month, actor=people["gm"])
    assert first.pk == again.pk and MonthlyReport.objects.count() == 1
    assert AuditLog.objects.filter(action="report.prepare").count() == 1
    refused(lambda: services.prepare_report(month, actor=people["agent"]), "forbidden")
