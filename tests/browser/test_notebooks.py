"""The agent's notebook on a tablet, in a real browser against a real ``kefu serve``.

A tablet-sized chromium (1024×768, touch): the agent opens 记录本, logs a problem, adds a
manual line to the service count and records a grumble that was not settled, then turns it
into a complaint ticket. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD
from tests.browser.conftest import shot as _shot
from tests.browser.test_csp import watch
from tests.browser.test_lostfound import TABLET

pytestmark = pytest.mark.browser


def test_an_agent_keeps_the_notebook_on_a_tablet(server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(**TABLET)
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = watch(page)
    page.goto(server + "/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=me]")

    page.get_by_test_id("nav-notebooks").click()
    form = page.get_by_test_id("problem-form")
    form.locator("select[name=category]").select_option("system")
    form.locator("textarea[name=text]").fill("来电弹屏偶尔不显示欠费信息(浏览器测试)")
    form.locator("button").tap()
    expect(page.get_by_test_id("problems")).to_contain_text("浏览器测试")

    page.goto(server + "/notebooks/?tab=counts")
    entry = page.get_by_test_id("entry-form")
    entry.locator("select[name=kind]").select_option("directions")
    entry.locator("input[name=count]").fill("7")
    entry.locator("input[name=note]").fill("东门指路(浏览器测试)")
    entry.locator("button").tap()
    expect(page.get_by_test_id("entries")).to_contain_text("东门指路(浏览器测试)")

    page.goto(server + "/notebooks/?tab=grumbles")
    grumble = page.get_by_test_id("grumble-form")
    grumble.locator("select[name=channel]").select_option("desk")
    grumble.locator("input[name=customer_name]").fill("韩梅梅")
    grumble.locator("input[name=customer_phone]").fill("13700001234")
    grumble.locator("textarea[name=content]").fill("自助机吞卡(浏览器测试)")
    grumble.locator("textarea[name=handling]").fill("已联系银行,客户仍不满意")
    grumble.locator("select[name=satisfied]").select_option("no")
    _shot(page, "notebook-1-grumble")
    grumble.locator("button").tap()
    row = page.get_by_test_id("grumble-row").filter(has_text="自助机吞卡(浏览器测试)")
    row.get_by_test_id("escalate").tap()
    expect(page.get_by_test_id("message")).to_contain_text("已转为投诉工单")
    row = page.get_by_test_id("grumble-row").filter(has_text="自助机吞卡(浏览器测试)")
    expect(row).to_contain_text("已转投诉")
    _shot(page, "notebook-2-escalated")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert (page.evaluate("window.__refused"), problems) == ([], [])
    context.close()
