"""The end-of-shift checklist on a tablet, in a real browser against a real ``kefu serve``.

A tablet-sized chromium (1024×768, touch): the desk agent opens 交接班 › 班后检查, taps each
item of the safety checklist — one of them 异常, with its note — and submits; the supervisor,
its safety officer, is told and closes the exception on the run's page. Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import run_on_server
from tests.browser.conftest import shot as _shot
from tests.browser.test_csp import watch
from tests.browser.test_handover import _login
from tests.browser.test_lostfound import TABLET

pytestmark = pytest.mark.browser

MAKE_CHECKLIST = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from kefu.frontdesk import checklists
from kefu.frontdesk.models import Checklist
from kefu.workforce.models import ShiftTemplate
start = (timezone.localtime() - dt.timedelta(hours=7)).replace(second=0, microsecond=0)
ShiftTemplate.objects.update_or_create(
    code="CK", defaults={"name": "游客中心早班", "start": start.time(), "minutes": 480, "is_active": True}
)
User = get_user_model()
if not Checklist.objects.filter(name="班后设施、设备安全检查").exists():
    checklists.create_checklist(
        User.objects.get(username="lead"),
        kind="safety",
        name="班后设施、设备安全检查",
        items=[checklists.ItemIn(t) for t in (
            "大厅灯光、灯箱电源已关闭", "空调、新风已关闭", "电脑、打印机已关机",
            "消防通道畅通", "门窗已关好上锁")],
        officer_id=User.objects.get(username="supervisor").pk,
    )
print(start.date().isoformat())
"""


def test_the_desk_fills_the_safety_checklist_with_one_exception(server, browser):
    from playwright.sync_api import expect

    day = run_on_server(MAKE_CHECKLIST).strip()
    context = browser.new_context(**TABLET)
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = watch(page)
    _login(page, server, "agent")

    page.get_by_test_id("nav-shift").click()
    page.get_by_test_id("checklists-open").tap()
    page.locator("[data-testid=checklist-shift] input[name=day]").fill(day)
    page.locator("[data-testid=checklist-shift] select[name=shift]").select_option("CK")
    page.locator("[data-testid=checklist-shift] button").tap()
    card = page.get_by_test_id("checklist-card").filter(has_text="班后设施、设备安全检查")
    expect(card).to_contain_text("待填写")
    card.get_by_test_id("checklist-fill").tap()

    items = page.get_by_test_id("ck-item")
    expect(items).to_have_count(5)
    for n in (0, 2, 3, 4):
        items.nth(n).get_by_test_id("ck-ok").tap()
    note = items.nth(1).get_by_test_id("ck-note")
    expect(note).to_be_hidden()  # the note opens with 异常
    items.nth(1).get_by_test_id("ck-bad").tap()
    expect(note).to_be_visible()
    note.fill("2号空调遥控失灵,无法关机,已拉闸断电")
    _shot(page, "checklist-1-filled")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    box = items.nth(0).get_by_test_id("ck-ok").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 100  # a target for a finger
    page.get_by_test_id("ck-submit").tap()

    expect(page.get_by_test_id("run-open")).to_contain_text("1 项异常未处理")
    expect(page.get_by_test_id("run-items")).to_contain_text("2号空调遥控失灵")
    expect(page.get_by_test_id("close-form")).to_have_count(0)
    url = page.url

    # The safety officer is told and closes it on the same tablet.
    page.context.clear_cookies()
    _login(page, server, "supervisor")
    page.goto(url)
    form = page.get_by_test_id("close-form")
    form.locator("textarea[name=result]").fill("已请电工更换遥控接收器,空调已关闭")
    form.get_by_test_id("close").tap()
    expect(page.get_by_test_id("run-open")).to_contain_text("异常均已处理")
    expect(page.get_by_test_id("run-items")).to_contain_text("已请电工更换遥控接收器")
    _shot(page, "checklist-2-closed")
    # The supervisor sees the day: this shift's safety checklist filled.
    page.goto(f"{server}/frontdesk/checklists/?day={day}&shift=CK")
    expect(page.get_by_test_id("checklist-day")).to_contain_text("已填写")
    _shot(page, "checklist-3-day")
    assert (page.evaluate("window.__refused"), problems) == ([], [])
    context.close()
