"""The customer portal on a phone (390×844), in a real browser against ``kefu serve``: a
customer proves the number with the SMS code (read from the gateway's log, as the phone would
get it), submits a request with a photo and gets the serial; an agent answers on the ticket
page; the customer's page of the request shows the answer."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import SERVER, login, shot

pytestmark = pytest.mark.browser

CUSTOMER = "13655550001"  # this test's own number: nobody else on the shared server uses it
# A 1×1 PNG: a real image by its bytes.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
)


def sms_code(phone: str, after: int) -> str:
    """The code the gateway (the server's SMS log) took to ``phone`` after line ``after``."""
    log = SERVER["data"] / "sms.log"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        for line in lines[after:]:
            if f"\t{phone}\t" in line and "验证码" in line:
                found = re.search(r"验证码是(\d{6})", line)
                if found:
                    return found.group(1)
        time.sleep(0.2)
    pytest.fail(f"no code SMS to {phone}")


def log_length() -> int:
    log = SERVER["data"] / "sms.log"
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def test_a_customer_submits_on_a_phone_and_reads_the_agents_reply(server, browser, tmp_path):
    from playwright.sync_api import expect

    phone = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = phone.new_page()
    page.set_default_timeout(15000)
    page.goto(server + "/portal/")
    assert page.get_by_test_id("brand").inner_text().strip()
    shot(page, "portal-home")
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_test_id("tile-submit").click()
    page.get_by_test_id("type").select_option("inquiry")
    page.get_by_test_id("content").fill("小区二期 5 栋水压很低,早上七点基本没水")
    page.get_by_test_id("contact-name").fill("王女士")
    page.get_by_test_id("phone").fill(CUSTOMER)
    before = log_length()
    page.get_by_test_id("send-code").click()
    page.get_by_test_id("code-sent").wait_for()
    page.get_by_test_id("code").fill(sms_code(CUSTOMER, before))
    photo = tmp_path / "水压.png"
    photo.write_bytes(PNG)
    page.get_by_test_id("photos").set_input_files(str(photo))
    shot(page, "portal-submit")
    page.get_by_test_id("submit").click()
    serial = page.get_by_test_id("serial").inner_text().strip()
    assert re.fullmatch(r"\d{9,12}", serial)
    shot(page, "portal-submitted")

    agent = login(browser, server, "agent")
    agent.goto(f"{server}/tickets/{serial}/")
    assert "水压很低" in agent.get_by_test_id("conversation").inner_text()
    assert agent.get_by_test_id("reply-via").input_value() == "web"
    agent.get_by_test_id("reply-text").fill("您好,已安排管网班组今天下午到 5 栋检查加压设备。")
    agent.get_by_test_id("reply-send").click()
    expect(agent.get_by_test_id("conv-message").filter(has_text="加压设备").first).to_be_visible()
    agent.context.close()

    page.get_by_test_id("track-link").click()
    page.wait_for_url(f"**/portal/requests/{serial}/")
    reply = page.get_by_test_id("center-reply")
    assert reply.count() == 1 and "加压设备" in reply.inner_text()
    assert "水压很低" in page.get_by_test_id("my-message").inner_text()
    assert page.get_by_test_id("status").inner_text() == "已提交,待受理"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "portal-request")

    # Another phone knowing the serial but not the number learns nothing.
    stranger = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    other = stranger.new_page()
    other.goto(f"{server}/portal/requests/{serial}/")
    assert "加压设备" not in other.content()
    assert other.get_by_test_id("error").inner_text() == "请先验证手机号"
    stranger.close()
    phone.close()
