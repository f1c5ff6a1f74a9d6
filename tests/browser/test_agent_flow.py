"""The agent flow in a real browser against a real ``kefu serve`` process.

Debian's chromium (/usr/bin/chromium) driven by Playwright: an agent logs in, a number is typed
and the caller's profile pops, a repair is recorded with read-back and dispatched to 维修部; the
repair department's handler finds it in the department queue and starts work; the agent then
sees the whole timeline. A CTI ``newCall`` pops the caller on the agent's open screen, live.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CTI_TOKEN = "browser-cti-secret"
PASSWORD = "kefu-demo-2025"
CUSTOMER_PHONE = "13812345678"

SEED = f"""
from kefu.demo import seed_organization
from kefu.customers.services import CustomerIn, PhoneIn, create_customer
from django.contrib.auth import get_user_model
seed_organization()
create_customer(
    CustomerIn(name="韩梅梅", phones=[PhoneIn("{CUSTOMER_PHONE}")], address="解放路 12 号 3 单元"),
    actor=get_user_model().objects.get(username="admin"),
)
"""

if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    pytest.skip("the browser flow runs once, on the SQLite run", allow_module_level=True)
if not os.path.exists(CHROMIUM):
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("kefu-browser")
    env = {
        **os.environ,
        "KEFU_DATA_DIR": str(data),
        "KEFU_SECRET_KEY": "browser-test-secret",
        "KEFU_CTI_TOKEN": CTI_TOKEN,
        "KEFU_HUEY_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    kefu = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*kefu, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    subprocess.run([*kefu, "shell", "-c", SEED], env=env, check=True, timeout=120)
    port = _free_port()
    log = (data / "serve.log").open("wb")
    proc = subprocess.Popen(
        [*kefu, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("kefu serve did not start:\n" + (data / "serve.log").read_text())
        time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--lang=zh-CN",
            ],
        )
        yield b
        b.close()


def _login(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=me]")
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_agent_records_a_repair_and_the_department_works_it(server, browser):
    from playwright.sync_api import expect

    agent = _login(browser, server, "agent")
    expect(agent.get_by_test_id("me")).to_contain_text("李娜")
    expect(agent.get_by_test_id("me")).to_contain_text("8011")

    # The caller's number, typed the way people say it: the profile pops.
    agent.get_by_test_id("phone-lookup").fill("138 1234 5678")
    card = agent.get_by_test_id("customer-card")
    expect(card).to_contain_text("韩梅梅")
    expect(card).to_contain_text("解放路")
    expect(agent.locator("#id_caller_number")).to_have_value(CUSTOMER_PHONE)
    _shot(agent, "1-profile")

    # The intake form: a repair, dispatched straight to the repair department.
    agent.select_option("#id_type", label="报修")
    agent.fill("#id_content", "厨房水管爆裂,水漫到客厅")
    agent.fill("#id_desired_result", "今天上门维修")
    agent.select_option("#id_department", label="维修部(总公司)")
    agent.get_by_test_id("readback-button").click()
    readback = agent.get_by_test_id("readback")
    expect(readback).to_contain_text("厨房水管爆裂,水漫到客厅")
    expect(readback).to_contain_text("维修部")
    _shot(agent, "2-readback")
    agent.get_by_test_id("confirm-intake").click()
    agent.wait_for_url("**/tickets/*/")
    serial = agent.get_by_test_id("serial").inner_text()
    assert serial.isdigit() and len(serial) >= 9
    expect(agent.get_by_test_id("status")).to_have_text("已派工")
    expect(agent.get_by_test_id("department")).to_have_text("维修部")

    # The repair department's handler sees it in the department queue and starts work.
    handler = _login(browser, server, "handler")
    handler.goto(server + "/tickets/?view=department")
    row = handler.get_by_test_id("queue").locator("tr", has_text=serial)
    expect(row).to_contain_text("厨房水管爆裂")
    _shot(handler, "3-department-queue")
    row.get_by_role("link", name=serial).click()
    handler.get_by_test_id("action-start").click()
    expect(handler.get_by_test_id("status")).to_have_text("处理中")
    # A handler of another department does not see it at all.
    network = _login(browser, server, "network")
    response = network.goto(f"{server}/tickets/{serial}/")
    assert response.status == 404

    # The agent reloads the ticket: the timeline shows every step with who did it.
    agent.reload()
    timeline = agent.get_by_test_id("timeline")
    # Recorded, accepted, dispatched (by the agent), started (by the handler).
    expect(timeline.locator("li")).to_have_count(4)
    expect(timeline.locator("li").last).to_contain_text("已派工 → 处理中")
    expect(timeline).to_contain_text("李娜")
    expect(timeline).to_contain_text("刘强")
    expect(timeline).to_contain_text("已派工 → 处理中")
    expect(agent.get_by_test_id("status")).to_have_text("处理中")
    _shot(agent, "4-timeline")


def test_cti_new_call_pops_the_caller_live(server, browser):
    from playwright.sync_api import expect

    agent = _login(browser, server, "agent")
    expect(agent.locator("body[data-live=on]")).to_have_count(1)
    pop = agent.get_by_test_id("call-pop")
    expect(pop).to_be_hidden()

    # The PBX posts Zammad's generic CTI event, form-encoded, naming the agent by 工号.
    response = httpx.post(
        f"{server}/api/v1/cti/{CTI_TOKEN}",
        data={
            "event": "newCall",
            "from": "+86 138-1234-5678",
            "to": "96116",
            "direction": "in",
            "callId": "browser-call-1",
            "user[]": ["8011"],
            "queue": "hotline",
        },
    )
    assert response.status_code == 200, response.text
    expect(pop).to_be_visible()
    expect(pop).to_contain_text("韩梅梅")
    # The number box was empty, so the profile pops in the workbench too.
    expect(agent.get_by_test_id("customer-card")).to_contain_text("韩梅梅")
    _shot(agent, "5-call-pop")

    # The call is in the caller log.
    agent.goto(server + "/calls/")
    expect(agent.get_by_test_id("calls")).to_contain_text("韩梅梅")


def test_the_workbench_speaks_english_when_asked(server, browser):
    from playwright.sync_api import expect

    agent = _login(browser, server, "agent")
    agent.get_by_role("button", name="English").click()
    expect(agent.get_by_role("heading", name="New ticket")).to_be_visible()
    agent.get_by_test_id("phone-lookup").fill("13812345678")
    expect(agent.get_by_test_id("customer-card")).to_contain_text("韩梅梅")
    agent.select_option("#id_type", label="Repair")
    agent.fill("#id_content", "Water meter cover is broken")
    agent.get_by_test_id("readback-button").click()
    expect(agent.get_by_test_id("readback-text")).to_contain_text(
        "韩梅梅, let me confirm: you reported “Water meter cover is broken”"
    )
    _shot(agent, "6-english-readback")
    agent.get_by_test_id("confirm-intake").click()
    agent.wait_for_url("**/tickets/*/")
    expect(agent.get_by_test_id("status")).to_have_text("Accepted")
    expect(agent.get_by_test_id("actions")).to_contain_text("Dispatch")
    _shot(agent, "7-english-ticket")
