"""In a real browser against a real ``kefu serve``: a team lead flags a number on the blacklist
page; when that number calls, the agent's screen pop shows the warning, the reason and the
center's abuse script (标准话术). Screenshot in ``test-artifacts/``."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import CTI_TOKEN
from tests.browser.conftest import login as _login
from tests.browser.conftest import shot as _shot

pytestmark = pytest.mark.browser

FLAGGED = "13700001234"


def test_a_flagged_callers_pop_warns_with_the_abuse_script(server, browser):
    from playwright.sync_api import expect

    lead = _login(browser, server, "lead")
    lead.goto(server + "/calls/blacklist/")
    form = lead.get_by_test_id("blacklist-add")
    form.locator("[name=number]").fill("137-0000-1234")
    form.locator("[name=kind]").select_option("flag")
    form.locator("[name=reason]").fill("多次辱骂坐席")
    form.locator("button").click()
    expect(lead.get_by_test_id("blacklist")).to_contain_text(FLAGGED)

    agent = _login(browser, server, "agent")
    expect(agent.locator("body[data-live=on]")).to_have_count(1)
    reply = httpx.post(
        f"{server}/api/v1/cti/{CTI_TOKEN}",
        data={
            "event": "newCall",
            "from": FLAGGED,
            "to": "96116",
            "direction": "in",
            "callId": "browser-flag-1",
        },
    )
    assert reply.json() == {}
    flag = agent.get_by_test_id("call-flag")
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("标记:多次辱骂坐席")
    expect(flag).to_contain_text("不文明用语提醒")
    _shot(agent, "telephony-flagged-pop")

    # The caller hangs up before anyone answers: a missed call, no longer waiting.
    gone = httpx.post(
        f"{server}/api/v1/cti/{CTI_TOKEN}",
        data={
            "event": "hangup",
            "callId": "browser-flag-1",
            "direction": "in",
            "from": FLAGGED,
            "to": "96116",
            "cause": "cancel",
        },
    )
    assert gone.status_code == 200, gone.text
