"""Sign-in in a real browser against a real ``kefu serve``: the general manager enrols an
authenticator on 我的账户 and signs in with the password, then the code (a wrong one refused);
five wrong passwords lock an account and the page says so; the administrator sees the lock on
登录安全, unlocks it and resets the manager's authenticator. Other browser tests share the
server: this one uses ``gm`` (no other test signs in as the general manager) and ``nobody``.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, login, shot

pytestmark = pytest.mark.browser


def code(key: bytes, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or ``steps_ahead`` periods of 30 s later)."""
    return f"{totp(key, 30, 0, 6, steps_ahead):06d}"


def fresh_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def test_two_step_sign_in_lockout_and_the_administrators_page(server, browser):
    # The general manager enrols an authenticator on 我的账户.
    page = login(browser, server, "gm")
    page.get_by_test_id("me").click()
    page.get_by_test_id("two-factor-start").click()
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    uri = page.get_by_test_id("otpauth").inner_text()
    assert uri.startswith("otpauth://totp/Kefu%3Agm?")
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    shot(page, "two-factor-enrol")
    page.get_by_test_id("enrol-code").fill(code(key))
    page.get_by_role("button", name="确认绑定").click()
    expect(page.get_by_test_id("two-factor-state")).to_contain_text("已启用")
    page.context.close()

    # Signing in now takes the password, then the code.
    page = fresh_page(browser)
    page.goto(server + "/login/")
    page.fill("#id_username", "gm")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("login-code")).to_contain_text("请输入手机验证器上的 6 位动态码")
    page.fill("#id_code", f"{(int(code(key, 1)) + 1) % 1_000_000:06d}")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("code-error")).to_contain_text("动态码不正确")
    shot(page, "login-code")
    page.wait_for_timeout(1200)  # django-otp answers no for a second after a wrong code
    # The enrolment used this period's code: the phone's next one is taken too.
    page.fill("#id_code", code(key, 1))
    page.click("button[type=submit]")
    expect(page.get_by_test_id("me")).to_contain_text("郑总")
    page.context.close()

    # Five wrong passwords lock the account; the page says so.
    page = fresh_page(browser)
    page.goto(server + "/login/")
    for n in range(5):
        page.fill("#id_username", "nobody")
        page.fill("#id_password", f"guess-{n}")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    expect(page.get_by_test_id("locked")).to_have_text(
        "登录失败次数过多,账户已锁定,请 15 分钟后再试或联系管理员"
    )
    shot(page, "login-locked")
    page.context.close()

    # The administrator sees the lock, unlocks it, and resets the manager's authenticator.
    admin = login(browser, server, "admin")
    admin.goto(server + "/accounts/security/")
    row = admin.get_by_test_id("account-lock").filter(has_text="nobody")
    expect(row).to_contain_text("已锁定")
    enrolment = admin.get_by_test_id("enrolment").filter(has_text="郑总")
    expect(enrolment).to_contain_text("已启用")
    shot(admin, "login-security")
    row.get_by_test_id("unlock").click()
    expect(admin.get_by_test_id("message")).to_have_text("已解除锁定")
    expect(admin.get_by_test_id("account-lock").filter(has_text="nobody")).to_have_count(0)
    admin.get_by_test_id("enrolment").filter(has_text="郑总").get_by_test_id("reset-2fa").click()
    expect(admin.get_by_test_id("message")).to_contain_text("已重置两步验证")
    expect(admin.get_by_test_id("enrolment").filter(has_text="郑总")).to_contain_text("未启用")
    admin.context.close()

    # The manager signs in with the password alone again.
    login(browser, server, "gm").context.close()
