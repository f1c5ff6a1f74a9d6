"""The agent flow in a real browser against a real ``kefu serve`` process.

Debian's chromium (/usr/bin/chromium) driven by Playwright: an agent logs in, a number is typed
and the caller's profile pops, a repair is recorded with read-back and dispatched to 维修部; the
repair department's handler finds it in the department queue and starts work; the agent then
sees the whole timeline. A CTI ``newCall`` pops the caller on the agent's open screen, live.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import CTI_TOKEN, CUSTOMER_PHONE, save_and_open
from tests.browser.conftest import login as _login
from tests.browser.conftest import shot as _shot

pytestmark = pytest.mark.browser


def test_agent_records_a_repair_and_the_department_works_it(server, browser):
    from playwright.sync_api import expect

    agent = _login(browser, server, "agent")
    expect(agent.get_by_test_id("me")).to_contain_text("李娜")
    expect(agent.get_by_test_id("me")).to_contain_text("8011")

    # The caller's number, typed the way people say it: the profile pops.
    agent.get_by_test_id("phone-lookup").fill("138 1234 5678")
    card = agent.get_by_test_id("customer-card")
    expect(card).to_contain_text("韩梅梅")
    expect(card).to_contain_text("解放路")
    expect(agent.locator("#id_caller_number")).to_have_value(CUSTOMER_PHONE)
    _shot(agent, "1-profile")

    # The intake form: a repair, dispatched straight to the repair department.
    # The work order's fields show only for a type that makes work orders.
    agent.select_option("#id_type", label="咨询")
    expect(agent.locator("#id_crew")).to_be_hidden()
    agent.select_option("#id_type", label="报修")
    expect(agent.locator("#id_crew")).to_be_visible()
    agent.fill("#id_content", "厨房水管爆裂,水漫到客厅")
    agent.fill("#id_desired_result", "今天上门维修")
    agent.select_option("#id_department", label="维修部(总公司)")
    # …and its work order (派工单) to the crew, in the same step, at the caller's address.
    agent.select_option("#id_crew", label="维修部 · 维修一班")
    agent.get_by_test_id("readback-button").click()
    readback = agent.get_by_test_id("readback")
    expect(readback).to_contain_text("厨房水管爆裂,水漫到客厅")
    expect(readback).to_contain_text("维修部")
    expect(agent.get_by_test_id("readback-order")).to_contain_text("维修一班")
    expect(agent.get_by_test_id("readback-order")).to_contain_text("解放路 12 号 3 单元")
    _shot(agent, "2-readback")
    save_and_open(agent)
    serial = agent.get_by_test_id("serial").inner_text()
    assert serial.isdigit() and len(serial) >= 9
    expect(agent.get_by_test_id("status")).to_have_text("已派工")
    expect(agent.get_by_test_id("department")).to_have_text("维修部")
    orders = agent.get_by_test_id("work-orders")
    expect(orders).to_contain_text("维修部")
    expect(orders).to_contain_text("已派工")
    _shot(agent, "2b-ticket-with-work-order")

    # The repair department's handler sees it in the department queue and starts work.
    handler = _login(browser, server, "handler")
    handler.goto(server + "/tickets/?view=department")
    row = handler.get_by_test_id("queue").locator("tr", has_text=serial)
    expect(row).to_contain_text("厨房水管爆裂")
    _shot(handler, "3-department-queue")
    row.get_by_role("link", name=serial).click()
    handler.get_by_test_id("action-start").click()
    expect(handler.get_by_test_id("status")).to_have_text("处理中")
    # A handler of another department does not see it at all.
    network = _login(browser, server, "network")
    response = network.goto(f"{server}/tickets/{serial}/")
    assert response.status == 404

    # The agent reloads the ticket: the timeline shows every step with who did it.
    agent.reload()
    timeline = agent.get_by_test_id("timeline")
    # Recorded, accepted, dispatched, its work order made and sent to the crew (by the
    # agent), started (by the handler).
    expect(timeline.locator("li")).to_have_count(6)
    expect(timeline.locator("li").last).to_contain_text("已派工 → 处理中")
    expect(timeline).to_contain_text("李娜")
    expect(timeline).to_contain_text("刘强")
    expect(timeline).to_contain_text("已派工 → 处理中")
    expect(agent.get_by_test_id("status")).to_have_text("处理中")
    _shot(agent, "4-timeline")


def test_cti_new_call_pops_the_caller_live(server, browser):
    from playwright.sync_api import expect

    agent = _login(browser, server, "agent")
    expect(agent.locator("body[data-live=on]")).to_have_count(1)
    pop = agent.get_by_test_id("call-pop")
    expect(pop).to_be_hidden()

    # The PBX posts Zammad's generic CTI event, form-encoded, naming the agent by 工号.
    response = httpx.post(
        f"{server}/api/v1/cti/{CTI_TOKEN}",
        data={
            "event": "newCall",
            "from": "+86 138-1234-5678",
            "to": "96116",
            "direction": "in",
            "callId": "browser-call-1",
            "user[]": ["8011"],
            "queue": "hotline",
        },
    )
    assert response.status_code == 200, response.text
    expect(pop).to_be_visible()
    expect(pop).to_contain_text("韩梅梅")
    # The number box was empty, so the profile pops in the workbench too.
    expect(agent.get_by_test_id("customer-card")).to_contain_text("韩梅梅")
    _shot(agent, "5-call-pop")

    # The call is in the caller log.
    agent.goto(server + "/calls/")
    expect(agent.get_by_test_id("calls")).to_contain_text("韩梅梅")

    # The agent answers; the caller hangs up (the floor's queue is empty again).
    for event in ("answer", "hangup"):
        done = httpx.post(
            f"{server}/api/v1/cti/{CTI_TOKEN}",
            data={
                "event": event,
                "callId": "browser-call-1",
                "direction": "in",
                "from": "+86 138-1234-5678",
                "to": "96116",
                "user[]": ["8011"],
                "cause": "normalClearing",
            },
        )
        assert done.status_code == 200, done.text


def test_the_workbench_speaks_english_when_asked(server, browser):
    from playwright.sync_api import expect

    agent = _login(browser, server, "agent")
    agent.get_by_role("button", name="English").click()
    expect(agent.get_by_role("heading", name="New ticket")).to_be_visible()
    agent.get_by_test_id("phone-lookup").fill("13812345678")
    expect(agent.get_by_test_id("customer-card")).to_contain_text("韩梅梅")
    agent.select_option("#id_type", label="Repair")
    agent.fill("#id_content", "Water meter cover is broken")
    agent.get_by_test_id("readback-button").click()
    expect(agent.get_by_test_id("readback-text")).to_contain_text(
        "韩梅梅, let me confirm: you reported “Water meter cover is broken”"
    )
    _shot(agent, "6-english-readback")
    save_and_open(agent)
    expect(agent.get_by_test_id("status")).to_have_text("Dispatched")
    expect(agent.get_by_test_id("actions")).to_contain_text("Dispatch")
    _shot(agent, "7-english-ticket")
