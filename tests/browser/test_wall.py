"""The wall screen (大屏) on a 1920×1080 TV, in a real browser against a real ``kefu serve``.

The team lead opens it from the top bar; the supervisor publishes an outage notice on another
screen and the banner appears, live; a ticket and a work order recorded through the API move
the figures, each on its own push. Other browser tests share the server, so figures are
compared with what the wall showed before. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIGURES = ("tickets-open", "tickets-today", "tickets-urgent", "orders-pending")
# The panel reloads at most once per 5 s on pushes: the next change waits that long.
THROTTLE_MS = 5500


def figures(page) -> dict[str, int]:
    return {
        testid: int(page.get_by_test_id(testid).locator(".num").inner_text()) for testid in FIGURES
    }


def post_json(page, server: str, path: str, body: dict) -> dict:
    """POST to the API with the page's session, as the browser's own scripts would."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    reply = page.request.post(server + path, data=body, headers={"X-CSRFToken": token})
    assert reply.status == 201, reply.text()
    return reply.json()


def test_the_wall_shows_the_notice_and_follows_the_floor_live(server, browser):
    from playwright.sync_api import expect

    wall = login(browser, server, "lead")
    wall.set_viewport_size({"width": 1920, "height": 1080})
    wall.get_by_test_id("nav-wall").click()
    wall.wait_for_url("**/wall/")
    expect(wall.locator("body")).to_have_attribute("data-live", "on")  # the push channel
    expect(wall.get_by_test_id("wall-scope")).to_have_text("全中心")
    before = figures(wall)
    # Quality reads the wall too, but is not in the agents' push group: its screen keeps up
    # with the minute's poll. Its clock is under the test's control.
    quality = login(browser, server, "quality")
    quality.set_viewport_size({"width": 1920, "height": 1080})
    quality.clock.install()
    quality.goto(server + "/wall/")
    expect(quality.get_by_test_id("wall-scope")).to_have_text("全中心")
    # An installed clock still runs: held here, the minute's poll waits for fast_forward below
    # however long this test takes on a busy machine.
    quality.clock.pause_at(dt.datetime.now() + dt.timedelta(seconds=1))

    # On another screen the supervisor publishes an outage notice.
    now = dt.datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    desk = login(browser, server, "supervisor")
    desk.goto(server + "/notices/")
    form = desk.get_by_test_id("notice-form")
    form.locator("select[name=kind]").select_option(label="停水")
    form.locator("input[name=title]").fill("阳光花园小区管网维修停水")
    form.get_by_label("阳光花园小区").check()
    form.get_by_label("幸福里片区").check()
    form.locator("input[name=starts_at]").fill(f"{now - dt.timedelta(hours=1):%Y-%m-%dT%H:%M}")
    end = now + dt.timedelta(hours=5)
    form.locator("input[name=expected_end]").fill(f"{end:%Y-%m-%dT%H:%M}")
    form.locator("button").click()
    desk.wait_for_url("**/notices/*/")
    desk.get_by_test_id("publish-button").click()  # asks first: the count and the SMS
    desk.get_by_test_id("publish-confirm-button").click()
    expect(desk.get_by_test_id("state")).to_have_text("已发布")

    # The wall shows it without anyone touching the wall.
    banner = wall.get_by_test_id("wall-notice").filter(has_text="阳光花园小区管网维修停水")
    expect(banner).to_be_visible(timeout=10_000)
    expect(banner).to_contain_text("停水")
    expect(banner).to_contain_text("幸福里片区、阳光花园小区")
    expect(banner).to_contain_text(f"预计 {end:%m-%d %H:%M} 结束")
    expect(banner).to_contain_text("进展 0 条")

    # An urgent call about it is recorded: the ticket figures move on the push.
    wall.wait_for_timeout(THROTTLE_MS)
    post_json(
        desk,
        server,
        "/api/v1/tickets",
        {
            "type": "repair",
            "channel": "phone",
            "content": "阳光花园3栋停水后水管爆裂",
            "priority": "urgent",
            "area": "hq-yhy",
            "accept": True,
        },
    )
    want = {
        **before,
        "tickets-open": before["tickets-open"] + 1,
        "tickets-today": before["tickets-today"] + 1,
        "tickets-urgent": before["tickets-urgent"] + 1,
    }
    expect(wall.get_by_test_id("tickets-urgent").locator(".num")).to_have_text(
        str(want["tickets-urgent"]), timeout=10_000
    )
    assert figures(wall) == want

    # A work order waiting for dispatch.
    wall.wait_for_timeout(THROTTLE_MS)
    post_json(
        desk,
        server,
        "/api/v1/workorders",
        {
            "kind": "repair",
            "department": "repair",
            "customer_name": "韩梅梅",
            "customer_phone": "13812345678",
            "address": "阳光花园3栋2单元501",
            "area": "hq-yhy",
            "goods": "停水后水管爆裂",
        },
    )
    want["orders-pending"] += 1
    expect(wall.get_by_test_id("orders-pending").locator(".num")).to_have_text(
        str(want["orders-pending"]), timeout=10_000
    )
    assert figures(wall) == want

    # Quality's wall heard none of it; a minute later it shows the same.
    expect(
        quality.get_by_test_id("wall-notice").filter(has_text="阳光花园小区管网维修停水")
    ).to_have_count(0)
    assert figures(quality) == before
    quality.clock.fast_forward("01:01")
    expect(
        quality.get_by_test_id("wall-notice").filter(has_text="阳光花园小区管网维修停水")
    ).to_be_visible()
    assert figures(quality) == want

    # Made for the TV: the whole screen, nothing to scroll.
    size = wall.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size == [1920, 1080]
    shot(wall, "wall-1920x1080")
