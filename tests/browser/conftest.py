"""A real ``kefu serve`` process and Debian's chromium, shared by the browser tests.

The server runs on its own SQLite database with the demo organization (one login per role,
password ``kefu-demo-2025``), the demo knowledge base and one customer, 韩梅梅. Screenshots go to ``test-artifacts/``.
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

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CTI_TOKEN = "browser-cti-secret"
PASSWORD = "kefu-demo-2025"
CUSTOMER_PHONE = "13812345678"

SEED = f"""
from kefu.demo import seed_knowledge, seed_organization, seed_reply_templates
from kefu.customers.services import CustomerIn, PhoneIn, create_customer
from django.contrib.auth import get_user_model
seed_organization()
seed_knowledge()
seed_reply_templates()
from kefu.accounts.models import Department
from kefu.dispatch.models import Crew
User = get_user_model()
Crew.objects.create(
    department=Department.objects.get(code="repair"), name="维修一班", leader=User.objects.get(username="fitter")
)
create_customer(
    CustomerIn(name="韩梅梅", gender="female", phones=[PhoneIn("{CUSTOMER_PHONE}")], address="解放路 12 号 3 单元"),
    actor=get_user_model().objects.get(username="admin"),
)
"""


# The running server's data directory and environment, for a test that must act as the world
# outside (a customer's mail arriving, the SMS log the gateway writes): filled by ``server``.
SERVER: dict = {}


def run_on_server(code: str) -> str:
    """Run Python ``code`` in the server's project (``kefu shell -c``); its output."""
    done = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "shell", "-v", "0", "-c", code],
        env=SERVER["env"],
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the browser flows run once, on the SQLite run")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    data = tmp_path_factory.mktemp("kefu-browser")
    env = {
        **os.environ,
        "KEFU_DATA_DIR": str(data),
        "KEFU_SECRET_KEY": "browser-test-secret",
        "KEFU_HTTPS": "0",  # plain HTTP on 127.0.0.1, as the demo
        "KEFU_CTI_TOKEN": CTI_TOKEN,
        "KEFU_HUEY_IMMEDIATE": "0",
        # The emergency ladder's 5 minutes, as 3 seconds (tests/browser/test_floor.py).
        "KEFU_LADDER_MINUTES": "0.05",
        # No night on this server, so the ladder's day steps come whatever the hour of the run.
        "KEFU_NIGHT_HOURS": "0-0",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    SERVER.update(data=data, env=env)
    kefu = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*kefu, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    subprocess.run([*kefu, "shell", "-c", SEED], env=env, check=True, timeout=120)
    port = free_port()
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


# Per module: Playwright's sync API keeps an event loop in this thread while it runs, and
# tests after it (async_to_sync) need the thread without one.
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


def login(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=me]")
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def save_and_open(page) -> str:
    """Press 客户确认,保存 on the read-back, then open the saved ticket from the note the
    workbench shows; the ticket's serial."""
    page.get_by_test_id("confirm-intake").click()
    toast = page.get_by_test_id("saved-toast")
    toast.wait_for()
    serial = toast.get_attribute("data-serial") or ""
    toast.get_by_role("link", name=serial).click()
    page.wait_for_url(f"**/tickets/{serial}/")
    return serial
