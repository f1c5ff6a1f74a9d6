"""The dispatch-SMS template editor in a real browser: clicking a placeholder inserts it at the
cursor, typing updates the preview and the count from the server's filler, a mistake shows
its error at once. Screenshot in ``test-artifacts/``."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_the_dispatch_template_editor_previews_and_counts_as_one_types(browser, server):
    from playwright.sync_api import expect

    page = login(browser, server, "admin")
    page.goto(server + "/admin/dispatch/messagetemplate/")
    page.get_by_role("link", name="维修", exact=True).click()
    area = page.locator("textarea[name=text]")
    count = page.get_by_test_id("template-count")
    errors = page.get_by_test_id("template-errors")

    area.fill("[{serial}]{customer}[{agent_no}]")
    expect(page.get_by_test_id("template-preview")).to_contain_text("[P251124001]王建国[8011]")
    assert "(样例订单)" in page.get_by_test_id("template-source").inner_text()
    assert page.get_by_test_id("template-preview").inner_text().startswith("【清源水务】")
    assert count.inner_text().startswith("27 / 70 字(含签名【清源水务】")

    # Click 客户电话 with the cursor after {customer}: it goes in there.
    area.focus()
    page.evaluate(
        "() => { const a = document.querySelector('textarea[name=text]');"
        " const at = a.value.indexOf('[{agent_no}]'); a.setSelectionRange(at, at); }"
    )
    page.get_by_test_id("template-placeholders").locator("[data-token=phone]").click()
    assert area.input_value() == "[{serial}]{customer}{phone}[{agent_no}]"
    expect(page.get_by_test_id("template-preview")).to_contain_text("王建国13512345678")
    assert count.inner_text().startswith("38 / 70 字")
    shot(page, "admin-dispatch-template-preview")

    area.press("End")
    area.type("{boss}")
    errors.wait_for(state="visible")
    assert "未知的占位符 {boss}" in errors.inner_text()
    shot(page, "admin-dispatch-template-editor")


def test_the_working_calendar_month_shows_the_national_day_week(browser, server):
    page = login(browser, server, "admin")
    page.goto(server + "/admin/core/calendaryear/")
    page.get_by_test_id("calendar-month-link").click()
    page.goto(server + "/admin/core/calendaryear/month/?year=2025&month=10")
    october = page.get_by_test_id("calendar-month")
    assert "国庆节" in october.locator("td[data-date='2025-10-01']").inner_text()
    assert "调休上班" in october.locator("td[data-date='2025-10-11']").inner_text()
    page.get_by_test_id("month-next").click()
    assert "2025 年 11 月" in page.get_by_test_id("month-title").inner_text()
    page.get_by_test_id("month-prev").click()
    shot(page, "admin-calendar-month")
