"""A report in a real browser against a real ``kefu serve``: the supervisor opens 报表, the
intake report grouped by channel, reads the chart and the table, clicks a figure to the
tickets behind it and opens one; then the print view (the print stylesheet: no menus, no
filters) as a PDF. No script or style refused by the Content-Security-Policy on the way.
Screenshots and the PDF go to ``test-artifacts/``."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import ARTIFACTS, login, run_on_server, shot
from tests.browser.test_csp import watch

pytestmark = pytest.mark.browser

MAKE_TICKETS = """
import json
from django.contrib.auth import get_user_model
from kefu.tickets.schemas import TicketIn
from kefu.tickets.services import create_ticket
agent = get_user_model().objects.get(username="agent")
plan = [("phone", "repair")] * 4 + [("web", "inquiry")] * 3 + [("sms", "complaint")] * 2
made = []
for n, (channel, kind) in enumerate(plan):
    t = create_ticket(TicketIn(type=kind, channel=channel, content=f"第{n}号楼水压低,请尽快处理"),
                      actor=agent, accept=True)
    made.append([t.serial, channel])
print(json.dumps(made))
"""


def test_a_report_its_drill_down_and_its_print_view(server, browser):
    from playwright.sync_api import expect

    made = json.loads(run_on_server(MAKE_TICKETS).strip().splitlines()[-1])
    page = login(browser, server, "supervisor")
    problems = watch(page)
    page.get_by_test_id("nav-reports").click()
    expect(page.get_by_test_id("report-catalogue")).to_be_visible()
    page.get_by_test_id("report-intake").click()
    expect(page.get_by_test_id("chart").locator("svg.chart")).to_be_visible()

    page.get_by_test_id("by").select_option("channel")
    page.get_by_test_id("run").click()
    table = page.get_by_test_id("report-table")
    expect(table).to_contain_text("网站")
    web = [serial for serial, channel in made if channel == "web"]
    row = table.locator("tr", has_text="网站")
    total = page.get_by_test_id("total")
    # Today's tickets of the browser server are the ones made above (and any other test's).
    assert int(total.locator("th").nth(1).inner_text()) >= len(made)
    shown = int(row.locator("td").nth(1).inner_text())
    assert shown >= len(web)
    bars = page.get_by_test_id("chart").locator("svg.chart a rect")
    assert bars.count() >= 3  # one bar per channel, each a link
    shot(page, "report-intake-by-channel")

    row.locator("td").nth(1).locator("a").click()
    expect(page.get_by_test_id("drill-table")).to_be_visible()
    expect(page.get_by_test_id("drill-what")).to_contain_text("网站")
    serials = page.get_by_test_id("drill-table").locator("tbody tr td:first-child a")
    assert serials.count() == shown
    listed = set(serials.all_inner_texts())
    assert set(web) <= listed
    shot(page, "report-drill-down")
    page.get_by_test_id("drill-table").get_by_role("link", name=web[0]).click()
    page.wait_for_url(f"**/tickets/{web[0]}/")

    page.go_back()
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("report-table")).to_contain_text("网站")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("report-filters")).to_be_hidden()
    expect(page.get_by_test_id("nav-reports")).to_be_hidden()
    expect(page.get_by_test_id("chart").locator("svg.chart")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "report-intake.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    shot(page, "report-intake-print")
    assert problems == []
