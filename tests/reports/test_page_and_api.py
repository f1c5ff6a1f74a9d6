"""The report page and the API: the same figures and steps, Chinese errors for a bad month,
no statistics for agents and department staff, nothing changed by a GET."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.reports.models import MonthlyReport
from tests.reports.conftest import at

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_page_shows_the_figures_state_due_time_and_the_supervisors_action(
    people, november, web_as
):
    page = web_as(people["supervisor"]).get("/reports/complaints/?month=2025-11")
    assert page.status_code == 200
    text = page.content.decode()
    for words in ("月度投诉统计", "未编制", "2025-12-05 00:00", "提交审阅", "维修部", "李娜"):
        assert words in text
    assert 'data-testid="total">15<' in text
    assert 'data-testid="on-time-rate">71%<' in text
    assert 'data-testid="overdue"' not in text
    assert 'href="/reports/complaints/2025-11.xlsx"' in text
    assert 'data-testid="nav-reports"' in text
    # Its charts: by category stacked by class, and per department, drawn into the page.
    assert text.count('data-testid="monthly-chart"') == 2
    assert "投诉类别与性质" in text and "各部门投诉量" in text
    assert not MonthlyReport.objects.exists()  # a GET changes nothing


def test_the_page_defaults_to_the_month_just_ended(people, november, web_as):
    page = web_as(people["quality"]).get("/reports/complaints/")
    assert page.status_code == 200
    assert 'value="2025-11"' in page.content.decode()


def test_submit_review_and_archive_through_the_page(people, november, web_as, time_machine):
    client = web_as(people["supervisor"])
    answer = client.post("/reports/complaints/2025-11/submit", {"summary": "已整改"})
    assert (answer.status_code, answer["Location"]) == (302, "/reports/complaints/?month=2025-11")
    client = web_as(people["gm"])
    page = client.get("/reports/complaints/?month=2025-11").content.decode()
    assert "总经理审阅" in page and "已整改" in page
    answer = client.post("/reports/complaints/2025-11/review", {"approve": "0", "note": ""})
    assert answer.status_code == 422
    assert "退回时请填写审阅意见" in answer.content.decode()
    assert MonthlyReport.objects.get().state == "submitted"
    client.post("/reports/complaints/2025-11/review", {"approve": "1", "note": "同意"})
    time_machine.move_to(at("2025-12-06 09:00"), tick=False)
    page = client.get("/reports/complaints/?month=2025-11").content.decode()
    assert 'data-testid="overdue"' in page and 'data-testid="archive-form"' in page
    client.post("/reports/complaints/2025-11/archive")
    report = MonthlyReport.objects.get()
    assert (report.state, report.archived_by) == ("archived", people["gm"])
    answer = client.post("/reports/complaints/2025-11/review", {"approve": "1"})
    assert answer.status_code == 409
    assert "报表已归档,不能再修改" in answer.content.decode()


def test_a_bad_month_on_the_page_is_a_chinese_error_not_a_crash(people, web_as):
    page = web_as(people["supervisor"]).get("/reports/complaints/?month=2025-13")
    assert page.status_code == 400
    assert "月份格式无效,应如 2025-11" in page.content.decode()
    assert web_as(people["supervisor"]).get("/reports/complaints/nonsense.xlsx").status_code == 400


@pytest.mark.parametrize("who", ["agent", "dept_handler", "dept_head"])
def test_agents_and_department_staff_may_not_see_statistics(people, november, web_as, who):
    client = web_as(people[who])
    page = client.get("/reports/complaints/?month=2025-11")
    assert page.status_code == 403
    text = page.content.decode()
    assert "无权查看统计报表" in text and "维修部" not in text
    assert 'data-testid="nav-reports"' not in text
    assert client.get("/reports/complaints/2025-11.xlsx").status_code == 403
    assert client.post("/reports/complaints/2025-11/submit", {"summary": "x"}).status_code == 403
    assert not MonthlyReport.objects.exists()


def test_the_excel_download(people, november, web_as):
    answer = web_as(people["lead"]).get("/reports/complaints/2025-11.xlsx")
    assert (answer.status_code, answer["Content-Type"]) == (200, XLSX)
    assert 'filename="complaints-2025-11.xlsx"' in answer["Content-Disposition"]
    assert load_workbook(BytesIO(answer.content))["汇总"]["B3"].value == 15


def test_the_api_gives_the_same_figures_and_the_report_steps(people, november, api_as):
    supervisor, gm = api_as(people["supervisor"]), api_as(people["gm"])
    body = supervisor.get("/reports/complaints/2025-11")
    assert body.status_code == 200
    data = body.json()
    assert (data["month"], data["due_at"], data["overdue"], data["live"]) == (
        "2025-11",
        "2025-12-05T00:00:00+08:00",
        False,
        True,
    )
    assert (data["report"]["state"], data["actions"]) == (None, ["submit"])
    figures = data["figures"]
    assert (figures["total"], figures["severity"]["major"], figures["status"]["open"]) == (15, 7, 8)
    assert figures["time_limits"]["on_time_rate"] == 0.7143
    assert figures["callbacks"]["callback_rate"] == 0.5
    assert figures["class_totals"] == {"responsible": 5, "not_responsible": 1, "assist": 1, "": 8}

    submitted = supervisor.post("/reports/complaints/2025-11/submit", {"summary": "分析如下"})
    assert (submitted.status_code, submitted.json()["report"]["state"]) == (200, "submitted")
    assert submitted.json()["live"] is False
    refused = supervisor.post("/reports/complaints/2025-11/review", {"approve": True})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert gm.post("/reports/complaints/2025-11/review", {"approve": True}).status_code == 200
    archived = gm.post("/reports/complaints/2025-11/archive")
    assert archived.json()["report"]["state"] == "archived"
    again = supervisor.post("/reports/complaints/2025-11/submit", {"summary": "再改"})
    assert (again.status_code, again.json()["code"], again.json()["detail"]) == (
        409,
        "invalid_transition",
        "报表已归档,不能再修改",
    )
    assert MonthlyReport.objects.get().summary == "分析如下"

    excel = gm.get("/reports/complaints/2025-11.xlsx")
    assert (excel.status_code, excel["Content-Type"]) == (200, XLSX)
    assert load_workbook(BytesIO(excel.content)).sheetnames[0] == "汇总"


def test_the_api_refuses_a_bad_month_with_the_field_and_agents(people, api_as):
    body = api_as(people["supervisor"]).get("/reports/complaints/2025-1x")
    assert body.status_code == 422
    assert (body.json()["field"], body.json()["detail"]) == ("month", "月份格式无效,应如 2025-11")
    body = api_as(people["agent"]).get("/reports/complaints/2025-11")
    assert (body.status_code, body.json()["code"]) == (403, "forbidden")
    body = api_as(people["dept_handler"]).get("/reports/complaints/2025-11.xlsx")
    assert body.status_code == 403
