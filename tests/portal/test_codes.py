"""The SMS code that proves a phone: hashed, 10 minutes, 5 wrong tries, once; limits per
number and per client address counted in the database; the same answer for any number."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kefu.core.errors import Code, ServiceError
from kefu.notify.models import Delivery
from kefu.portal import services
from kefu.portal.models import PhoneCode
from tests.portal.conftest import CLIENT, OTHER, PHONE, texted_code

pytestmark = pytest.mark.django_db


def test_a_code_is_texted_and_kept_only_as_its_hash(org):
    sent = services.send_code("139 1111 2222", purpose="track", client=CLIENT)
    code = texted_code()
    row = PhoneCode.objects.get()
    assert sent.phone == PHONE and row.phone == PHONE and row.purpose == "track"
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    body = Delivery.objects.get(event="portal.code").body
    assert body == f"您的验证码是{code},10分钟内有效。请勿告诉他人。"


def test_the_right_code_proves_the_phone_once(org):
    services.send_code(PHONE, purpose="submit", client=CLIENT)
    token = services.verify_code(PHONE, texted_code())
    assert services.verified_phone(token) == PHONE
    assert PhoneCode.objects.get().used_at is not None
    with pytest.raises(ServiceError) as err:
        services.verify_code(PHONE, texted_code())
    assert err.value.field == "code"


def test_five_wrong_tries_kill_the_code(org):
    services.send_code(PHONE, purpose="submit", client=CLIENT)
    code = texted_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ServiceError):
            services.verify_code(PHONE, wrong)
    assert PhoneCode.objects.get().attempts == 5
    with pytest.raises(ServiceError) as err:
        services.verify_code(PHONE, code)
    assert err.value.detail == "验证码错误或已失效,请重新获取"


def test_a_code_expires_after_ten_minutes(org):
    services.send_code(PHONE, purpose="submit", client=CLIENT)
    code = texted_code()
    later = time_machine.travel(timezone.now() + dt.timedelta(minutes=10, seconds=1))
    with later, pytest.raises(ServiceError):
        services.verify_code(PHONE, code)
    assert PhoneCode.objects.get().used_at is None


def test_the_proof_lasts_thirty_minutes(org):
    services.send_code(PHONE, purpose="submit", client=CLIENT)
    token = services.verify_code(PHONE, texted_code())
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=29)):
        assert services.verified_phone(token) == PHONE
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert services.verified_phone(token) == ""
    assert services.verified_phone(token[:-2] + "xx") == ""


def test_one_code_a_minute_and_five_an_hour_per_number(org):
    start = timezone.now()
    services.send_code(PHONE, purpose="submit", client=CLIENT)
    with pytest.raises(ServiceError) as err:
        services.send_code(PHONE, purpose="submit", client=services.client_key("other"))
    assert err.value.code == Code.TOO_MANY and err.value.status == 429
    for minute in (2, 4, 6, 8):
        with time_machine.travel(start + dt.timedelta(minutes=minute)):
            services.send_code(PHONE, purpose="submit", client=CLIENT)
    with time_machine.travel(start + dt.timedelta(minutes=10)), pytest.raises(ServiceError) as err:
        services.send_code(PHONE, purpose="submit", client=CLIENT)
    assert err.value.detail == "该号码获取验证码过于频繁,请稍后再试"
    assert PhoneCode.objects.count() == 5 and Delivery.objects.count() == 5
    with time_machine.travel(start + dt.timedelta(minutes=61)):
        services.send_code(PHONE, purpose="submit", client=CLIENT)


def test_twenty_codes_an_hour_per_client_address(org):
    for n in range(20):
        services.send_code(f"1390000{n:04d}", purpose="submit", client=CLIENT)
    with pytest.raises(ServiceError) as err:
        services.send_code(OTHER, purpose="submit", client=CLIENT)
    assert err.value.code == Code.TOO_MANY
    assert not PhoneCode.objects.filter(phone=OTHER).exists()
    services.send_code(OTHER, purpose="submit", client=services.client_key("198.51.100.1"))


def test_a_customers_number_and_a_strangers_get_the_same_answer(org, agent):
    from kefu.customers.services import CustomerIn, PhoneIn, create_customer

    create_customer(CustomerIn(name="李雷", phones=[PhoneIn(PHONE)]), actor=agent)
    known = services.send_code(PHONE, purpose="track", client=CLIENT)
    unknown = services.send_code(OTHER, purpose="track", client=CLIENT)
    assert (known.expires_at - unknown.expires_at) < dt.timedelta(seconds=5)
    assert Delivery.objects.filter(event="portal.code").count() == 2


@pytest.mark.parametrize("number", ["", "12345", "010-12345678", "2391111222"])
def test_only_a_mobile_number_gets_a_code(org, number):
    with pytest.raises(ServiceError) as err:
        services.send_code(number, purpose="submit", client=CLIENT)
    assert err.value.field == "phone" and err.value.code == Code.INVALID
    assert not PhoneCode.objects.exists()


def test_the_hourly_sweep_forgets_codes_and_counters_a_day_old(org):
    services.send_code(PHONE, purpose="submit", client=CLIENT)
    services.throttle(services.LOOKUPS, CLIENT)
    assert services.sweep_portal_records() == 0
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    assert services.sweep_portal_records(later) == 2
    assert not PhoneCode.objects.exists()


def test_behind_a_trusted_proxy_each_customer_is_counted_by_the_address_it_forwards(org, settings):
    """Behind the center's reverse proxy (KEFU_TRUSTED_PROXIES), the per-address limit counts
    the customer's address the proxy forwards, not the proxy's: one customer stopped after 20
    codes does not stop the next one; an X-Forwarded-For from elsewhere proves nothing."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client(REMOTE_ADDR="10.0.0.5")

    def ask(phone: str, forwarded: str):
        return client.post(
            "/api/v1/portal/codes",
            {"phone": phone, "purpose": "submit"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(20):
        assert ask(f"1390000{n:04d}", "203.0.113.7").status_code == 202
    stopped = ask(OTHER, "203.0.113.7")
    assert stopped.status_code == 429 and stopped.json()["code"] == "too_many"
    assert ask(OTHER, "198.51.100.9").status_code == 202
    # Not from a trusted proxy: its X-Forwarded-For is ignored, the sender itself is counted.
    settings.TRUSTED_PROXIES = []

    def direct(address: str, phone: str):
        return Client(REMOTE_ADDR=address).post(
            "/api/v1/portal/codes",
            {"phone": phone, "purpose": "submit"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR="198.51.100.9",
        )

    assert direct("192.0.2.50", "13900009998").status_code == 202
    assert direct("203.0.113.7", "13900009999").status_code == 429
    assert PhoneCode.objects.count() == 22
