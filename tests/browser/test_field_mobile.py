"""A field staff member's day on a phone, in a real browser against a real ``kefu serve``.

A phone-sized chromium (390×844, touch, 2× pixels) logs in as 张师傅, lands on the phone page,
takes the order the agent dispatched through 接单, 出发 and 到场, uploads a photo, has the
customer sign on the screen (touch strokes), is told a wrong 确认码 is wrong without losing
the signature, and completes the order. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib

import pytest

from tests.browser.conftest import CUSTOMER_PHONE, PASSWORD
from tests.browser.conftest import shot as _shot

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "zh-CN",
}

# The agent dispatches a repair to a field staff member of 维修部 with an appointment today;
# prints the order's serial and the code the customer was texted.
SEED = f"""
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from kefu.accounts.models import Department, Role
from kefu.accounts.services import create_staff
from kefu.dispatch import services
from kefu.dispatch.schemas import OrderIn

User = get_user_model()
if not User.objects.filter(username="fitter").exists():
    create_staff(
        username="fitter", password="{PASSWORD}", employee_no="6101", display_name="张师傅",
        role=Role.FIELD_STAFF, department=Department.objects.get(code="repair"),
        phone="13800000001",
    )
start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
order = services.create_order(
    OrderIn(
        kind="repair", department="repair", customer_name="韩梅梅",
        customer_phone="{CUSTOMER_PHONE}", address="解放路 12 号 3 单元",
        goods="厨房水管爆裂,水漫到客厅", hint="进门先关总阀",
        window_start=start, window_end=start + dt.timedelta(hours=2),
    ),
    actor=User.objects.get(username="agent"), assignee="fitter", dispatch=True,
)
print(order.serial, order.confirmation_code)
"""


def small_png(path) -> None:
    """An 8×8 blue PNG, written without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x20\x60\xc0" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def dispatched(server, tmp_path_factory) -> tuple[str, str]:
    """(serial, confirmation code) of an order dispatched to ``fitter`` on the live server."""
    # The server fixture keeps its data in the session's one kefu-browserN folder.
    base = tmp_path_factory.getbasetemp()
    (data,) = [d for d in base.glob("kefu-browser*") if d.is_dir() and not d.is_symlink()]
    env = {
        **os.environ,
        "KEFU_DATA_DIR": str(data),
        "KEFU_SECRET_KEY": "browser-test-secret",
        "KEFU_HUEY_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "shell", "-c", SEED],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    serial, code = done.stdout.split()[-2:]
    return serial, code


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def touch_stroke(cdp, points: list[tuple[float, float]]) -> None:
    """A finger drawn across the screen (CDP touch events: pointer events of type touch)."""
    first, *rest = points
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [_p(first)]})
    for point in rest:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [_p(point)]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _p(point: tuple[float, float]) -> dict:
    return {"x": point[0], "y": point[1]}


def test_field_staff_take_an_order_from_dispatch_to_completed_on_a_phone(
    server, browser, dispatched, tmp_path
):
    from playwright.sync_api import expect

    serial, code = dispatched
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)

    # Log in once at the usual page: field staff land on their phone page, not the desk.
    page.goto(server + "/login/")
    no_sideways_scroll(page)
    _shot(page, "m-0-login")
    page.fill("#id_username", "fitter")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/m/")
    expect(page.get_by_test_id("me")).to_contain_text("张师傅")
    session = next(c for c in context.cookies() if c["name"] == "sessionid")
    assert 29 * 86400 < session["expires"] - page.evaluate("Date.now() / 1000") <= 30 * 86400

    # My orders: the dispatched one, with what, where and when.
    card = page.get_by_test_id(f"order-{serial}")
    expect(card).to_contain_text("厨房水管爆裂,水漫到客厅")
    expect(card).to_contain_text("解放路 12 号 3 单元")
    expect(card).to_contain_text("预约")
    expect(card.get_by_test_id("status")).to_have_text("已派工")
    no_sideways_scroll(page)
    _shot(page, "m-1-list")

    # The order: call the customer, navigate there, then 接单 → 出发 → 到场.
    card.click()
    page.wait_for_url(f"{server}/m/{serial}/")
    expect(page.get_by_test_id("call")).to_have_attribute("href", f"tel:{CUSTOMER_PHONE}")
    expect(page.get_by_test_id("map")).to_have_attribute(
        "href",
        "https://uri.amap.com/search?keyword=%E8%A7%A3%E6%94%BE%E8%B7%AF+12+%E5%8F%B7+3+"
        "%E5%8D%95%E5%85%83&src=kefu&callnative=1",
    )
    expect(page.get_by_test_id("todo")).to_have_text("厨房水管爆裂,水漫到客厅")
    no_sideways_scroll(page)
    _shot(page, "m-2-order")
    for action, status in (("accept", "已接单"), ("depart", "出发中"), ("arrive", "已到场")):
        page.get_by_test_id(f"action-{action}").click()
        expect(page.get_by_test_id("status")).to_have_text(status)
    expect(page.get_by_test_id("actions")).to_have_count(0)  # 完工 is the form below

    # A photo from the site.
    photo = tmp_path / "现场.png"
    small_png(photo)
    page.get_by_test_id("photo-input").set_input_files(photo)
    page.get_by_test_id("photo-upload").click()
    expect(page.get_by_test_id("photos").locator("img")).to_have_count(1)
    assert page.get_by_test_id("photos").locator("img").evaluate("i => i.naturalWidth") == 8

    # The customer signs with a finger; the drawing goes into the form as a PNG.
    pad = page.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    cdp = context.new_cdp_session(page)
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    touch_stroke(
        cdp, [(x + w * (0.1 + i * 0.04), y + h * (0.7 - (i % 5) * 0.1)) for i in range(20)]
    )
    touch_stroke(cdp, [(x + w * 0.5, y + h * 0.2), (x + w * 0.6, y + h * 0.8)])
    signature = page.get_by_test_id("signature")
    assert signature.input_value().startswith("data:image/png;base64,")
    page.get_by_test_id("result").fill("更换进户水管1米,已试水无渗漏")
    page.get_by_test_id("materials").fill("PPR管1米,弯头2个")

    # A wrong 确认码: told so on the page, the typing and the signature still there.
    page.get_by_test_id("code").fill("000000" if code != "000000" else "111111")
    page.get_by_test_id("complete-submit").click()
    expect(page.get_by_test_id("error")).to_have_text("确认码不正确")
    expect(page.get_by_test_id("status")).to_have_text("已到场")
    expect(page.get_by_test_id("result")).to_have_value("更换进户水管1米,已试水无渗漏")
    assert signature.input_value().startswith("data:image/png;base64,")
    no_sideways_scroll(page)
    _shot(page, "m-3-wrong-code")

    # Without the code, the signature confirms: 完工.
    page.get_by_test_id("code").fill("")
    page.get_by_test_id("complete-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("已完工")
    expect(page.get_by_test_id("confirmation")).to_have_text("客户签名")
    expect(page.get_by_test_id("signature-image")).to_be_visible()
    assert page.get_by_test_id("signature-image").evaluate("i => i.naturalWidth") > 0
    expect(page.get_by_test_id("tracking")).to_contain_text("已到场 → 已完工")
    no_sideways_scroll(page)
    _shot(page, "m-4-completed")

    # Back on the list it is among today's completed.
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("done-today").get_by_test_id(f"order-{serial}")).to_be_visible()
    expect(page.get_by_test_id("to-do")).not_to_contain_text(serial)
    _shot(page, "m-5-list-done")
    context.close()
