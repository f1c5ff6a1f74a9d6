"""Branch reports on the monthly page and in the API: the center's readers pick a report from
the month's list, a branch's lead lands on their own; the buttons are the allowed steps; each
report has its Excel file; a bad branch is a clear error, another branch's report a 403."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.accounts.models import Role
from kefu.core.models import AuditLog
from kefu.reports import services
from kefu.reports.models import MonthlyReport
from tests.accounts.factories import make_person
from tests.complaints.factories import make_complaint
from tests.reports.conftest import at

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def crew(people, org, time_machine):
    """A lead of each branch and an administrator; two 深圳 complaints and one at 总公司 in
    November; now it is 2 December."""
    crew = {
        **people,
        "sz_lead": make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=org["sz"]),
        "hq_lead": make_person("hq-lead", Role.TEAM_LEAD, number="8401", branch=org["hq"]),
        "admin": make_person("admin", Role.ADMIN, number="0001"),
    }
    time_machine.move_to(at("2025-11-10 10:00"), tick=False)
    make_complaint(crew["agent"], caller_number="13800000021", area="nsh")
    make_complaint(crew["agent"], content="维修工迟到", caller_number="13800000022", area="nsh")
    make_complaint(crew["agent"], content="营业厅排队太久", caller_number="13800000023", area="yhy")
    time_machine.move_to(at("2025-12-02 10:00"), tick=False)
    return crew


def test_the_branch_lead_lands_on_their_report_and_submits_it_on_the_page(crew, org, web_as):
    sz = org["sz"]
    client = web_as(crew["sz_lead"])
    text = client.get("/reports/complaints/?month=2025-11").content.decode()
    assert 'data-testid="report-branch">深圳分公司<' in text
    assert 'data-testid="total">2<' in text and "实时统计" in text
    assert 'data-testid="month-reports"' not in text  # no other report to pick
    assert f'action="/reports/complaints/2025-11/submit?branch={sz.pk}"' in text
    assert f'href="/reports/complaints/2025-11.xlsx?branch={sz.pk}"' in text
    answer = client.post(
        f"/reports/complaints/2025-11/submit?branch={sz.pk}", {"summary": "已整改"}
    )
    assert (answer.status_code, answer["Location"]) == (
        302,
        f"/reports/complaints/?month=2025-11&branch={sz.pk}",
    )
    report = MonthlyReport.objects.get()
    assert (report.branch, report.state, report.figures["total"]) == (sz, "submitted", 2)
    text = client.get(answer["Location"]).content.decode()
    assert "提交时的快照" in text and 'data-testid="submit-form"' not in text
    assert 'data-testid="review-form"' not in text


def test_the_gm_picks_a_branch_report_from_the_months_list_and_reviews_it(crew, org, web_as):
    sz, hq = org["sz"], org["hq"]
    services.submit_report("2025-11", actor=crew["sz_lead"], summary="深圳分析")
    client = web_as(crew["gm"])
    text = client.get("/reports/complaints/?month=2025-11").content.decode()
    assert text.count('data-testid="month-report"') == 3
    assert "客服中心(全中心)" in text and "总公司" in text and "深圳分公司" in text
    assert f'href="/reports/complaints/?month=2025-11&amp;branch={sz.pk}"' in text
    assert f'href="/reports/complaints/?month=2025-11&amp;branch={hq.pk}"' in text
    assert text.count("待总经理审阅") == 1 and text.count("未编制") >= 2
    assert 'data-testid="total">3<' in text  # the center's live figures
    text = client.get(f"/reports/complaints/?month=2025-11&branch={sz.pk}").content.decode()
    assert 'data-testid="report-branch">深圳分公司<' in text and "深圳分析" in text
    assert f'action="/reports/complaints/2025-11/review?branch={sz.pk}"' in text
    answer = client.post(
        f"/reports/complaints/2025-11/review?branch={sz.pk}", {"approve": "0", "note": ""}
    )
    assert answer.status_code == 422 and "退回时请填写审阅意见" in answer.content.decode()
    client.post(f"/reports/complaints/2025-11/review?branch={sz.pk}", {"approve": "1"})
    client.post(f"/reports/complaints/2025-11/archive?branch={sz.pk}")
    report = MonthlyReport.objects.get(branch=sz)
    assert (report.state, report.reviewed_by, report.archived_by) == (
        "archived",
        crew["gm"],
        crew["gm"],
    )
    assert AuditLog.objects.filter(action="report.archive", detail__branch="sz").count() == 1


@pytest.mark.parametrize(
    ("who", "status", "buttons"),
    [
        ("sz_lead", 200, ["submit-form"]),
        ("supervisor", 200, ["submit-form"]),
        ("gm", 200, []),
        ("lead", 200, []),
        ("quality", 200, []),
        ("admin", 200, []),
        ("hq_lead", 403, []),
        ("agent", 403, []),
        ("dept_head", 403, []),
    ],
)
def test_the_branch_report_page_by_role(crew, org, web_as, who, status, buttons):
    client = web_as(crew[who])
    page = client.get(f"/reports/complaints/?month=2025-11&branch={org['sz'].pk}")
    assert page.status_code == status
    text = page.content.decode()
    found = [b for b in ("submit-form", "review-form", "archive-form") if f'"{b}"' in text]
    assert found == buttons
    if status == 403:
        assert "维修工迟到" not in text and 'data-testid="total"' not in text
        answer = client.post(
            f"/reports/complaints/2025-11/submit?branch={org['sz'].pk}", {"summary": "x"}
        )
        assert answer.status_code == 403
        assert not MonthlyReport.objects.exists()


def test_a_bad_branch_on_the_page_is_a_chinese_error(crew, web_as):
    client = web_as(crew["gm"])
    page = client.get("/reports/complaints/?month=2025-11&branch=abc")
    assert page.status_code == 400 and "分支机构编号无效" in page.content.decode()
    page = client.get("/reports/complaints/?month=2025-11&branch=987654")
    assert page.status_code == 404 and "没有这个分支机构" in page.content.decode()
    answer = client.get("/reports/complaints/2025-11.xlsx?branch=987654")
    assert answer.status_code == 404


def test_each_branch_report_has_its_excel_file(crew, org, web_as):
    client = web_as(crew["supervisor"])
    answer = client.get(f"/reports/complaints/2025-11.xlsx?branch={org['sz'].pk}")
    assert (answer.status_code, answer["Content-Type"]) == (200, XLSX)
    assert 'filename="complaints-2025-11-sz.xlsx"' in answer["Content-Disposition"]
    sheet = load_workbook(BytesIO(answer.content))["汇总"]
    assert (sheet["A1"].value, sheet["B3"].value) == ("深圳分公司2025 年 11 月投诉统计", 2)
    answer = web_as(crew["hq_lead"]).get("/reports/complaints/2025-11.xlsx")
    assert 'filename="complaints-2025-11-hq.xlsx"' in answer["Content-Disposition"]
    assert load_workbook(BytesIO(answer.content))["汇总"]["B3"].value == 1


def test_the_api_lists_the_months_reports_and_takes_a_branch_report_through(crew, org, api_as):
    sz = org["sz"]
    lead, gm = api_as(crew["sz_lead"]), api_as(crew["gm"])
    listed = gm.get("/reports/complaints/2025-11/reports").json()
    assert listed["month"] == "2025-11"
    assert [(r["branch"] and r["branch"]["code"], r["state"]) for r in listed["reports"]] == [
        (None, None),
        ("hq", None),
        ("sz", None),
    ]
    assert listed["reports"][2]["branch"] == {"id": sz.pk, "code": "sz", "name": "深圳分公司"}
    assert listed["reports"][2]["due_at"] == "2025-12-05T00:00:00+08:00"
    mine = lead.get("/reports/complaints/2025-11/reports").json()["reports"]
    assert [r["branch"]["code"] for r in mine] == ["sz"]

    body = lead.get("/reports/complaints/2025-11").json()
    assert (body["branch"]["code"], body["actions"], body["figures"]["total"]) == (
        "sz",
        ["submit"],
        2,
    )
    submitted = lead.post("/reports/complaints/2025-11/submit", {"summary": "分析如下"})
    assert (submitted.status_code, submitted.json()["report"]["state"]) == (200, "submitted")
    assert submitted.json()["live"] is False
    refused = lead.post(f"/reports/complaints/2025-11/review?branch={sz.pk}", {"approve": True})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    reviewed = gm.post(f"/reports/complaints/2025-11/review?branch={sz.pk}", {"approve": True})
    assert (reviewed.status_code, reviewed.json()["actions"]) == (200, ["archive"])
    archived = lead.post("/reports/complaints/2025-11/archive")
    assert archived.json()["report"]["state"] == "archived"
    listed = gm.get("/reports/complaints/2025-11/reports").json()["reports"]
    assert [r["state"] for r in listed] == [None, None, "archived"]
    assert listed[2]["submitted_by"] == "sz-lead"
    excel = gm.get(f"/reports/complaints/2025-11.xlsx?branch={sz.pk}")
    assert (excel.status_code, excel["Content-Type"]) == (200, XLSX)


def test_the_api_refuses_a_bad_branch_and_another_branchs_report(crew, org, api_as):
    gm = api_as(crew["gm"])
    body = gm.get("/reports/complaints/2025-11?branch=abc")
    assert (body.status_code, body.json()["field"], body.json()["detail"]) == (
        422,
        "branch",
        "分支机构编号无效",
    )
    body = gm.get("/reports/complaints/2025-11?branch=987654")
    assert (body.status_code, body.json()["detail"]) == (404, "没有这个分支机构")
    body = api_as(crew["hq_lead"]).post(
        f"/reports/complaints/2025-11/submit?branch={org['sz'].pk}", {"summary": "越权"}
    )
    assert (body.status_code, body.json()["detail"]) == (403, "不能操作其他分支机构的月报")
    body = api_as(crew["hq_lead"]).get(f"/reports/complaints/2025-11?branch={org['sz'].pk}")
    assert (body.status_code, body.json()["detail"]) == (403, "只能查看本分支机构的月报")
    body = api_as(crew["agent"]).get("/reports/complaints/2025-11/reports")
    assert body.status_code == 403
    assert not MonthlyReport.objects.exists()
