"""The admin for a non-developer: the Kefu header, the working calendar as a month, 派单规则
in 工单受理, and the demo's repair rule."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model

from kefu.complaints.models import RoutingRule
from kefu.core.calendar import month_weeks
from kefu.core.models import CalendarDay, CalendarYear
from kefu.demo import seed_organization
from tests.accounts.factories import make_person


@pytest.fixture
def admin_client(db, web_as):
    return web_as(make_person("root", "admin", number="9000"))


def cell(html: str, day: str) -> str:
    match = re.search(
        rf'<td class="([^"]*)" data-date="{day}" data-kind="[^"]*">(.*?)</td>', html, re.S
    )
    assert match, day
    text = re.sub(r"<[^>]+>", " ", match[2])
    return " ".join([match[1], *text.split()])


def test_the_header_and_the_tab_say_kefu(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert "Kefu 客服 管理后台" in html
    assert "<title>Kefu 配置管理 | Kefu 客服管理</title>" in html


def test_a_month_shows_holidays_make_up_days_and_weekends_as_the_deadlines_count_them(db):
    weeks = month_weeks(2025, 10)
    days = {info.date: info for week in weeks for info in week}

    assert [len(week) for week in weeks] == [7] * 5
    assert weeks[0][0].date == dt.date(2025, 9, 29)  # a Monday, of September
    assert not weeks[0][0].in_month
    assert (days[dt.date(2025, 10, 1)].kind, days[dt.date(2025, 10, 1)].name) == (
        "holiday",
        "国庆节",
    )
    assert (days[dt.date(2025, 10, 11)].kind, days[dt.date(2025, 10, 11)].working) == (
        "makeup",
        True,
    )
    assert (days[dt.date(2025, 10, 18)].kind, days[dt.date(2025, 10, 18)].working) == (
        "restday",
        False,
    )
    assert (days[dt.date(2025, 10, 9)].kind, days[dt.date(2025, 10, 9)].name) == ("workday", "")


def test_the_month_page_shows_each_kind_with_its_name_and_moves_between_months(admin_client):
    CalendarDay.objects.create(date=dt.date(2025, 10, 15), kind="closure", name="系统升级停业")

    response = admin_client.get("/admin/core/calendaryear/month/?year=2025&month=10")
    html = response.content.decode()

    assert response.status_code == 200
    assert "2025 年 10 月 工作日历" in html
    assert cell(html, "2025-10-01") == "holiday 1 法定节假日 · 国庆节"
    assert cell(html, "2025-10-11") == "makeup 11 调休上班 · 国庆节"
    assert cell(html, "2025-10-18") == "restday 18 休息日"
    assert cell(html, "2025-10-15") == "closure 15 中心停业 · 系统升级停业"
    assert cell(html, "2025-10-16") == "workday 16 工作日"
    assert cell(html, "2025-09-29").startswith("workday out 29")
    assert 'href="?year=2025&amp;month=9"' in html
    assert 'href="?year=2025&amp;month=11"' in html
    december = admin_client.get("/admin/core/calendaryear/month/?year=2025&month=12")
    assert 'href="?year=2026&amp;month=1"' in december.content.decode()


def test_an_entered_year_is_shown_from_its_own_rows(admin_client):
    CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕")
    CalendarDay.objects.create(date=dt.date(2027, 2, 8), kind="holiday", name="春节")
    CalendarDay.objects.create(date=dt.date(2027, 2, 20), kind="makeup", name="春节调休")

    html = admin_client.get("/admin/core/calendaryear/month/?year=2027&month=2").content.decode()

    assert cell(html, "2027-02-08") == "holiday 8 法定节假日 · 春节"
    assert cell(html, "2027-02-20") == "makeup 20 调休上班 · 春节调休"
    assert cell(html, "2027-02-21") == "restday 21 休息日"
    assert 'data-testid="month-unknown"' not in html


def test_a_year_nobody_entered_is_shown_weekends_only_with_a_warning(admin_client):
    html = admin_client.get("/admin/core/calendaryear/month/?year=2031&month=1").content.decode()

    assert 'data-testid="month-unknown"' in html
    assert cell(html, "2031-01-01") == "workday 1 工作日"  # no package data: a Wednesday


def test_bad_month_arguments_fall_back_to_this_month(admin_client):
    response = admin_client.get("/admin/core/calendaryear/month/?year=abc&month=13")
    assert response.status_code == 200


def test_the_calendar_lists_link_to_the_month(admin_client):
    for path in ("/admin/core/calendaryear/", "/admin/core/calendarday/"):
        html = admin_client.get(path).content.decode()
        assert 'href="/admin/core/calendaryear/month/"' in html, path


def test_the_month_is_for_staff_only(db, client, web_as):
    agent = make_person("agent", "agent", number="8011")
    response = web_as(agent).get("/admin/core/calendaryear/month/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    staff = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/core/calendaryear/month/").status_code == 403


def test_routing_rules_are_shown_under_tickets_not_complaints(admin_client):
    apps = {
        app["app_label"]: [model["object_name"] for model in app["models"]]
        for app in admin_client.get("/admin/").context["app_list"]
    }

    assert "RoutingRule" in apps["tickets"]
    assert "RoutingRule" not in apps["complaints"]
    page = admin_client.get("/admin/tickets/").context["app_list"]
    assert "RoutingRule" in [model["object_name"] for model in page[0]["models"]]
    assert admin_client.get("/admin/complaints/routingrule/").status_code == 200


def test_the_demo_routes_repairs_to_the_repair_department(db):
    seed_organization()

    rules = RoutingRule.objects.filter(ticket_type__code="repair", is_active=True)
    assert {rule.department.name for rule in rules} >= {"维修部"}
