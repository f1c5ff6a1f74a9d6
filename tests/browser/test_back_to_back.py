"""Calls back to back with the keyboard only: the number, the pop, the matter, the read-back,
the save, and the workbench is empty and ready for the next caller, the serial shown."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CUSTOMER_PHONE, login, shot

pytestmark = pytest.mark.browser


def test_three_calls_back_to_back_with_the_keyboard_only(server, browser):
    from playwright.sync_api import expect

    agent = login(browser, server, "agent")
    agent.wait_for_selector("body[data-keys=on]", state="attached")  # the keys are listened to
    keys = agent.keyboard
    lookup = agent.locator("#phone-lookup")
    content = agent.locator("#id_content")
    expect(lookup).to_be_focused()  # the workbench opens on 来电号码

    # `?` lists the keys; Esc closes the list.
    keys.press("?")
    expect(agent.get_by_test_id("keys-help")).to_be_visible()
    expect(agent.get_by_test_id("keys-help")).to_contain_text("复述确认")
    shot(agent, "keys-help")
    keys.press("Escape")
    expect(agent.get_by_test_id("keys-help")).to_be_hidden()

    calls = [
        # A known caller: the pop fills the form and the cursor goes to 诉求内容 by itself.
        (CUSTOMER_PHONE, "韩梅梅", "水表走得特别快,想请人来校验一下"),
        # Unknown callers: Enter goes on from the number to 诉求内容.
        ("13900004444", None, "想问一下下个月水价是不是要调整"),
        ("13900005555", None, "小区门口的消防栓一直在漏水"),
    ]
    serials = []
    for number, name, said in calls:
        keys.press("Alt+KeyK")
        expect(lookup).to_be_focused()
        keys.type(number)
        if name:
            expect(agent.get_by_test_id("customer-card")).to_contain_text(name)
            expect(content).to_be_focused()
        else:
            expect(agent.get_by_test_id("profile")).to_contain_text("无历史工单")
            keys.press("Enter")
            expect(content).to_be_focused()
        keys.type(said)
        keys.press("Control+Enter")  # the read-back first…
        expect(agent.get_by_test_id("readback")).to_contain_text(said)
        expect(agent.get_by_test_id("confirm-intake")).to_be_focused()
        keys.press("Control+Enter")  # …then saved
        toast = agent.get_by_test_id("saved-toast")
        expect(toast).to_be_visible()
        serial = toast.get_attribute("data-serial")
        assert serial and serial not in serials
        serials.append(serial)
        # Ready for the next call: an empty form and lookup, the cursor on 来电号码.
        expect(lookup).to_have_value("")
        expect(lookup).to_be_focused()
        expect(content).to_have_value("")
        expect(agent.get_by_test_id("profile")).not_to_contain_text("韩梅梅")
    shot(agent, "back-to-back-saved")

    # A call dropped half-way: Alt+N asks, then clears the workbench for the next one.
    keys.press("Alt+KeyK")
    keys.type(CUSTOMER_PHONE)
    expect(content).to_be_focused()
    keys.type("电话断了")
    agent.once("dialog", lambda dialog: dialog.accept())
    keys.press("Alt+KeyN")
    expect(content).to_have_value("")
    expect(lookup).to_have_value("")
    expect(lookup).to_be_focused()

    # Each call is a ticket of its own with what was said.
    for serial, (_, _, said) in zip(serials, calls, strict=True):
        agent.goto(f"{server}/tickets/{serial}/")
        expect(agent.get_by_test_id("serial")).to_have_text(serial)
        expect(agent.locator("body")).to_contain_text(said)
