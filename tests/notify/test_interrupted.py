"""A send cut off before its outcome is known: the worker stopped mid-send, or the gateway took
the message and never answered. What is guaranteed (kefu.notify.services, "What sending
guarantees"): at least once, with the same id, where the receiver discards a repeat; at most
once otherwise, the message marked 待核实 for a person to check.

The worker's death is played here by a transport that never returns (the process "dies" in
it); tests/notify/test_worker_killed.py kills a real ``kefu worker`` with SIGKILL.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from kefu.core.models import AuditLog
from kefu.notify import gateways, services
from kefu.notify.models import Delivery, WebhookEndpoint

T0 = dt.datetime(2025, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


class Killed(BaseException):
    """The worker process ending in the middle of a send (nothing after it runs)."""


def _cut_off(monkeypatch, transport_class) -> None:
    """The next send through ``transport_class`` reaches the gateway, and the worker dies
    before the answer is read."""
    real = transport_class.send

    def send_then_die(self, delivery):
        real(self, delivery)
        raise Killed

    monkeypatch.setattr(transport_class, "send", send_then_die)


def _sms(key: str = "k1", *, enqueue: bool = True) -> Delivery:
    delivery = services.send_sms(
        "13812345678", event="survey.invite", context={}, key=key, enqueue=enqueue
    )
    assert delivery is not None
    return delivery


def _send_and_die(delivery: Delivery, monkeypatch, transport_class) -> Delivery:
    _cut_off(monkeypatch, transport_class)
    with pytest.raises(Killed):
        services.send_delivery(delivery.pk)
    monkeypatch.undo()
    delivery.refresh_from_db()
    return delivery


def _attempts(delivery: Delivery) -> list[tuple[int, bool, str]]:
    return list(delivery.attempt_log.order_by("pk").values_list("number", "ok", "error"))


def test_a_claim_names_its_worker_and_lapses_after_the_lease(
    db, settings, monkeypatch, sms_gateway
):
    settings.NOTIFY_LEASE = 60
    with time_machine.travel(T0, tick=False):
        delivery = _send_and_die(_sms(), monkeypatch, gateways.HttpSmsTransport)

    host, pid, claim = delivery.claimed_by.split(":")
    assert (delivery.status, delivery.attempts, delivery.claimed_at) == ("sending", 1, T0)
    assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=60)
    assert host and int(pid) > 0 and len(claim) == 12
    with time_machine.travel(T0 + dt.timedelta(seconds=59), tick=False):
        assert services.take_over_lapsed() == 0
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        assert services.take_over_lapsed() == 1
    assert len(sms_gateway.requests) == 1


def test_an_sms_cut_off_at_a_gateway_that_cannot_tell_a_repeat_is_kept_for_a_person(
    db, settings, monkeypatch, sms_gateway
):
    settings.NOTIFY_LEASE = 60
    with time_machine.travel(T0, tick=False):
        delivery = _send_and_die(_sms(), monkeypatch, gateways.HttpSmsTransport)

    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        assert services.send_due_deliveries() == 0
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert services.send_due_deliveries() == 0

    delivery.refresh_from_db()
    assert (delivery.status, delivery.get_status_display()) == ("uncertain", "待核实")
    assert delivery.last_error == "发送中断(发送进程停止,结果未知),网关可能已收到,未再发送,请核实"
    assert delivery.next_attempt_at is None
    assert _attempts(delivery) == [(1, False, delivery.last_error)]
    assert len(sms_gateway.requests) == 1


def test_an_sms_cut_off_at_an_idempotent_gateway_is_sent_again_with_the_same_id(
    db, settings, monkeypatch, sms_gateway
):
    settings.NOTIFY_LEASE = 60
    settings.NOTIFY_SMS_HTTP_IDEMPOTENT = True
    settings.NOTIFY_SMS_HTTP_TEMPLATE = {"mobile": "{phone}", "content": "{text}", "outId": "{id}"}
    with time_machine.travel(T0, tick=False):
        delivery = _send_and_die(_sms(), monkeypatch, gateways.HttpSmsTransport)

    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        assert services.send_due_deliveries() == 0  # still within its lease
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        assert services.send_due_deliveries() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    first, second = sms_gateway.requests
    assert first.json()["outId"] == second.json()["outId"] == str(delivery.pk)
    assert first.headers["X-Kefu-Delivery"] == second.headers["X-Kefu-Delivery"] == str(delivery.pk)
    assert _attempts(delivery) == [
        (1, False, "发送中断(发送进程停止,结果未知),重新发送"),
        (2, True, ""),
    ]


def test_a_webhook_cut_off_is_sent_again_with_the_same_delivery_header(
    db, settings, monkeypatch, http_receiver, django_capture_on_commit_callbacks
):
    settings.NOTIFY_LEASE = 60
    WebhookEndpoint.objects.create(name="billing", url=http_receiver.url, secret="s")
    with time_machine.travel(T0, tick=False):
        (delivery,) = services.emit_webhook("sla.breach", {"serial": "1"}, key="w1")
        delivery = _send_and_die(delivery, monkeypatch, gateways.WebhookTransport)
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        assert services.send_due_deliveries() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert [r.headers["X-Kefu-Delivery"] for r in http_receiver.requests] == [str(delivery.pk)] * 2
    assert http_receiver.requests[0].body == http_receiver.requests[1].body


def test_a_cut_off_row_on_its_last_attempt_gives_up_rather_than_loop(
    db, settings, monkeypatch, http_receiver
):
    settings.NOTIFY_LEASE = 60
    WebhookEndpoint.objects.create(name="billing", url=http_receiver.url, secret="s")
    with time_machine.travel(T0, tick=False):
        (delivery,) = services.emit_webhook("sla.breach", {"serial": "1"}, key="w1")
        Delivery.objects.filter(pk=delivery.pk).update(attempts=services.MAX_ATTEMPTS - 1)
        delivery = _send_and_die(delivery, monkeypatch, gateways.WebhookTransport)
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        assert services.send_due_deliveries() == 0

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        "gave_up",
        "发送中断(发送进程停止,结果未知)(已尝试 5 次,不再重试)",
    )


def test_no_answer_from_a_gateway_that_cannot_tell_a_repeat_is_not_sent_again(
    db, settings, sms_gateway, django_capture_on_commit_callbacks
):
    settings.NOTIFY_HTTP_TIMEOUT = 0.3
    sms_gateway.delay = 1.0  # the gateway takes it and answers too late

    with django_capture_on_commit_callbacks(execute=True):
        delivery = _sms()

    delivery.refresh_from_db()
    assert delivery.status == "uncertain"
    assert delivery.last_error.startswith("timeout: ReadTimeout")
    assert delivery.last_error.endswith("(网关可能已收到,未再发送,请核实)")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3), tick=False):
        assert services.send_due_deliveries() == 0
    assert len(sms_gateway.requests) == 1


def test_no_answer_from_an_idempotent_gateway_is_retried_and_a_refused_connection_always(
    db, settings, sms_gateway, django_capture_on_commit_callbacks
):
    settings.NOTIFY_HTTP_TIMEOUT = 0.3
    settings.NOTIFY_SMS_HTTP_IDEMPOTENT = True
    sms_gateway.delay = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        late = _sms("late")
    settings.NOTIFY_SMS_HTTP_IDEMPOTENT = False
    settings.NOTIFY_SMS_HTTP_URL = "http://127.0.0.1:9/nothing-listens"
    with django_capture_on_commit_callbacks(execute=True):
        refused = _sms("refused")

    late.refresh_from_db()
    refused.refresh_from_db()
    assert (late.status, late.attempts) == ("queued", 1)
    assert late.last_error.startswith("timeout: ReadTimeout")
    assert (refused.status, refused.attempts) == ("queued", 1)
    assert refused.last_error.startswith("ConnectError")


def test_a_person_marks_a_checked_sms_sent_or_sends_it_again(
    db, settings, monkeypatch, sms_gateway, agent, django_capture_on_commit_callbacks
):
    settings.NOTIFY_LEASE = 60
    with time_machine.travel(T0, tick=False):
        checked = _send_and_die(_sms("checked"), monkeypatch, gateways.HttpSmsTransport)
        missing = _send_and_die(_sms("missing"), monkeypatch, gateways.HttpSmsTransport)
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        assert services.take_over_lapsed() == 2

    assert services.confirm_delivery_sent(checked.pk, actor=agent) is True
    assert services.confirm_delivery_sent(checked.pk, actor=agent) is False  # sent already
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_delivery(missing.pk, actor=agent) is True

    checked.refresh_from_db()
    missing.refresh_from_db()
    assert (checked.status, checked.sent_at) == ("sent", T0)
    assert (missing.status, missing.attempts) == ("sent", 1)
    assert len(sms_gateway.requests) == 3
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "notify.confirm_sent",
        "notify.retry",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_outlives_its_lease_records_only_what_it_knows(settings, sms_gateway):
    """A slow worker, not a dead one: its lease lapses while the gateway is still answering.
    The row is taken over (待核实); the late success then makes it 已发送."""
    settings.NOTIFY_LEASE = 1
    settings.NOTIFY_HTTP_TIMEOUT = 5
    sms_gateway.delay = 2.0
    delivery = _sms(enqueue=False)  # sent by the worker below
    outcome: list = []

    def worker():
        try:
            outcome.append(services.send_delivery(delivery.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(1.3)
    assert services.take_over_lapsed() == 1
    assert Delivery.objects.get(pk=delivery.pk).status == "uncertain"
    thread.join()

    delivery.refresh_from_db()
    assert outcome == ["sent"]
    assert delivery.status == "sent"
    assert [(n, ok) for n, ok, _error in _attempts(delivery)] == [(1, False), (1, True)]
    assert _attempts(delivery)[1][2] == "(超过租约时间才返回,已被接管)"
    assert len(sms_gateway.requests) == 1


def test_the_lease_outlasts_the_longest_send_or_the_server_does_not_start(tmp_path):
    def lease(**env: str) -> subprocess.CompletedProcess:
        defaults = {"KEFU_NOTIFY_LEASE": "", "KEFU_NOTIFY_TIMEOUT": ""}  # "" reads as unset
        return subprocess.run(
            [sys.executable, "-c", "import kefu.settings as s; print(s.NOTIFY_LEASE)"],
            env=os.environ
            | {"KEFU_SECRET_KEY": "x", "KEFU_DATA_DIR": str(tmp_path)}
            | defaults
            | env,
            capture_output=True,
            text=True,
        )

    assert lease().stdout == "60\n"
    assert lease(KEFU_NOTIFY_TIMEOUT="30").stdout == "120\n"
    assert lease(KEFU_NOTIFY_LEASE="15", KEFU_NOTIFY_TIMEOUT="5").stdout == "15\n"
    refused = lease(KEFU_NOTIFY_LEASE="20", KEFU_NOTIFY_TIMEOUT="10")
    assert refused.returncode == 1
    assert "KEFU_NOTIFY_LEASE must be at least 3 × KEFU_NOTIFY_TIMEOUT (30 s)" in refused.stderr
