"""In a real browser: a team lead adds a shift, asks for a two-week roster over three months
of call history, watches it being made by the background worker (计算中 → 待发布), reads the
grid and the coverage with its shortfall, publishes it and reads the month's five tables; an
agent then sees their own shifts under 我的排班 and saves their wishes. Screenshots in
``test-artifacts/``."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import login as _login
from tests.browser.conftest import run_on_server
from tests.browser.conftest import shot as _shot

pytestmark = pytest.mark.browser

SETUP = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from kefu.workforce import services
from tests.telephony.test_forecast import make_calls
from kefu.workforce.models import ShiftTemplate
lead = get_user_model().objects.get(username="lead")
# Shifts other browser tests made on this server (the front desk's) take no part in this roster.
ShiftTemplate.objects.update(is_active=False)
for code, name, start, night in (("中", "中班", "09:00", False), ("晚", "晚班", "15:30", False),
                                 ("夜", "夜班", "23:30", True)):
    services.create_template(lead, code=code, name=name, start=start, minutes=480, is_night=night)
today = timezone.localdate()
print(make_calls(today - dt.timedelta(weeks=12), today, prefix="roster"))
"""


def test_a_lead_makes_and_publishes_a_roster_and_the_agent_sees_their_shifts(server, browser):
    from playwright.sync_api import expect

    assert int(run_on_server(SETUP).strip()) > 10000
    page = _login(browser, server, "lead")
    page.get_by_test_id("nav-roster").click()
    rows = page.get_by_test_id("shift-row")
    expect(rows.first).to_be_visible()
    before = rows.count()  # the three made above, and any other test's (retired)
    form = page.get_by_test_id("shift-form")
    form.get_by_label("代码").fill("早")
    form.get_by_label("名称").fill("早班")
    form.get_by_label("上班时间").fill("07:30")
    form.get_by_label("时长(小时)").fill("8")
    form.get_by_role("button", name="添加班次").click()
    expect(rows).to_have_count(before + 1)

    monday = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    new = page.get_by_test_id("roster-new")
    new.get_by_label("开始日期").fill(monday.isoformat())
    new.get_by_label("周数").fill("2")
    new.get_by_label("计算时限(秒)").fill("15")
    page.get_by_test_id("roster-create").click()
    status = page.get_by_test_id("roster-status")
    expect(status).to_have_text("待发布", timeout=60_000)  # the worker solved it
    expect(page.get_by_test_id("roster-member")).to_have_count(9)  # the demo's agents
    expect(page.get_by_test_id("cover-day")).to_have_count(14)
    expect(page.get_by_test_id("roster-short")).to_contain_text("席·小时")
    _shot(page, "workforce-roster")
    page.get_by_test_id("roster-publish").click()
    expect(status).to_have_text("已发布")

    # The five tables of next week's month read the published roster.
    page.get_by_test_id("tab-tables").click()
    page.get_by_test_id("tables-month").fill(monday.strftime("%Y-%m"))
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("tables-seats")).to_contain_text("排班人数(最高)")
    rostered = page.locator("[data-testid=capacity-day] td:nth-child(3)").all_inner_texts()
    assert any(float(h) > 0 for h in rostered), rostered
    _shot(page, "workforce-tables")

    agent = _login(browser, server, "agent")
    agent.get_by_test_id("nav-roster").click()
    shifts = agent.get_by_test_id("my-shift")
    expect(shifts.first).to_be_visible()
    assert 1 <= shifts.count() <= 10  # two weeks, two days off in each
    agent.get_by_label("周日").check()
    agent.get_by_label("不上夜班").check()
    agent.get_by_test_id("wish-save").click()
    expect(agent.get_by_test_id("message")).to_contain_text("排班意愿已保存")
    expect(agent.get_by_label("周日")).to_be_checked()
    _shot(agent, "workforce-mine")
