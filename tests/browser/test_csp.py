"""In a real browser: every role's main pages load under Kefu's Content-Security-Policy with
nothing refused (no inline script or style, no eval), no script error, and the live websocket
connected; a photo is shown from its access-checked address."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login, run_on_server

pytestmark = pytest.mark.browser

# A ticket with a work order out to 张师傅 (fitter), on site with a photo; an outbound list
# started by the team lead; the chat open around the clock.
SETUP = """
import datetime as dt
import io
from PIL import Image
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from kefu.chat.models import ChatSettings
from kefu.dispatch import photos
from kefu.dispatch import services as dispatch
from kefu.dispatch.schemas import OrderIn
from kefu.tickets.schemas import TicketIn
from kefu.tickets.services import create_ticket
from tests.outbound.factories import excel_list

users = {u.username: u for u in get_user_model().objects.all()}
ticket = create_ticket(
    TicketIn(type="repair", channel="phone", content="厨房水管漏水,水表前阀门关不严"),
    actor=users["agent"], accept=True, department="repair",
)
order = dispatch.create_order(
    OrderIn(kind="repair", department="repair", customer_name="王先生",
            customer_phone="13512345678", address="阳光花园3栋2单元501", area="hq-yhy",
            goods="厨房水管爆裂"),
    actor=users["agent"], ticket=ticket.serial, assignee="fitter", dispatch=True,
)
for action in ("accept", "arrive"):
    dispatch.transition_order(order.serial, actor=users["fitter"], action=action)
picture = io.BytesIO()
Image.new("RGB", (32, 24), (10, 120, 200)).save(picture, format="JPEG")
photos.add_photo(order.serial, actor=users["fitter"],
                 upload=SimpleUploadedFile("现场.jpg", picture.getvalue(), "image/jpeg"))
outbound = excel_list(users["lead"]).outbound
chat = ChatSettings.objects.first() or ChatSettings()
chat.every_day = True
chat.opening, chat.closing = dt.time(0, 0), dt.time(23, 59, 59)
chat.save()
print(ticket.serial, order.serial, outbound.pk)
"""

# Pages with the live channel (base.html's live.js, the wall): connected means data-live=on.
LIVE = "live"


def pages(serial: str, order: str, outbound: int) -> dict[str, list[tuple[str, str]]]:
    """Each role's pages: (path, LIVE or "")."""
    return {
        "agent": [
            ("/", LIVE),
            (f"/tickets/{serial}/", LIVE),
            ("/tickets/", LIVE),
            ("/customers/", LIVE),
            ("/workorders/", LIVE),
            (f"/outbound/{outbound}/work", LIVE),
            ("/chat/console/", LIVE),
            ("/knowledge/", LIVE),
            ("/notices/", LIVE),
            ("/followups/", LIVE),
            ("/calls/missed/", LIVE),
            ("/roster/mine/", LIVE),
            ("/lostfound/", LIVE),
            ("/lostfound/new", LIVE),
            ("/lostfound/reports/", LIVE),
            ("/lostfound/summary/", LIVE),
        ],
        "lead": [
            (f"/workorders/{order}/", LIVE),
            ("/workorders/new", LIVE),
            (f"/outbound/{outbound}/", LIVE),
            ("/outbound/", LIVE),
            ("/calls/floor/", LIVE),
            ("/wall/", LIVE),
            ("/roster/", LIVE),
            ("/lostfound/finance/", LIVE),
        ],
        "supervisor": [("/reports/complaints/", LIVE), ("/calls/plan/", LIVE)],
        "handler": [(f"/tickets/{serial}/", LIVE), ("/tickets/", LIVE)],
        "fitter": [("/m/", ""), (f"/m/{order}/", "")],
        "admin": [
            ("/admin/", ""),
            ("/admin/tickets/ticket/", ""),
            ("/admin/core/calendaryear/month/", ""),
            ("/admin/dispatch/messagetemplate/add/", ""),
            ("/api/v1/docs", ""),
        ],
    }


WATCH = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__refused.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                        (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""


def watch(page) -> list[str]:
    """Script errors and console errors of ``page`` from now on (a refused inline style or
    script is one too), and CSP violations through the page's own event (window.__refused)."""
    problems: list[str] = []
    page.add_init_script(WATCH)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message) -> None:
        # The browser asks for /favicon.ico on its own; Kefu has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console: {message.text} {message.location}")

    page.on("console", on_console)
    return problems


def visit(page, base: str, path: str, live: str, problems: list[str]) -> None:
    from playwright.sync_api import expect

    response = page.goto(base + path)
    assert response is not None and response.status == 200, path
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    if live:
        expect(page.locator("body")).to_have_attribute("data-live", "on")
    page.wait_for_load_state("networkidle")
    refused = page.evaluate("window.__refused")
    assert (path, refused, problems) == (path, [], [])


@pytest.fixture(scope="module")
def made(server):
    serial, order, outbound = run_on_server(SETUP).split()[-3:]
    return serial, order, int(outbound)


def test_the_watch_catches_an_inline_style_and_an_inline_script(server, browser):
    page = login(browser, server, "agent")
    problems = watch(page)
    page.goto(server + "/")
    page.evaluate(
        """() => {
        document.body.insertAdjacentHTML("beforeend", '<b style="color:red">x</b>');
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.appendChild(s);
    }"""
    )
    # (not wait_for_function: Playwright polls it through eval, which the policy refuses)
    for _ in range(50):
        if page.evaluate("window.__refused.length") >= 2:
            break
        page.wait_for_timeout(100)
    refused = page.evaluate("window.__refused")
    assert [r.split(" ", 1)[0] for r in refused] == ["style-src-attr", "script-src-elem"]
    assert page.evaluate("window.__ran === undefined")
    assert len(problems) == 2  # Chromium says so in the console too


@pytest.mark.parametrize("username", ["agent", "lead", "supervisor", "handler", "fitter", "admin"])
def test_each_roles_pages_pass_the_policy(server, browser, made, username):
    serial, order, outbound = made
    page = login(browser, server, username)
    problems = watch(page)
    for path, live in pages(serial, order, outbound)[username]:
        visit(page, server, path, live, problems)
    page.context.close()


def test_the_photo_is_shown_from_its_checked_address(server, browser, made):
    _serial, order, _outbound = made
    page = login(browser, server, "lead")
    problems = watch(page)
    visit(page, server, f"/workorders/{order}/", LIVE, problems)
    image = page.locator("img[src*='/m/files/']")
    assert image.evaluate("i => i.complete && i.naturalWidth") == 32
    src = image.get_attribute("src") or ""
    assert re.fullmatch(rf"/m/files/workorders/{order}/.+\.jpg", src)
    # Straight from the address: the picture, under its image type, in a sandbox.
    got = page.request.get(server + src)
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"].endswith("sandbox")
    # Nobody signed in: the login page, not the photo.
    anonymous = browser.new_context().request.get(server + src, max_redirects=0)
    assert anonymous.status == 302


def test_public_pages_pass_the_policy(server, browser, made):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = watch(page)
    for path in ("/login/", "/portal/", "/portal/notices/", "/chat/embed"):
        visit(page, server, path, "", problems)
    context.close()
