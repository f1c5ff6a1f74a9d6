"""Taking an exam on a phone, in a real browser against a real ``kefu serve``.

A phone-sized chromium (390×844, touch): the agent opens 培训考核, starts the exam, sees the
timer, answers every question (each saved as it is tapped), hands the paper in and reads the
result with the right answers and the explanations. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PASSWORD, run_on_server
from tests.browser.conftest import shot as _shot
from tests.browser.test_csp import watch

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "locale": "zh-CN",
}

MAKE_EXAM = """
from django.contrib.auth import get_user_model
from kefu.training import services
supervisor = get_user_model().objects.get(username="supervisor")
exam = services.create_exam(supervisor, title="手机端随堂测验", topics=["callback"],
                            easy=1, medium=2, hard=1, minutes=15, pass_mark=50)
print(exam.pk)
"""


def test_an_agent_takes_an_exam_on_a_phone(server, browser):
    from playwright.sync_api import expect

    exam_id = run_on_server(MAKE_EXAM).strip()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = watch(page)
    page.goto(server + "/login/")
    page.fill("#id_username", "agent2")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=me]")

    page.goto(f"{server}/training/exams/{exam_id}/")
    page.get_by_test_id("start").tap()
    expect(page.get_by_test_id("question")).to_have_count(4)
    expect(page.get_by_test_id("timer")).to_have_text(re.compile(r"1[45]:\d\d"))
    questions = page.get_by_test_id("question")
    for n in range(4):
        with page.expect_response(lambda r: r.url.endswith("/answer")) as saved:
            questions.nth(n).get_by_test_id("option").first.tap()
        assert saved.value.status == 204
    page.get_by_test_id("question").first.scroll_into_view_if_needed()
    _shot(page, "exam-1-phone-paper")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The answers were saved as they were tapped: a reload shows them chosen.
    page.reload()
    expect(page.locator("input:checked")).to_have_count(4)

    page.get_by_test_id("submit").tap()
    expect(page.get_by_test_id("score")).to_contain_text("得分")
    expect(page.get_by_test_id("explanation")).to_have_count(4)
    expect(page.get_by_test_id("explanation").first).to_contain_text("解析")
    _shot(page, "exam-2-phone-result")
    assert (page.evaluate("window.__refused"), problems) == ([], [])
    context.close()
