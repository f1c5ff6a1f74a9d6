"""A department handler's day in a real browser: they land on their department's open work,
what is due soonest first with its countdown, and start two tickets at once."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def record_repair(agent, server, text: str, kind: str = "报修") -> str:
    agent.goto(server + "/")
    agent.select_option("#id_type", label=kind)
    agent.fill("#id_content", text)
    agent.select_option("#id_department", label="维修部(总公司)")
    agent.fill("#id_caller_number", "13900006666")
    if kind == "报修":  # its work order goes to the address
        agent.fill("#id_address", "建设路 18 号")
    agent.get_by_test_id("readback-button").click()
    agent.get_by_test_id("confirm-intake").click()
    toast = agent.get_by_test_id("saved-toast")
    toast.wait_for()
    return toast.get_attribute("data-serial") or ""


def test_a_handlers_queue_counts_down_and_starts_two_at_once(server, browser):
    from playwright.sync_api import expect

    agent = login(browser, server, "agent")
    first = record_repair(agent, server, "楼道水管滴水")
    second = record_repair(agent, server, "水表井盖松动")

    handler = login(browser, server, "handler")  # lands on the queue, not the workbench
    expect(handler).to_have_url(server + "/tickets/")
    queue = handler.get_by_test_id("queue")
    for serial in (first, second):
        row = queue.locator(f"tr[data-serial='{serial}']")
        expect(row).to_contain_text("已派工")
        expect(row.get_by_test_id("due")).to_contain_text("剩")
    expect(handler.get_by_test_id("status-counts")).to_contain_text("已派工")
    shot(handler, "queue-handler-countdown")

    handler.locator(f"input[name=serial][value='{first}']").check()
    handler.locator(f"input[name=serial][value='{second}']").check()
    expect(handler.locator("[data-bulk-count]")).to_contain_text("2")
    handler.get_by_test_id("bulk-action").select_option(label="开始处理")
    handler.get_by_test_id("bulk-submit").click()
    expect(handler.get_by_test_id("message").first).to_contain_text("已处理 2 张")
    for serial in (first, second):
        expect(queue.locator(f"tr[data-serial='{serial}']")).to_contain_text("处理中")
    shot(handler, "queue-handler-started")


def test_cancel_asks_first(server, browser):
    from playwright.sync_api import expect

    agent = login(browser, server, "agent")
    serial = record_repair(agent, server, "重复登记的咨询", kind="咨询")
    agent.goto(f"{server}/tickets/{serial}/")
    zone = agent.get_by_test_id("danger-zone")
    zone.locator("input[name=note]").first.fill("客户重复来电,已有工单")
    asked = []

    def say_no(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    agent.once("dialog", say_no)
    agent.get_by_test_id("action-cancel").click()
    expect(agent.get_by_test_id("status")).to_have_text("已派工")  # said no: nothing happened
    assert asked and serial in asked[0]
    agent.once("dialog", lambda dialog: dialog.accept())
    agent.get_by_test_id("action-cancel").click()
    expect(agent.get_by_test_id("status")).to_have_text("已撤销")
    shot(agent, "ticket-cancelled-after-asking")
