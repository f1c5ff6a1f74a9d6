"""Two-step sign-in: enrolment on 我的账户, the code after the password, required roles, reset."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.core.models import AuditLog
from tests.accounts.factories import PASSWORD, make_person
from tests.conftest import ApiClient

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2025, 12, 3, 9, 0, tzinfo=SHANGHAI)


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code now (or ``steps_ahead`` periods of 30 s later), as the phone shows it."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, steps_ahead):06d}"


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def supervisor(people):
    return people["supervisor"]


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=True)


def test_a_supervisor_enrols_an_authenticator_on_my_account(web_as, supervisor):
    client = web_as(supervisor)
    before = client.get("/me/").content.decode()

    client.post("/me/two-factor/start")
    page = client.get("/me/").content.decode()
    device = TOTPDevice.objects.get(user=supervisor)
    response = client.post("/me/two-factor/confirm", {"code": code_of(device)})

    assert 'data-testid="two-factor-start"' in before
    assert not device.confirmed
    assert "otpauth://totp/Kefu%3Asupervisor?secret=" in page
    assert '<svg width="' in page and 'class="segno"' in page  # drawn here, no image service
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    audit = AuditLog.objects.get(action="enable_two_factor")
    assert (audit.actor, audit.object_id) == (supervisor, str(supervisor.pk))
    assert "已启用" in client.get("/me/").content.decode()


def test_a_wrong_code_does_not_enrol(web_as, supervisor):
    client = web_as(supervisor)
    client.post("/me/two-factor/start")
    device = TOTPDevice.objects.get(user=supervisor)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post("/me/two-factor/confirm", {"code": wrong})

    assert response.status_code == 422
    assert "动态码不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditLog.objects.exists()


def test_an_agent_does_not_use_two_step_sign_in(web_as, agent):
    client = web_as(agent)

    page = client.get("/me/").content.decode()
    response = client.post("/me/two-factor/start")

    assert 'data-testid="two-factor"' not in page
    assert response.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_an_enrolled_supervisor_signs_in_with_the_password_then_the_code(supervisor):
    device = enrol(supervisor)
    client = Client()
    with time_machine.travel(MORNING, tick=False) as clock:
        first = client.post(
            "/login/", {"username": "supervisor", "password": PASSWORD, "next": "/tickets/"}
        )
        between = signed_in(client)
        code_page = client.get("/login/code")
        wrong = client.post(
            "/login/code", {"code": "000000" if code_of(device) != "000000" else "111111"}
        )
        clock.shift(2)  # django-otp answers no for a second after a wrong code
        right = client.post("/login/code", {"code": code_of(device)})
        after = signed_in(client)
        session = dict(client.session)

    assert first.status_code == 302 and first.url == "/login/code"
    assert not between
    assert "请输入手机验证器上的 6 位动态码" in code_page.content.decode()
    assert wrong.status_code == 422 and "动态码不正确" in wrong.content.decode()
    assert right.status_code == 302 and right.url == "/tickets/"
    assert after and session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_code_is_not_taken_twice(supervisor):
    device = enrol(supervisor)
    with time_machine.travel(MORNING, tick=False):
        first, second = Client(), Client()
        sign_in(first, "supervisor")
        first.post("/login/code", {"code": code_of(device)})
        sign_in(second, "supervisor")
        replay = second.post("/login/code", {"code": code_of(device)})

    assert replay.status_code == 422 and "_auth_user_id" not in second.session


def test_wrong_codes_count_toward_the_lockout(supervisor):
    device = enrol(supervisor)
    client = Client()
    with time_machine.travel(MORNING, tick=False) as clock:
        sign_in(client, "supervisor")
        answers = []
        for n in range(5):
            clock.shift(10)  # past django-otp's pause after a wrong code (1, 2, 4, 8 s)
            wrong = f"{(int(code_of(device)) + 1 + n) % 1_000_000:06d}"
            answers.append(client.post("/login/code", {"code": wrong}).status_code)
        clock.shift(10)
        again = sign_in(client, "supervisor")

    assert answers == [422, 422, 422, 422, 429]
    assert "账户已锁定" in again.content.decode() and again.status_code == 429
    assert not signed_in(client)


def test_the_code_step_waits_five_minutes(supervisor):
    device = enrol(supervisor)
    client = Client()
    with time_machine.travel(MORNING, tick=False) as clock:
        sign_in(client, "supervisor")
        clock.shift(301)
        late = client.post("/login/code", {"code": code_of(device)})

    assert late.status_code == 302 and late.url == "/login/"
    assert not signed_in(client)


def test_an_agent_signs_in_with_the_password_alone(agent):
    client = Client()

    response = sign_in(client, "agent")

    assert response.status_code == 302 and response.url == "/" and signed_in(client)


def test_where_required_a_manager_enrols_at_sign_in(settings, people):
    settings.TWO_FACTOR_REQUIRED = True
    client = Client()
    with time_machine.travel(MORNING, tick=False):
        sign_in(client, "gm")
        page = client.get("/login/code").content.decode()
        device = TOTPDevice.objects.get(user=people["gm"])
        response = client.post("/login/code", {"code": code_of(device)})
        after = signed_in(client)

    assert "系统要求 gm 使用两步验证" in page and "otpauth://totp/Kefu%3Agm?" in page
    assert response.status_code == 302 and after
    device.refresh_from_db()
    assert device.confirmed
    assert AuditLog.objects.filter(action="enable_two_factor", actor=people["gm"]).count() == 1


def test_where_required_a_session_without_the_second_step_is_signed_out(settings, web_as, people):
    settings.TWO_FACTOR_REQUIRED = True
    supervisor = web_as(people["supervisor"])
    agent = Client()
    agent.force_login(people["agent"])

    page = supervisor.get("/tickets/")

    assert page.status_code == 302 and page.url == "/login/?next=/tickets/"
    assert not signed_in(supervisor)
    assert agent.get("/tickets/").status_code == 200


def test_where_required_a_two_step_session_goes_on(settings, supervisor):
    settings.TWO_FACTOR_REQUIRED = True
    device = enrol(supervisor)
    client = Client()
    with time_machine.travel(MORNING, tick=False):
        sign_in(client, "supervisor")
        client.post("/login/code", {"code": code_of(device)})
        page = client.get("/tickets/")

    assert page.status_code == 200


def test_api_tokens_need_no_code(settings, supervisor):
    settings.TWO_FACTOR_REQUIRED = True
    enrol(supervisor)

    response = ApiClient(supervisor).get("/center")

    assert response.status_code == 200


@pytest.fixture
def admin_client(org, web_as):
    return web_as(make_person("root", "admin", number="9000"))


def test_an_administrator_resets_a_lost_authenticator(admin_client, supervisor):
    enrol(supervisor)
    listed = admin_client.get("/accounts/security/").content.decode()

    response = admin_client.post(f"/accounts/security/two-factor/{supervisor.pk}/reset")

    rows = [r.split("</tr>")[0] for r in listed.split('data-testid="enrolment"')[1:]]
    row = next(r for r in rows if "<td>supervisor</td>" in r)
    assert "已启用" in row and "重置两步验证" in row
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    audit = AuditLog.objects.get(action="reset_two_factor")
    assert audit.actor.username == "root" and audit.object_id == str(supervisor.pk)
    assert audit.detail == {"username": "supervisor", "confirmed": True}
    client = Client()
    assert sign_in(client, "supervisor").url == "/" and signed_in(client)


def test_only_administrators_reset(web_as, people, supervisor):
    enrol(supervisor)
    gm = web_as(people["gm"])

    response = gm.post(f"/accounts/security/two-factor/{supervisor.pk}/reset")

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=supervisor).exists()
    assert not AuditLog.objects.exists()


def test_where_required_the_asgi_server_signs_out_such_a_session_too(settings, people):
    settings.TWO_FACTOR_REQUIRED = True
    client = AsyncClient()

    async def visit():
        await client.aforce_login(people["supervisor"])
        return await client.get("/tickets/")

    response = async_to_sync(visit)()

    assert response.status_code == 302 and response.url == "/login/?next=/tickets/"
