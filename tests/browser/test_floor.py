"""In a real browser against a real ``kefu serve``: a supervisor's floor page (话务监控) follows
simulated calls (kefu.telephony.simulator, played on the CTI endpoint) within a second; when
the queue passes 10 the emergency-staffing alert appears, the supervisor answers the back-office
step, the queue empties, the sign-out advice comes, and once signed out the alert clears. The
ladder's 5 minutes are 3 seconds on this server (KEFU_LADDER_MINUTES=0.05). Screenshots in
``test-artifacts/``."""

from __future__ import annotations

import time

import httpx
import pytest

from kefu.telephony.simulator import Scenario, play, simulate
from tests.browser.conftest import CTI_TOKEN
from tests.browser.conftest import login as _login
from tests.browser.conftest import shot as _shot

pytestmark = pytest.mark.browser


def test_the_floor_follows_the_calls_and_the_emergency_alert_comes_and_goes(server, browser):
    from playwright.sync_api import expect

    url = f"{server}/api/v1/cti/{CTI_TOKEN}"
    page = _login(browser, server, "supervisor")
    page.goto(server + "/calls/floor/")
    expect(page.locator("body[data-live=on]")).to_have_count(1)
    expect(page.get_by_test_id("floor-waiting")).to_contain_text("0")

    # Two agents, a flood of callers: within 40 simulated seconds the queue passes 10.
    run = simulate(
        Scenario(
            agents=["phone21", "phone22"],
            calls_per_hour=3600,
            aht_seconds=600,
            patience_seconds=0,  # nobody gives up
            duration_seconds=40,
        ),
        seed=7,
        run_id="browser-floor",
    )
    opening = [ev for ev in run.events if ev.at <= 30]
    report = play(opening, url, speed=0)
    assert report.errors == 0
    open_calls = {str(e.params["callId"]) for e in opening if e.event == "newCall"} - {
        str(e.params["callId"]) for e in opening if e.event in ("answer", "hangup")
    }
    waiting = len(open_calls)
    assert waiting > 10, waiting
    started = time.monotonic()
    expect(page.get_by_test_id("floor-waiting")).to_contain_text(str(waiting), timeout=3000)
    shown_after = time.monotonic() - started
    assert shown_after < 1.5, shown_after  # pushed and reloaded within about a second
    expect(page.get_by_test_id("floor-agent").first).to_contain_text("通话中")

    # Above 10 for the ladder's "5 minutes": the next call raises every step up to the back
    # office, and the page shows the alert.
    time.sleep(3.2)
    httpx.post(
        url,
        data={
            "event": "newCall",
            "callId": "browser-floor-late",
            "from": "13900001111",
            "to": "96116",
            "direction": "in",
        },
    )
    open_calls.add("browser-floor-late")
    alert = page.get_by_test_id("ladder-alert")
    expect(alert).to_be_visible(timeout=3000)
    expect(alert).to_contain_text("调用浮动专家")
    expect(alert).to_contain_text("调用后台人员")
    expect(alert).to_contain_text("王芳")  # the demo's floating experts: 王芳, 陈静
    _shot(page, "telephony-floor-alert")

    back_office = page.locator("[data-testid=ladder-step][data-step=back_office]")
    back_office.locator("[name=note]").fill("已通知营业部周敏、维修部刘强")
    back_office.get_by_test_id("ladder-answer").click()
    expect(back_office.get_by_test_id("ladder-answered")).to_contain_text("已安排")

    # The callers are answered or give up: the queue is back, the unanswered steps close
    # themselves and the answered one is advised to sign out.
    for call_id in sorted(open_calls):
        httpx.post(
            url,
            data={
                "event": "hangup",
                "callId": call_id,
                "cause": "cancel",
                "direction": "in",
                "from": "13900001111",
                "to": "96116",
            },
        )
    expect(page.get_by_test_id("floor-waiting")).to_contain_text("0", timeout=3000)
    advice = page.get_by_test_id("ladder-sign-out-advice")
    expect(advice).to_be_visible(timeout=3000)
    expect(page.get_by_test_id("ladder-step")).to_have_count(1)
    _shot(page, "telephony-floor-sign-out")
    page.get_by_test_id("ladder-sign-out").click()
    expect(page.get_by_test_id("ladder-alert")).to_have_count(0)
    _shot(page, "telephony-floor-cleared")

    # The wall shows the same floor.
    page.goto(server + "/wall/")
    expect(page.get_by_test_id("phones-waiting")).to_contain_text("0")
    expect(page.get_by_test_id("phones-states")).to_contain_text("通话中")
    _shot(page, "telephony-wall")
