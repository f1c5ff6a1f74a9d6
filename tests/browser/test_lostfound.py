"""The front desk's lost and found on a tablet, in a real browser against a real ``kefu serve``.

A tablet-sized chromium (1024×768, touch) logs in as the desk agent, registers a found wallet
with a photo, opens 认领: the claimant's description is taken first with the item hidden, then
the item is shown beside it, the identity document entered and the claimant signs with a finger;
the item is 已认领 with the signature on its page. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.browser.conftest import PASSWORD
from tests.browser.conftest import shot as _shot
from tests.browser.test_csp import watch
from tests.browser.test_field_mobile import touch_stroke

pytestmark = pytest.mark.browser

TABLET = {
    "viewport": {"width": 1024, "height": 768},
    "has_touch": True,
    "locale": "zh-CN",
}


def test_desk_registers_a_found_item_with_a_photo_and_hands_it_over_with_a_drawn_signature(
    server, browser, tmp_path
):
    from playwright.sync_api import expect

    context = browser.new_context(**TABLET)
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = watch(page)  # no script error, nothing the CSP refuses, on every page
    page.goto(server + "/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=me]")

    # 拾物登记: a visitor hands in a wallet; a photo taken with the tablet.
    page.get_by_test_id("nav-lostfound").click()
    page.get_by_test_id("register-link").click()
    photo = tmp_path / "钱包.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 60, 30)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())
    found_at = dt.datetime.now(ZoneInfo("Asia/Shanghai")) - dt.timedelta(hours=1)
    page.select_option("#id_category", "wallet")
    page.fill("#id_description", "棕色皮质钱包,内有一张工商银行卡和两张照片")
    page.fill("#id_found_place", "游客中心东门长椅")
    page.fill("#id_found_at", found_at.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_finder_name", "陈先生")
    page.fill("#id_finder_phone", "13900001111")
    page.get_by_test_id("photos").set_input_files(photo)
    _shot(page, "lf-1-register")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("item-status")).to_have_text("已登记")
    image = page.get_by_test_id("item-photo")
    expect(image).to_have_count(1)
    page.wait_for_function("document.querySelector('[data-testid=item-photo]').complete")
    assert image.evaluate("i => i.naturalWidth") == 320
    _shot(page, "lf-2-item")

    # 认领: the description first, the item hidden.
    page.get_by_test_id("claim-link").click()
    expect(page.get_by_test_id("describe-first")).to_be_visible()
    assert "工商银行卡" not in page.content()
    page.fill("#id_claimant_name", "张三丰")
    page.fill("#id_description", "棕色钱包,有一张工行卡,还有照片")
    _shot(page, "lf-3-describe")
    page.get_by_test_id("describe-submit").click()
    expect(page.get_by_test_id("shown-item")).to_contain_text("工商银行卡")
    expect(page.get_by_test_id("said")).to_contain_text("棕色钱包,有一张工行卡")

    # The desk finds it matches; the document; the claimant signs with a finger.
    page.get_by_label("相符,准予认领").check()
    page.select_option("#id_id_type", "id_card")
    page.fill("#id_id_number", "110101199003071234")
    pad = page.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    cdp = context.new_cdp_session(page)
    touch_stroke(
        cdp, [(x + w * (0.1 + i * 0.03), y + h * (0.7 - (i % 5) * 0.1)) for i in range(20)]
    )
    touch_stroke(cdp, [(x + w * 0.6, y + h * 0.2), (x + w * 0.7, y + h * 0.8)])
    assert page.get_by_test_id("signature").input_value().startswith("data:image/png;base64,")
    _shot(page, "lf-4-sign")
    page.get_by_test_id("claim-submit").click()

    expect(page.get_by_test_id("item-status")).to_have_text("已认领")
    signed = page.get_by_test_id("claim-signature")
    expect(signed).to_be_visible()
    page.wait_for_function("document.querySelector('[data-testid=claim-signature]').complete")
    assert signed.evaluate("i => i.naturalWidth") > 0
    expect(page.get_by_test_id("claims")).to_contain_text("110***********1234")
    expect(page.get_by_test_id("claim-link")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    _shot(page, "lf-5-claimed")

    # The card to print: a QR code of the item's page.
    page.get_by_test_id("card-link").click()
    expect(page.get_by_test_id("item-qr").locator("svg")).to_have_count(1)
    _shot(page, "lf-6-card")
    assert (page.evaluate("window.__refused"), problems) == ([], [])
    context.close()
