"""Notices in a real browser against a real ``kefu serve``: a notice is published only after
its confirmation (the number of customers texted and the SMS as their phones show it), and an
outage call is answered from its notice on the workbench, done on the spot and counted on the
notice. Other browser tests share the server: these use 东风村, its own streets and numbers.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import login, save_and_open, shot

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _api(page, server: str, method: str, path: str, body: dict | None = None) -> dict:
    """The API with the page's session, as the browser's own scripts would call it."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    reply = page.request.fetch(
        server + "/api/v1" + path, method=method, data=body, headers={"X-CSRFToken": token}
    )
    assert reply.ok, reply.text()
    return reply.json()


def _customer(page, server: str, name: str, phone: str, address: str) -> None:
    _api(
        page,
        server,
        "POST",
        "/customers",
        {"name": name, "phones": [{"number": phone}], "address": address, "area": "hq-dfc"},
    )


def test_a_notice_is_published_only_after_its_confirmation(server, browser):
    from playwright.sync_api import expect

    lead = login(browser, server, "lead")
    # 东风村: two customers on 滨河路 with a mobile, one there with a landline only, one
    # on another street.
    _customer(lead, server, "滨河甲", "13700001001", "东风村滨河路3号")
    _customer(lead, server, "滨河乙", "13700001002", "东风村滨河路15号2单元")
    _customer(lead, server, "滨河丙", "075588001003", "东风村滨河路21号")
    _customer(lead, server, "中山丁", "13700001004", "东风村中山路8号")

    now = dt.datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    start, end = now - dt.timedelta(hours=1), now + dt.timedelta(hours=4)
    lead.goto(server + "/notices/")
    form = lead.get_by_test_id("notice-form")
    form.locator("select[name=kind]").select_option(label="停水")
    form.locator("input[name=title]").fill("滨河路管网维修停水")
    form.get_by_label("东风村").check()
    form.locator("input[name=streets]").fill("滨河路")
    expect(form.locator("input[name=advice]")).to_have_value("请提前储水")
    form.locator("input[name=starts_at]").fill(f"{start:%Y-%m-%dT%H:%M}")
    form.locator("input[name=expected_end]").fill(f"{end:%Y-%m-%dT%H:%M}")
    form.locator("button").click()
    lead.wait_for_url("**/notices/*/")
    notice_url = lead.url

    # 发布 asks first: how many get the SMS, and the SMS as their phones show it.
    lead.get_by_test_id("publish-button").click()
    confirm = lead.get_by_test_id("publish-confirm")
    expect(confirm).to_be_visible()
    expect(lead.get_by_test_id("state")).to_have_text("草稿")
    expect(lead.get_by_test_id("confirm-recipients")).to_have_text("将向 2 位客户发送短信")
    expect(lead.get_by_test_id("confirm-counts")).to_contain_text(
        "受影响客户 3 户(片区内共 4 户,按街道筛选:滨河路)"
    )
    expect(lead.get_by_test_id("confirm-without-mobile")).to_have_text(
        "其中 1 户无手机号,不发送短信"
    )
    sms = (
        f"【清源水务】停水通知:滨河路管网维修停水,东风村(滨河路),{start:%m月%d日%H:%M}至"
        f"{end:%m月%d日%H:%M}。请提前储水"
    )
    expect(lead.get_by_test_id("confirm-sms")).to_have_text(sms)
    expect(lead.get_by_test_id("confirm-length")).to_have_text(
        f"{len(sms)} 字(含签名),按 1 条短信计费"
    )
    shot(lead, "notice-1-confirm")

    # 取消 sends nothing; 发布 again, then 确认发布.
    lead.get_by_test_id("publish-cancel").click()
    expect(lead.get_by_test_id("publish-confirm")).to_have_count(0)
    expect(lead.get_by_test_id("state")).to_have_text("草稿")
    lead.get_by_test_id("publish-button").click()
    lead.get_by_test_id("publish-confirm-button").click()
    expect(lead.get_by_test_id("state")).to_have_text("已发布")
    expect(lead.get_by_test_id("sms-total")).to_have_text("3")
    # The worker texts the two on 滨河路 with a mobile: the summary follows on reload.
    deadline = time.monotonic() + 20
    while lead.get_by_test_id("sms-sent").inner_text() != "2" and time.monotonic() < deadline:
        time.sleep(0.5)
        lead.goto(notice_url)
    expect(lead.get_by_test_id("sms-sent")).to_have_text("2")
    expect(lead.get_by_test_id("sms-skipped")).to_have_text("1")
    shot(lead, "notice-2-published")


def test_an_outage_call_is_answered_from_its_notice_and_counted_on_it(server, browser):
    from playwright.sync_api import expect

    lead = login(browser, server, "lead")
    _customer(lead, server, "朝阳戊", "13700002001", "东风村朝阳路6号")
    now = dt.datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    notice = _api(
        lead,
        server,
        "POST",
        "/notices",
        {
            "kind": "outage",
            "title": "东风村朝阳路抢修停水",
            "areas": ["hq-dfc"],
            "streets": "朝阳路",
            "starts_at": (now - dt.timedelta(hours=2)).isoformat(),
            "expected_end": (now + dt.timedelta(hours=3)).isoformat(),
        },
    )
    preview = _api(lead, server, "GET", f"/notices/{notice['id']}/preview")
    assert preview["recipients"] == 1
    _api(
        lead,
        server,
        "POST",
        f"/notices/{notice['id']}/publish",
        {"expected_recipients": preview["recipients"], "token": preview["token"]},
    )

    # The caller phones: the profile pops with the notice of the caller's area.
    agent = login(browser, server, "agent")
    agent.get_by_test_id("phone-lookup").fill("137 0000 2001")
    expect(agent.get_by_test_id("customer-card")).to_contain_text("朝阳戊")
    banner = agent.get_by_test_id("notice-banner").filter(has_text="东风村朝阳路抢修停水")
    expect(banner).to_be_visible()
    shot(agent, "notice-3-banner")

    # 按此公告受理: an inquiry about the notice, answered on the spot.
    banner.get_by_role("button", name="按此公告受理").click()
    expect(agent.locator("#id_type")).to_have_value("inquiry")
    expect(agent.locator("#id_content")).to_have_value("来电咨询公告:东风村朝阳路抢修停水")
    agent.get_by_test_id("readback-button").click()
    expect(agent.get_by_test_id("readback-notice")).to_contain_text("按公告答复,保存即办结")
    shot(agent, "notice-4-readback")
    serial = save_and_open(agent)
    expect(agent.get_by_test_id("status")).to_have_text("已归档")
    expect(agent.get_by_test_id("timeline")).to_contain_text("关联公告")
    expect(agent.get_by_test_id("timeline")).to_contain_text("按公告答复:东风村朝阳路抢修停水")
    shot(agent, "notice-5-ticket-closed")

    # The notice counts the call, answered from it.
    lead.goto(f"{server}/notices/{notice['id']}/")
    expect(lead.get_by_test_id("notice-calls")).to_have_text("共 1 个来电,其中 1 个按公告答复办结")
    expect(lead.get_by_role("link", name=serial)).to_be_visible()
    shot(lead, "notice-6-counted")
