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
    from playwright.sync_api import expect

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
    expect(page.get_by_test_id("conv-message")).to_have_count(3)
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


def test_the_agent_says_whose_mail_it_was_and_the_archive_keeps_the_address(server, browser):
    out = run_on_server(
        "from kefu.accounts.models import Branch\n"
        "from kefu.conversations.services import Inbound, receive\n"
        "from kefu.customers.models import Customer\n"
        "hq = Branch.objects.get(is_default=True)\n"
        "for no in ('BR-7001', 'BR-7002'):\n"
        "    Customer.objects.create(name='欧阳明', account_no=no, branch=hq)\n"
        "got = receive(Inbound(channel='email', address='Ouyang.Ming@Example.com', "
        "name='欧阳明', subject='水费发票', body='请把上月的水费发票发到这个邮箱。', "
        "external_id='<browser-link-1@example.com>'))\n"
        "print(got.ticket.serial, got.ticket.customer_id)"
    ).split()
    serial, customer = out
    assert customer == "None"  # nobody in the archive has the address yet
    page = login(browser, server, "agent")
    page.goto(f"{server}/tickets/{serial}/")
    box = page.get_by_test_id("link-customer")
    box.locator("summary").click()
    box.get_by_placeholder("户号、电话、邮箱或姓名").fill("欧阳明")
    box.get_by_label("把来信地址记入客户档案").check()
    box.get_by_role("button", name="查找并关联").click()
    candidates = page.get_by_test_id("customer-candidates")
    candidates.wait_for()
    assert candidates.locator("li").count() == 2
    shot(page, "conversation-link-customer-pick")
    candidates.locator("li", has_text="BR-7002").get_by_role("button").click()
    page.get_by_test_id("ticket-customer").get_by_role("link", name="欧阳明").wait_for()
    assert page.locator('[data-action="customer"]').count() == 1
    shot(page, "conversation-link-customer-done")
    page.context.close()
    kept = run_on_server(
        "from kefu.customers.models import Customer\n"
        "print(Customer.objects.get(account_no='BR-7002').email)"
    ).strip()
    assert kept == "ouyang.ming@example.com"
