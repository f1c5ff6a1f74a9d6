"""Agent assist in a real browser: the standard scripts address the caller found by their
number (韩女士); while the agent types the caller's words, the workbench proposes the request
type, the urgency and the matter, and shows the knowledge articles; one click accepts them all
into the intake form, and the saved ticket keeps what was accepted. A reply to the customer with
a forbidden phrase is flagged as it is typed and refused when sent.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login as _login
from tests.browser.conftest import save_and_open
from tests.browser.conftest import shot as _shot

pytestmark = pytest.mark.browser


def test_the_agent_sees_suggestions_and_an_article_and_accepts_them(server, browser):
    from playwright.sync_api import expect

    agent = _login(browser, server, "agent")
    # Before the caller is known the scripts say 您; once the number finds 韩梅梅, 韩女士.
    scripts = agent.get_by_test_id("scripts")
    expect(scripts.locator("[data-scene=ask_hold]")).to_contain_text("您好,")
    agent.get_by_test_id("phone-lookup").fill("138 1234 5678")
    expect(agent.get_by_test_id("customer-card")).to_contain_text("韩梅梅")
    expect(scripts).to_contain_text("称呼:韩女士")
    expect(scripts.locator("[data-scene=ask_hold]")).to_contain_text("韩女士,")
    expect(scripts.locator("[data-scene=inbound_greeting]")).to_contain_text("8011号客服")
    agent.fill("#id_content", "红星路口的水管爆了,水哗哗地往外冒,路上都淹了,赶紧派人来抢修!")

    triage = agent.get_by_test_id("triage-suggest")
    expect(triage.locator("[data-triage=type]")).to_contain_text("报修")
    expect(triage.locator("[data-triage=urgent]")).to_contain_text("紧急")
    expect(triage.locator("[data-triage=matter]")).to_contain_text("漏水/爆管")
    articles = agent.get_by_test_id("kb-suggest").locator(".kb-hit")
    expect(articles.first).to_be_visible()
    expect(agent.get_by_test_id("kb-suggest")).to_contain_text("爆管")
    _shot(agent, "assist-1-suggestions")

    agent.get_by_test_id("accept-all").click()
    expect(agent.locator("#id_type")).to_have_value("repair")
    expect(agent.locator("#id_priority")).to_have_value("urgent")
    expect(agent.locator("#id_matter")).to_have_value("leak")
    _shot(agent, "assist-2-accepted")

    agent.get_by_test_id("readback-button").click()
    expect(agent.get_by_test_id("readback")).to_contain_text("红星路口的水管爆了")
    save_and_open(agent)
    serial = agent.get_by_test_id("serial").inner_text()

    # What the agent accepted is the ticket's: its priority, and its matter for the next
    # training (read back through the API with the agent's session).
    label = agent.request.post(
        server + f"/api/v1/triage/tickets/{serial}/labels",
        data={"sentiment": "anxious"},
        headers={"X-CSRFToken": _csrf(agent)},
    )
    assert label.ok, label.text()
    body = label.json()
    assert body["matter"] == "leak" and {"type", "urgent", "matter"} <= set(body["confirmed"])
    assert body["urgent"] is True
    _shot(agent, "assist-3-ticket")

    # The agent replies to the customer: a forbidden phrase is flagged as it is typed, and the
    # send is refused with what to say instead; the text stays for the agent to rework.
    agent.reload()
    reply = agent.get_by_test_id("reply-text")
    reply.fill("这是公司的规定,我 办 不 了")
    hits = agent.get_by_test_id("wording-hits")
    expect(hits).to_contain_text("这是公司的规定")
    expect(hits).to_contain_text("我办不了")
    _shot(agent, "assist-4-forbidden-flagged")
    agent.get_by_test_id("reply-send").click()
    expect(agent.get_by_test_id("error")).to_contain_text("含服务禁语")
    expect(agent.get_by_test_id("reply-text")).to_have_value("这是公司的规定,我 办 不 了")
    _shot(agent, "assist-5-forbidden-blocked")
    agent.get_by_test_id("reply-text").fill("您好,抢修队已出发,预计一小时内到达现场,请注意安全。")
    agent.get_by_test_id("reply-send").click()
    expect(agent.locator("#ticket-body")).to_contain_text("抢修队已出发")
    expect(agent.get_by_test_id("error")).to_have_count(0)
    _shot(agent, "assist-6-replied")


def _csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
