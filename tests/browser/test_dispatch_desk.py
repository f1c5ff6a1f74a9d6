"""The dispatch desk in a real browser: an agent fills in a work order, watches the SMS
preview follow the form, confirms it to a field staff member and sees the SMS go out."""

from __future__ import annotations

import re

from tests.browser.conftest import login, shot


def test_agent_dispatches_a_work_order_with_a_live_sms_preview(server, browser):
    page = login(browser, server, "agent")
    page.click("[data-testid=nav-workorders]")
    page.click("[data-testid=new-order]")
    # A repair has no 重量 or 收货人; a pickup has.
    page.select_option("#id_kind", "repair")
    assert page.locator("#id_weight").is_hidden()
    assert page.locator("#id_consignee").is_hidden()
    shot(page, "dispatch-new-repair")
    page.select_option("#id_kind", "pickup")
    assert page.locator("#id_weight").is_visible()
    page.select_option("#id_department", "repair")
    page.fill("#id_customer_name", "顺达商行")
    page.fill("#id_customer_phone", "13512345678")
    page.fill("#id_address", "幸福里片区建设路18号商铺")
    page.fill("#id_goods", "服装")
    page.fill("#id_quantity", "3件")
    page.fill("#id_destination", "广州白云区")
    page.fill("#id_consignee", "李四")
    page.fill("#id_consignee_phone", "13698765432")
    page.fill("#id_hint", "下午四点前到,货物易碎请轻放,到了先打电话联系门卫")
    # The hint makes the text too long for what the center's signature (【清源水务】, 6
    # characters) leaves of 70: the preview follows and says what it shortened or left out.
    length = page.locator("[data-testid=sms-length]")
    length.filter(has_text=re.compile("已缩短|已省略")).wait_for()
    text = page.inner_text("[data-testid=sms-text]")
    assert text.startswith("[P000000000]顺达商行,13512345678,服装,3件,")
    assert text.endswith("[8011]")  # the agent's number, never cut
    assert len(text) <= 64 and "/ 64 字" in length.inner_text()
    page.fill("#id_assignee", "fitter")
    shot(page, "dispatch-new-order")
    page.click("[data-testid=save-order]")
    page.wait_for_selector("[data-testid=status]")
    assert page.inner_text("[data-testid=status]") == "已派工"
    assert "张师傅" in page.inner_text("[data-testid=assignee]")
    # The worker sends the SMS in the background; the page shows it once sent.
    for _ in range(30):
        if "已发送" in page.inner_text("[data-testid=messages]"):
            break
        page.wait_for_timeout(500)
        page.reload()
    assert "已发送" in page.inner_text("[data-testid=messages]")
    assert "派工" in page.inner_text("[data-testid=tracking]")
    shot(page, "dispatch-order-page")
