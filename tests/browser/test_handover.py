"""The shift handover on a tablet, in a real browser against a real ``kefu serve``.

A tablet-sized chromium (1024×768, touch): the desk agent opens 交接班, hands the shift over to
the team lead (the pending matters collected by Kefu) and signs; the lead signs on the same
tablet. The handover shows both signatures with time and 工号. Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, run_on_server
from tests.browser.conftest import shot as _shot
from tests.browser.test_csp import watch
from tests.browser.test_lostfound import TABLET

pytestmark = pytest.mark.browser

MAKE_SHIFT = """
import datetime as dt
from django.utils import timezone
from kefu.workforce.models import ShiftTemplate
start = (timezone.localtime() - dt.timedelta(hours=7)).replace(second=0, microsecond=0)
ShiftTemplate.objects.update_or_create(
    code="BT", defaults={"name": "游客中心早班", "start": start.time(), "minutes": 480}
)
from django.contrib.auth import get_user_model
from kefu.frontdesk import services
agent = get_user_model().objects.get(username="agent")
item = services.register_found_item(agent, services.FoundItemIn(
    source="visitor", category="phone", description="白色手机,屏幕有裂纹",
    found_place="游客中心服务台", found_at=timezone.now() - dt.timedelta(hours=2),
    finder_name="刘女士", finder_phone="13900002222"))
services.hand_to_custody(agent, item.pk, place="贵重物品保险柜", custodian_name="周会计")
print(start.date().isoformat(), item.serial)
"""


def _login(page, server, username):
    page.goto(server + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=me]")


def test_a_handover_signed_by_the_outgoing_and_the_incoming_person(server, browser):
    from playwright.sync_api import expect

    day, kept = run_on_server(MAKE_SHIFT).split()
    context = browser.new_context(**TABLET)
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = watch(page)
    _login(page, server, "agent")
    expect(page.get_by_test_id("me")).to_contain_text("8011")

    page.get_by_test_id("nav-shift").click()
    expect(page.get_by_test_id("me")).to_contain_text("8011")
    form = page.get_by_test_id("handover-form")
    form.locator("input[name=day]").fill(day)
    form.locator("select[name=shift]").select_option("BT")
    form.locator("select[name=incoming]").select_option(label="8001 王芳")
    form.locator("textarea[name=notes]").fill("3号柜台打印机卡纸,已报修;东门轮椅借出一台未还")
    _shot(page, "handover-1-desk")
    page.get_by_test_id("handover-create").tap()
    expect(page.get_by_test_id("outgoing")).to_have_text("李娜")
    # Collected by itself: the phone in custody is left to the incoming shift.
    expect(page.get_by_test_id("matters")).to_contain_text(kept)
    url = page.url
    page.get_by_test_id("sign").tap()
    expect(page.get_by_test_id("outgoing-sign")).to_contain_text("8011")
    expect(page.get_by_test_id("incoming-sign")).to_contain_text("未签字")

    # The incoming lead signs on the same tablet.
    page.context.clear_cookies()
    _login(page, server, "lead")
    page.goto(url)
    page.get_by_test_id("sign").tap()
    expect(page.get_by_test_id("incoming-sign")).to_contain_text("8001")
    expect(page.get_by_test_id("outgoing-sign")).to_contain_text("8011")
    expect(page.get_by_test_id("sign")).to_have_count(0)
    _shot(page, "handover-2-signed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert (page.evaluate("window.__refused"), problems) == ([], [])
    context.close()


MAKE_DUTY = """
from django.contrib.auth import get_user_model
from kefu.frontdesk import shift
from kefu.workforce.models import ShiftTemplate
User = get_user_model()
agent, lead = User.objects.get(username="agent"), User.objects.get(username="lead")
t = ShiftTemplate.objects.get(code="BT")
from django.utils import timezone
import datetime as dt
day = (timezone.localtime() - dt.timedelta(hours=7)).date()
r = shift.open_record(agent, day=day, shift_code="BT")
if not r.is_locked:
    shift.update_record(agent, r.pk, weather="晴 16℃", duty_manager_id=None, duty_leader_id=lead.pk,
                        operations="东门闸机检修,游客改走南门;下午三点文艺演出")
    shift.report_visitors(agent, r.pk, count=1860, note="午间高峰")
    shift.add_incident(agent, r.pk, text="一名儿童与家人走散,广播后十分钟找到")
print(f"{day:%Y-%m}")
"""


def test_the_month_of_duty_records_prints_as_one_book(server, browser):
    from playwright.sync_api import expect

    run_on_server(MAKE_SHIFT)
    month = run_on_server(MAKE_DUTY).strip()
    context = browser.new_context(**TABLET)
    page = context.new_page()
    page.set_default_timeout(15000)
    _login(page, server, "lead")
    page.goto(f"{server}/frontdesk/duty/month/?month={month}")
    expect(page.get_by_test_id("duty-sheet").first).to_contain_text("一名儿童与家人走散")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_test_id("shift-tabs")).to_be_hidden()
    _shot(page, "duty-month-print")
    context.close()
