"""Branch monthly reports (分支机构月报): each branch's complaints of the month, submitted by the
branch's lead (or a center supervisor on its behalf), reviewed by the general manager and filed
before the 5th like the center's. A branch's lead acts on their own branch's report only; the
center's readers read every report."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from kefu.accounts.models import Branch, Role
from kefu.complaints.models import Complaint
from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.reports import services
from kefu.reports.models import MonthlyReport
from kefu.reports.selectors import month_bounds
from tests.accounts.factories import make_person
from tests.complaints.factories import make_complaint
from tests.reports.conftest import at

NOVEMBER = dt.date(2025, 11, 1)
SUMMARY = "深圳分公司本月投诉 2 件,均为服务态度,已组织培训。"


@pytest.fixture
def crew(people, org):
    """The personas, with a team lead of each branch and a center administrator."""
    return {
        **people,
        "sz_lead": make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=org["sz"]),
        "hq_lead": make_person("hq-lead", Role.TEAM_LEAD, number="8401", branch=org["hq"]),
        "admin": make_person("admin", Role.ADMIN, number="0001"),
    }


@pytest.fixture
def month(crew, time_machine):
    """Two complaints in 深圳 and one at 总公司 in November; now it is Tuesday 2 December."""
    time_machine.move_to(at("2025-11-10 10:00"), tick=False)
    make_complaint(crew["agent"], caller_number="13800000021", area="nsh")
    make_complaint(crew["agent"], content="维修工迟到", caller_number="13800000022", area="nsh")
    make_complaint(crew["agent"], content="营业厅排队太久", caller_number="13800000023", area="yhy")
    time_machine.move_to(at("2025-12-02 10:00"), tick=False)
    return NOVEMBER


@pytest.fixture
def sz(org) -> Branch:
    return org["sz"]


def snapshot(report: MonthlyReport) -> dict:
    report.refresh_from_db()
    return {
        f.attname: getattr(report, f.attname)
        for f in MonthlyReport._meta.concrete_fields
        if f.attname != "id"
    }


def refused(call, code: str, detail: str | None = None):
    with pytest.raises(ServiceError) as error:
        call()
    assert error.value.code == code
    if detail is not None:
        assert error.value.detail == detail
    return error.value


def complaints_of(branch: Branch) -> int:
    """Counted here, apart from the report's selectors: November's complaints of ``branch``."""
    start, end = month_bounds(NOVEMBER)
    return Complaint.objects.filter(
        ticket__branch=branch, received_at__gte=start, received_at__lt=end
    ).count()


# ---------------------------------------------------------------------------------- the life


def test_the_branch_lead_submits_the_gm_approves_and_the_lead_files_it(crew, month, sz):
    lead, gm = crew["sz_lead"], crew["gm"]
    report = services.submit_report(month, actor=lead, summary=SUMMARY)  # their own branch's
    assert (report.branch, report.state, report.submitted_by) == (sz, "submitted", lead)
    assert report.figures["total"] == complaints_of(sz) == 2
    assert report.figures["branch"] == "sz"
    assert report.due_at == at("2025-12-05 00:00") and report.warn_at == at("2025-12-03 00:00")
    assert not MonthlyReport.objects.filter(branch__isnull=True).exists()  # the center's: none
    report = services.review_report(month, actor=gm, approve=True, note="同意", branch=sz.pk)
    assert (report.state, report.reviewed_by, report.review_note) == ("approved", gm, "同意")
    report = services.archive_report(month, actor=lead)
    assert (report.state, report.archived_by) == ("archived", lead)
    assert list(
        AuditLog.objects.filter(object_type="reports.monthlyreport")
        .order_by("id")
        .values_list("action", "actor__username", "detail__from", "detail__to", "detail__branch")
    ) == [
        ("report.submit", "sz-lead", "draft", "submitted", "sz"),
        ("report.approve", "gm", "submitted", "approved", "sz"),
        ("report.archive", "sz-lead", "approved", "archived", "sz"),
    ]


def test_the_snapshot_is_the_branchs_figures_and_is_frozen_once_filed(crew, month, sz):
    lead, gm = crew["sz_lead"], crew["gm"]
    live = services.get_report_page(lead, month)
    assert (live.branch, live.live, live.stats.total, live.actions) == (sz, True, 2, ["submit"])
    report = services.submit_report(month, actor=crew["supervisor"], summary=SUMMARY, branch=sz)
    figures = services.monthly_statistics(month, branch=sz).as_dict()
    assert {k: v for k, v in report.figures.items() if k != "generated_at"} == {
        k: v for k, v in figures.items() if k != "generated_at"
    }
    assert report.submitted_by == crew["supervisor"]  # on the branch's behalf
    services.review_report(month, actor=gm, approve=True, branch=sz)
    services.archive_report(month, actor=gm, branch=sz)
    # A 深圳 complaint recorded late, for November: the live figures change, the filed ones not.
    make_complaint(
        crew["agent"], caller_number="13800000024", area="nsh", received_at=at("2025-11-30 18:00")
    )
    assert complaints_of(sz) == services.monthly_statistics(month, branch=sz).total == 3
    for reader in (lead, gm):
        page = services.get_report_page(reader, "2025-11", branch=sz.pk)
        assert (page.live, page.stats.total, page.actions, page.overdue) == (False, 2, [], False)
    # The center's and 总公司's reports are not touched: live, 4 and 1 complaints.
    center = services.get_report_page(gm, "2025-11")
    assert (center.branch, center.live, center.stats.total) == (None, True, 4)
    hq = services.get_report_page(crew["hq_lead"], "2025-11")
    assert (hq.branch.code, hq.live, hq.stats.total) == ("hq", True, complaints_of(hq.branch))


def test_sent_back_it_is_a_draft_again_and_the_lead_resubmits(crew, month, sz):
    lead, gm = crew["sz_lead"], crew["gm"]
    services.submit_report(month, actor=lead, summary=SUMMARY)
    refused(
        lambda: services.review_report(month, actor=gm, approve=False, note=" ", branch=sz),
        "invalid",
        "退回时请填写审阅意见",
    )
    report = services.review_report(month, actor=gm, approve=False, note="请补充原因", branch=sz)
    assert (report.state, report.review_note) == ("draft", "请补充原因")
    assert services.get_report_page(lead, month).live is True  # a draft again: live figures
    report = services.submit_report(month, actor=lead, summary=SUMMARY + "已回访。")
    assert report.state == "submitted"
    assert list(
        AuditLog.objects.filter(object_type="reports.monthlyreport")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["report.submit", "report.send_back", "report.submit"]


def test_steps_out_of_order_and_an_archived_report_change_nothing(crew, month, sz):
    lead, gm = crew["sz_lead"], crew["gm"]
    refused(
        lambda: services.review_report(month, actor=gm, approve=True, branch=sz),
        "invalid_transition",
        "该月月报尚未提交",
    )
    refused(lambda: services.archive_report(month, actor=lead), "invalid_transition")
    assert not MonthlyReport.objects.exists()
    report = services.prepare_report(month, actor=lead)
    assert report.branch == sz
    before = snapshot(report)
    refused(lambda: services.archive_report(month, actor=lead), "invalid_transition")
    refused(lambda: services.submit_report(month, actor=lead, summary=" "), "invalid")
    assert snapshot(report) == before
    services.submit_report(month, actor=lead, summary=SUMMARY)
    refused(lambda: services.submit_report(month, actor=lead, summary="再交"), "invalid_transition")
    refused(lambda: services.archive_report(month, actor=lead), "invalid_transition")
    services.review_report(month, actor=gm, approve=True, branch=sz)
    report = services.archive_report(month, actor=gm, branch=sz)
    before = snapshot(report)
    for call in (
        lambda: services.submit_report(month, actor=lead, summary="改"),
        lambda: services.review_report(month, actor=gm, approve=False, note="重审", branch=sz),
        lambda: services.archive_report(month, actor=lead),
    ):
        refused(call, "invalid_transition", "报表已归档,不能再修改")
    assert snapshot(report) == before


def test_a_month_not_ended_cannot_be_submitted_by_a_branch(crew, month):
    refused(
        lambda: services.submit_report("2025-12", actor=crew["sz_lead"], summary=SUMMARY),
        "invalid",
        "该月尚未结束,不能提交月报",
    )
    assert not MonthlyReport.objects.exists()


# ---------------------------------------------------------------------------------- who may


OTHER_BRANCH = "不能操作其他分支机构的月报"
SUBMIT_REFUSED = "只有本分支机构的班长或客服主管可以提交分支机构月报"
ARCHIVE_REFUSED = "只有本分支机构的班长、客服主管或总经理可以归档分支机构月报"


@pytest.mark.parametrize(
    ("who", "detail"),
    [
        ("sz_lead", None),
        ("supervisor", None),
        ("hq_lead", OTHER_BRANCH),
        ("lead", SUBMIT_REFUSED),  # a center team lead: not the branch's lead
        ("agent", SUBMIT_REFUSED),
        ("sz_agent", SUBMIT_REFUSED),
        ("gm", SUBMIT_REFUSED),
        ("quality", SUBMIT_REFUSED),
        ("admin", SUBMIT_REFUSED),
        ("dept_head", SUBMIT_REFUSED),
    ],
)
def test_who_submits_a_branch_report(crew, month, sz, who, detail):
    report = services.prepare_report(month, actor=None, branch=sz)
    before = snapshot(report)
    call = lambda: services.submit_report(month, actor=crew[who], summary=SUMMARY, branch=sz.pk)  # noqa: E731
    if detail is None:
        assert call().state == "submitted"
        assert services.allowed_actions(None, crew[who], month=month, branch=sz) == ["submit"]
    else:
        refused(call, "forbidden", detail)
        assert snapshot(report) == before
        assert services.allowed_actions(None, crew[who], month=month, branch=sz) == []


@pytest.mark.parametrize(
    "who", ["sz_lead", "hq_lead", "lead", "supervisor", "agent", "quality", "admin", "dept_head"]
)
def test_only_the_general_manager_reviews_a_branch_report(crew, month, sz, who):
    report = services.submit_report(month, actor=crew["sz_lead"], summary=SUMMARY)
    before = snapshot(report)
    detail = OTHER_BRANCH if who == "hq_lead" else "只有总经理可以审阅月报"
    refused(
        lambda: services.review_report(month, actor=crew[who], approve=True, branch=sz),
        "forbidden",
        detail,
    )
    assert snapshot(report) == before
    assert services.allowed_actions(report, crew[who], month=month, branch=sz) == []
    assert services.allowed_actions(report, crew["gm"], month=month, branch=sz) == ["review"]


@pytest.mark.parametrize(
    ("who", "detail"),
    [
        ("sz_lead", None),
        ("supervisor", None),
        ("gm", None),
        ("hq_lead", OTHER_BRANCH),
        ("lead", ARCHIVE_REFUSED),
        ("agent", ARCHIVE_REFUSED),
        ("quality", ARCHIVE_REFUSED),
        ("admin", ARCHIVE_REFUSED),
    ],
)
def test_who_files_an_approved_branch_report(crew, month, sz, who, detail):
    services.submit_report(month, actor=crew["sz_lead"], summary=SUMMARY)
    report = services.review_report(month, actor=crew["gm"], approve=True, branch=sz)
    before = snapshot(report)
    call = lambda: services.archive_report(month, actor=crew[who], branch=sz)  # noqa: E731
    if detail is None:
        assert call().state == "archived"
    else:
        refused(call, "forbidden", detail)
        assert snapshot(report) == before


def test_a_branch_lead_never_touches_the_center_report(crew, month, sz):
    """Without a branch named, a branch's lead works on their own branch's report: the center's
    is out of their reach, as is the other branch's."""
    supervisor = crew["supervisor"]
    center = services.submit_report(month, actor=supervisor, summary="全中心分析")
    before = snapshot(center)
    services.submit_report(month, actor=crew["sz_lead"], summary=SUMMARY)
    assert snapshot(center) == before
    assert MonthlyReport.objects.get(branch=sz).summary == SUMMARY
    refused(
        lambda: services.submit_report(
            month, actor=crew["hq_lead"], summary="越权", branch=str(sz.pk)
        ),
        "forbidden",
        OTHER_BRANCH,
    )
    assert not MonthlyReport.objects.filter(branch__code="hq").exists()
    # The center's report as the center always had it: refused to a branch's team lead.
    refused(
        lambda: services.review_report(month, actor=crew["sz_lead"], approve=True),
        "forbidden",
    )
    assert snapshot(center) == before


@pytest.mark.parametrize("who", ["lead", "supervisor", "gm", "quality", "admin"])
def test_the_centers_readers_read_every_report(crew, month, sz, who):
    page = services.get_report_page(crew[who], "2025-11", branch=sz.pk)
    assert (page.branch, page.stats.total) == (sz, 2)
    entries = services.list_reports(crew[who], "2025-11")
    assert [(e.branch.code if e.branch else None, e.state) for e in entries] == [
        (None, None),
        ("hq", None),
        ("sz", None),
    ]


def test_a_branch_lead_reads_their_own_report_only(crew, month, sz):
    lead = crew["sz_lead"]
    assert services.get_report_page(lead, "2025-11", branch=sz.pk).branch == sz
    assert [e.branch for e in services.list_reports(lead, "2025-11")] == [sz]
    hq = Branch.objects.get(code="hq")
    refused(
        lambda: services.get_report_page(lead, "2025-11", branch=hq.pk),
        "forbidden",
        "只能查看本分支机构的月报",
    )
    for user in (crew["agent"], crew["sz_agent"], crew["dept_handler"]):
        refused(lambda u=user: services.get_report_page(u, "2025-11", branch=sz.pk), "forbidden")
        refused(lambda u=user: services.list_reports(u, "2025-11"), "forbidden")


def test_a_bad_branch_is_a_clear_error(crew, month):
    gm = crew["gm"]
    error = refused(lambda: services.get_report_page(gm, "2025-11", branch="深圳"), "invalid")
    assert (error.field, error.detail) == ("branch", "分支机构编号无效")
    error = refused(lambda: services.get_report_page(gm, "2025-11", branch=987654), "not_found")
    assert (error.field, error.detail) == ("branch", "没有这个分支机构")
    refused(
        lambda: services.submit_report("2025-11", actor=crew["supervisor"], summary="x", branch=-1),
        "invalid",
    )
    assert not MonthlyReport.objects.exists()


# ---------------------------------------------------------------------------------- one each


def test_the_worker_prepares_the_center_and_every_active_branch_once(crew, month, org):
    Branch.objects.create(code="gz", name="广州分公司", is_active=False)
    made = services.prepare_reports(month)
    assert [r.branch.code if r.branch else None for r in made] == [None, "hq", "sz"]
    assert all(r.state == "draft" for r in made)
    again = services.prepare_reports(month)
    assert [r.pk for r in again] == [r.pk for r in made]
    assert MonthlyReport.objects.count() == 3
    assert AuditLog.objects.filter(action="report.prepare").count() == 3
    refused(lambda: services.prepare_reports("2025-12"), "invalid")


def test_one_report_per_month_and_branch_and_one_center_report(crew, month, sz):
    due = services.due_at_for(month)
    fields = {"month": month, "due_at": due, "warn_at": due}
    MonthlyReport.objects.create(**fields)
    MonthlyReport.objects.create(branch=sz, **fields)
    for branch in (None, sz):
        with pytest.raises(IntegrityError), transaction.atomic():
            MonthlyReport.objects.create(branch=branch, **fields)
    MonthlyReport.objects.create(branch=sz, **{**fields, "month": dt.date(2025, 10, 1)})
    assert MonthlyReport.objects.count() == 3
