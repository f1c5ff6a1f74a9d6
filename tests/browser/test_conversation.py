"""The conversation on the ticket page, in a real browser: a customer's SMS arrives, the agent
reads it in the thread, inserts a reply template with "/wx ", sends it by the customer's
channel, and the gateway (the demo's SMS log) takes the reply to the customer's number."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import SERVER, login, run_on_server, shot

pytestmark = pytest.mark.browser

CUSTOMER = "13700001111"


def test_the_agent_answers_a_customers_sms_from_the_ticket_page(server, browser):
    serial = run_on_server(
        "from kefu.conversations.services import Inbound, receive\n"
        f"got = receive(Inbound(channel='sms', address='{CUSTOMER}', "
        "body='水表箱盖子坏了,小孩容易踩空', external_id='browser-sms-1'))\n"
        "print(got.ticket.serial)"
    ).strip()
    page = login(browser, server, "agent")
    page.goto(f"{server}/tickets/{serial}/")
    thread = page.get_by_test_id("conversation")
    messages = thread.get_by_test_id("conv-message")
    assert messages.count() == 2  # the customer's SMS and the acknowledgement with the serial
    assert "水表箱盖子坏了" in messages.nth(0).inner_text()
    assert serial in messages.nth(1).inner_text()
    assert page.get_by_test_id("reply-via").input_value() == "sms"

    box = page.get_by_test_id("reply-text")
    box.click()
    box.press_sequentially("/wx ")
    text = box.input_value()
    assert text.startswith("您好,已为您派维修人员上门") and "96116" in text
    page.get_by_test_id("reply-send").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=conv-message]').length === 3")
    last = page.get_by_test_id("conv-message").nth(2)
    assert "已为您派维修人员上门" in last.inner_text() and "李娜[8011]" in last.inner_text()

    # The server's worker hands the reply to the gateway: the demo's gateway is its SMS log.
    log = SERVER["data"] / "sms.log"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        if any(CUSTOMER in line and "派维修人员" in line for line in lines):
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"the reply never reached the gateway: {lines}")
    page.reload()
    assert (
        page.get_by_test_id("conv-message").nth(2).get_by_test_id("message-state").inner_text()
        == "已发送"
    )
    shot(page, "conversation-ticket")
    page.context.close()
