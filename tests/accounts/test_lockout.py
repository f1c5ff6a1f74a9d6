"""Sign-in lockout: by account, by address, shown to administrators, who unlock (audited)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client, RequestFactory

from kefu.core.clients import client_address
from kefu.core.models import AuditLog
from tests.accounts.factories import PASSWORD, make_person

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2025, 12, 3, 9, 0, tzinfo=SHANGHAI)


def sign_in(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_is_refused(agent):
    client = Client()
    answers = [sign_in(client, "agent", f"guess-{n}").status_code for n in range(30)]

    response = sign_in(client, "agent", PASSWORD)

    # The fifth wrong password locks: the page says so, in Chinese, with the minutes.
    assert answers[:4] == [200] * 4 and answers[4:] == [429] * 26
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录失败次数过多,账户已锁定,请 15 分钟后再试或联系管理员" in html
    assert 'data-testid="locked"' in html and 'name="password"' in html
    assert not signed_in(client)


def test_four_wrong_passwords_then_the_right_one_signs_in(agent):
    client = Client()
    for n in range(4):
        assert sign_in(client, "agent", f"guess-{n}").status_code == 200

    response = sign_in(client, "agent", PASSWORD)

    assert response.status_code == 302 and response.url == "/"
    assert signed_in(client)


def test_a_locked_account_is_locked_from_every_address(agent):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        sign_in(attacker, "agent", f"guess-{n}")

    at_the_desk = Client(REMOTE_ADDR="10.1.2.3")
    response = sign_in(at_the_desk, "agent", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(at_the_desk)


def test_an_address_is_locked_after_twenty_failures_whatever_the_usernames(agent, lead):
    spraying = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(20):  # four tries on each of five names: no account reaches its limit
        assert sign_in(spraying, f"user{n % 5}", "123456").status_code == (429 if n == 19 else 200)

    from_there = sign_in(Client(REMOTE_ADDR="203.0.113.9"), "lead", PASSWORD)
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    from_elsewhere = sign_in(elsewhere, "lead", PASSWORD)

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302 and signed_in(elsewhere)


def test_no_lock_by_address_when_its_limit_is_zero(settings, agent):
    settings.LOGIN_ADDRESS_FAILURES = 0
    shared = Client(REMOTE_ADDR="10.0.0.1")  # a center whose staff all come through one NAT
    for n in range(40):
        sign_in(shared, f"user{n % 10}", "123456")

    response = sign_in(shared, "agent", PASSWORD)

    assert response.status_code == 302 and signed_in(shared)


def test_the_lock_ends_fifteen_minutes_after_the_last_failure(agent):
    client = Client()
    with time_machine.travel(MORNING, tick=False) as clock:
        for n in range(5):
            sign_in(client, "agent", f"guess-{n}")
        clock.move_to(MORNING + dt.timedelta(minutes=14))
        still_locked = sign_in(client, "agent", PASSWORD)  # a try while locked starts again
        clock.move_to(MORNING + dt.timedelta(minutes=14 + 14))
        again_locked = sign_in(client, "agent", PASSWORD)
        clock.move_to(MORNING + dt.timedelta(minutes=28 + 16))
        after = sign_in(client, "agent", PASSWORD)
        after_signed_in = signed_in(client)  # the session lasts 14 days from that morning

    assert still_locked.status_code == 429 and again_locked.status_code == 429
    assert after.status_code == 302 and after_signed_in


def test_the_admin_login_page_sends_to_the_kefu_sign_in(people):
    client = Client()
    page = client.get("/admin/login/?next=/admin/")
    posted = client.post("/admin/login/", {"username": "agent", "password": PASSWORD})

    assert page.status_code == 302 and page.url == "/login/?next=/admin/"
    assert posted.status_code == 302 and not signed_in(client)
    assert client.get("/admin/").url == "/admin/login/?next=/admin/"


def test_the_test_clients_login_still_works(agent):
    client = Client()
    assert client.login(username="agent", password=PASSWORD)
    assert client.get("/").status_code == 200


@pytest.fixture
def admin_client(org, web_as):
    return web_as(make_person("root", "admin", number="9000"))


def lock_agent_from(address: str) -> None:
    client = Client(REMOTE_ADDR=address)
    for n in range(5):
        sign_in(client, "agent", f"guess-{n}")


def test_an_administrator_sees_the_locks_and_the_failures(admin_client, agent):
    lock_agent_from("203.0.113.9")
    sign_in(Client(REMOTE_ADDR="198.51.100.7"), "lead", "guess")

    html = admin_client.get("/accounts/security/").content.decode()

    agent_row = html.split('data-testid="account-lock"')[1].split("</tr>")[0]
    assert "<td>agent</td><td>5</td>" in agent_row and "已锁定" in agent_row
    assert "解除锁定" in agent_row
    lead_row = html.split('data-testid="account-lock"')[2].split("</tr>")[0]
    assert "<td>lead</td><td>1</td>" in lead_row and "未锁定" in lead_row
    assert html.count('data-testid="failure"') == 6
    assert "203.0.113.9" in html and "198.51.100.7" in html


def test_an_administrator_unlocks_an_account_and_it_is_audited(admin_client, agent):
    lock_agent_from("203.0.113.9")

    response = admin_client.post("/accounts/security/unlock", {"username": "agent"})

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="agent").exists()
    audit = AuditLog.objects.get(action="unlock_login")
    assert audit.actor.username == "root"
    assert (audit.object_type, audit.object_id) == ("auth.user", str(agent.pk))
    assert audit.detail == {"username": "agent", "failures": 5, "addresses": ["203.0.113.9"]}
    # The failures stay listed; the account signs in again.
    assert AccessFailureLog.objects.filter(username="agent").count() == 5
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in(client, "agent", PASSWORD).status_code == 302 and signed_in(client)


def test_an_administrator_unlocks_an_address_and_it_is_audited(admin_client, lead):
    spraying = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(20):
        sign_in(spraying, f"user{n % 5}", "123456")

    admin_client.post("/accounts/security/unlock", {"address": "203.0.113.9"})

    audit = AuditLog.objects.get(action="unlock_login_address")
    assert audit.detail == {
        "address": "203.0.113.9",
        "failures": 20,
        "usernames": ["user0", "user1", "user2", "user3", "user4"],
    }
    assert sign_in(spraying, "lead", PASSWORD).status_code == 302


def test_unlocking_nothing_says_so_and_writes_nothing(admin_client, agent):
    response = admin_client.post("/accounts/security/unlock", {"username": "agent"})

    assert response.status_code == 404
    assert "该账户没有需要解除的锁定" in response.content.decode()
    assert not AuditLog.objects.exists()


def test_only_administrators_see_or_unlock(web_as, people):
    lock_agent_from("203.0.113.9")
    supervisor = web_as(people["supervisor"])

    page = supervisor.get("/accounts/security/")
    unlock = supervisor.post("/accounts/security/unlock", {"username": "agent"})

    assert page.status_code == 403 and unlock.status_code == 403
    assert AccessAttempt.objects.filter(username="agent").count() == 1
    assert not AuditLog.objects.exists()


def test_the_address_is_remote_addr_and_x_forwarded_for_is_ignored_by_default(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_address(request) == "10.0.0.2"


def test_behind_a_trusted_proxy_the_address_is_the_one_it_saw(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    factory = RequestFactory()
    # The client wrote 1.2.3.4 itself; the proxy appended the address it saw.
    via_proxy = factory.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    two_proxies = factory.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.3"
    )
    direct = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    garbage = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")

    assert client_address(via_proxy) == "203.0.113.9"
    assert client_address(two_proxies) == "203.0.113.9"
    assert client_address(direct) == "198.51.100.7"
    assert client_address(garbage) == "10.0.0.2"


def test_a_forged_forwarded_address_does_not_escape_an_address_lock(agent):
    for n in range(20):
        sign_in(Client(REMOTE_ADDR="203.0.113.9"), f"user{n % 5}", "123456")

    forged = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert sign_in(forged, "agent", PASSWORD).status_code == 429
