"""In a real browser: a supervisor opens 排班需求 from the calls' tabs over three months of
call history, sees the day's slots with their seats and the back-test, picks another day and
gets its plan, and a bad date answers with the message. Screenshot in ``test-artifacts/``."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import login as _login
from tests.browser.conftest import run_on_server
from tests.browser.conftest import shot as _shot

pytestmark = pytest.mark.browser

# Twelve weeks of calls, and 300 answered ones of 4 minutes within the last four weeks: the
# handling time the seats are computed with (the other browser tests' calls last seconds).
HISTORY = """
import datetime as dt
from django.utils import timezone
from kefu.core.calendar import start_of_day
from kefu.telephony.models import CallRecord
from tests.telephony.test_forecast import call, make_calls
today = timezone.localdate()
talks = []
for n in range(300):
    began = start_of_day(today - dt.timedelta(days=1 + n % 27)) + dt.timedelta(hours=9, minutes=n % 60)
    end = began + dt.timedelta(minutes=4)
    talks.append(call(f"plan-talk-{n}", began, answered_at=began, ended_at=end))
CallRecord.objects.bulk_create(talks)
print(make_calls(today - dt.timedelta(weeks=12), today, prefix="plan"))
"""


def test_the_supervisor_plans_the_seats_of_a_day(server, browser):
    from playwright.sync_api import expect

    assert int(run_on_server(HISTORY).strip()) > 10000
    page = _login(browser, server, "supervisor")
    page.goto(server + "/calls/floor/")
    page.get_by_test_id("tab-plan").click()
    expect(page.get_by_test_id("plan-slot")).to_have_count(48)
    expect(page.get_by_test_id("plan-backtest")).to_contain_text("本预测")
    summary = page.get_by_test_id("plan-summary")
    expect(summary).to_contain_text("高峰在线")
    _shot(page, "telephony-plan")

    later = dt.date.today() + dt.timedelta(days=9)
    page.get_by_test_id("plan-date").fill(later.isoformat())
    page.get_by_role("button", name="测算").click()
    expect(summary).to_contain_text(later.isoformat())
    seats = page.locator("[data-testid=plan-slot] td:nth-child(3)").all_inner_texts()
    assert max(int(n) for n in seats) >= 2, seats

    page.goto(server + "/calls/plan/?date=2020-01-01")
    expect(page.get_by_test_id("error")).to_contain_text("只能计划今天起 62 天内的日期")
