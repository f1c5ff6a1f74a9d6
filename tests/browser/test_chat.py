"""Web chat in a real browser against a real ``kefu serve``, with two browser contexts: a
customer on a website that includes the widget with its one script tag (served by a local
http.server, another origin than Kefu's) and the agent in the console. Nobody online: the
widget takes a 留言 that becomes a ticket. The agent online: the customer's chat waits with a
badge on the console, the agent accepts, both exchange lines (a 快捷回复 by /key), the agent
makes it a ticket. Screenshots of both sides go to ``test-artifacts/``."""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest

from tests.browser.conftest import login, run_on_server, shot

pytestmark = pytest.mark.browser

# The chat answers around the clock on this server, whatever day the test runs.
ALL_DAY = """
import datetime as dt
from kefu.chat.models import ChatSettings
row = ChatSettings.objects.first() or ChatSettings()
row.every_day = True
row.opening, row.closing = dt.time(0, 0), dt.time(23, 59, 59)
row.save()
"""


@pytest.fixture(scope="module")
def website(server, tmp_path_factory):
    """A center's website: one page with the widget's one script tag (and its 深圳 branch's
    page, branch.html, whose tag names the branch)."""
    root = tmp_path_factory.mktemp("website")
    for name, attrs in (("index.html", ""), ("branch.html", ' data-branch="sz"')):
        (root / name).write_text(
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>清源水务</title>'
            "</head><body><h1>清源水务 · 网上营业厅</h1><p>水费查询、报修、停水公告。</p>"
            f'<script src="{server}/chat/widget.js"{attrs} async></script></body></html>',
            encoding="utf-8",
        )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    run_on_server(ALL_DAY)
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


def _customer(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 760})
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def _open_widget(page, website: str):
    page.goto(website)
    page.locator("[data-kefu-chat=button]").click()
    return page.frame_locator("iframe[data-kefu-chat=frame]")


def test_nobody_online_the_widget_takes_a_message_that_becomes_a_ticket(browser, website):
    page = _customer(browser)
    chat = _open_widget(page, website)
    chat.get_by_test_id("chat-reason").wait_for()
    assert chat.get_by_test_id("chat-reason").inner_text() == (
        "客服暂时不在线,请留言,我们会尽快联系您。"
    )
    chat.locator("[data-form=note] [name=name]").fill("周女士")
    chat.locator("[data-form=note] [name=phone]").fill("13955550001")
    chat.locator("[data-form=note] [name=content]").fill("楼道水表井盖松动,请派人看一下。")
    chat.get_by_test_id("note-submit").click()
    done = chat.get_by_test_id("note-done")
    done.wait_for()
    serial = done.locator("strong").inner_text()
    shot(page, "chat-leave-message")
    found = run_on_server(
        "from kefu.tickets.models import Ticket\n"
        f"t = Ticket.objects.get(serial='{serial}')\n"
        "print(t.channel, t.caller_number, t.contact_name)"
    )
    assert found.split() == ["chat", "13955550001", "周女士"]
    page.context.close()


def test_a_message_left_on_a_branchs_site_is_that_branchs_ticket(browser, website):
    page = _customer(browser)
    chat = _open_widget(page, website.replace("index.html", "branch.html"))
    chat.locator("[data-form=note] [name=phone]").fill("13955550003")
    chat.locator("[data-form=note] [name=content]").fill("南山这边水压很低。")
    chat.get_by_test_id("note-submit").click()
    done = chat.get_by_test_id("note-done")
    done.wait_for()
    serial = done.locator("strong").inner_text()
    found = run_on_server(
        "from kefu.chat.models import ChatSession\n"
        f"s = ChatSession.objects.get(ticket__serial='{serial}')\n"
        "print(s.branch.code, s.ticket.branch.code)"
    )
    assert found.split() == ["sz", "sz"]
    page.context.close()


def test_customer_and_agent_chat_and_the_agent_makes_a_ticket(browser, server, website):
    from playwright.sync_api import expect

    agent = login(browser, server, "agent")
    agent.goto(server + "/chat/console/")
    presence = agent.get_by_test_id("presence")
    presence.wait_for()
    expect(presence).to_have_attribute("data-status", re.compile(r"."))
    if presence.get_attribute("data-status") != "online":
        presence.click()
    agent.wait_for_selector("[data-testid=presence][data-status=online]")

    page = _customer(browser)
    chat = _open_widget(page, website)
    chat.locator("[data-form=start] [name=name]").fill("陈先生")
    chat.locator("[data-form=start] [name=phone]").fill("13955550002")
    chat.get_by_test_id("chat-start").click()
    status = chat.get_by_test_id("chat-status")
    chat.locator("[data-testid=chat-status][data-state=waiting]").wait_for()
    assert status.inner_text() == "正在为您接通客服…"
    chat.get_by_test_id("chat-input").fill("你好,我家今天早上开始没水了")
    chat.get_by_test_id("chat-input").press("Enter")
    chat.locator("[data-testid=line-visitor]").first.wait_for()

    badge = agent.get_by_test_id("waiting-badge")
    agent.wait_for_selector("[data-testid=waiting-badge]:not([hidden])")
    assert badge.inner_text() == "1"
    waiting = agent.get_by_test_id("waiting")
    waiting.get_by_text("你好,我家今天早上开始没水了").wait_for()
    assert int(agent.locator("#console").get_attribute("data-beeps") or 0) >= 1
    shot(agent, "chat-console-waiting")
    waiting.get_by_role("button", name="接入").click()
    agent.wait_for_selector("[data-testid=chat-tabs] button")

    chat.locator("[data-testid=chat-status][data-state=active]").wait_for()
    assert status.inner_text() == "工号 8011 为您服务"

    box = agent.get_by_test_id("agent-input")
    box.fill("您好,请问您的地址是?")
    box.press("Enter")
    chat.get_by_text("您好,请问您的地址是?").wait_for()
    chat.get_by_test_id("chat-input").fill("解放路 12 号 3 单元")
    chat.get_by_test_id("chat-input").press("Enter")
    agent.get_by_test_id("agent-lines").get_by_text("解放路 12 号 3 单元").wait_for()

    box.fill("/ts")
    agent.get_by_test_id("template-list").locator("li").first.wait_for()
    assert agent.get_by_test_id("template-list").inner_text().startswith("/ts 停水致歉")
    box.press("Enter")  # inserts the template
    assert "抢修人员正在处理" in box.input_value()
    box.press("Enter")  # sends it
    chat.get_by_text("抢修人员正在处理", exact=False).wait_for()

    assert agent.get_by_test_id("ticket-phone").input_value() == "13955550002"
    agent.get_by_test_id("make-ticket").click()
    expect(agent.get_by_test_id("chat-info")).to_contain_text("工单 ")
    info = agent.get_by_test_id("chat-info").inner_text()
    serial = info.split("工单 ")[1].split(" ")[0]
    shot(agent, "chat-console-active")
    shot(page, "chat-customer")

    found = run_on_server(
        "from kefu.tickets.models import Ticket\n"
        f"t = Ticket.objects.get(serial='{serial}')\n"
        "m = t.messages.get()\n"
        "print(t.channel, t.caller_number, t.contact_name)\n"
        "print('解放路 12 号 3 单元' in m.body, '您好,请问您的地址是?' in m.body)"
    )
    assert found.split() == ["chat", "13955550002", "陈先生", "True", "True"]

    # A later line is recorded on the ticket too.
    chat.get_by_test_id("chat-input").fill("好的,谢谢")
    chat.get_by_test_id("chat-input").press("Enter")
    agent.get_by_test_id("agent-lines").get_by_text("好的,谢谢").wait_for()
    agent.on("dialog", lambda dialog: dialog.accept())
    agent.get_by_test_id("end-chat").click()
    chat.locator("[data-testid=chat-status][data-state=ended]").wait_for()
    agent.get_by_test_id("no-chats").wait_for(state="visible")
    assert not chat.get_by_test_id("chat-input").is_visible()  # nothing more to send
    shot(page, "chat-customer-ended")
    bodies = run_on_server(
        "from kefu.tickets.models import Ticket\n"
        f"print([m.body for m in Ticket.objects.get(serial='{serial}').messages.order_by('id')][1:])"
    )
    assert bodies.strip() == "['好的,谢谢']"
    page.context.close()
    agent.context.close()
