"""Sending: idempotent keys, claims, retries with backoff, giving up, the minute's sweep."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from kefu.accounts.models import StaffProfile
from kefu.notify import services
from kefu.notify.models import Delivery, DeliveryAttempt, Notification, WebhookEndpoint
from kefu.notify.tasks import send_due_deliveries as send_due_task

T0 = dt.datetime(2025, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ESCALATION = {
    "serial": "251124003",
    "title": "厨房水管爆裂",
    "target": "结果反馈",
    "due": "2025-11-24 11:00",
    "level": "客服主管",
}


def _endpoint(url: str, **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="billing", url=url, secret="s3cret", **fields)


def _emit(capture, key: str = "k1") -> Delivery:
    with capture(execute=True):
        (delivery,) = services.emit_webhook("sla.breach", {"serial": "251124003"}, key=key)
    delivery.refresh_from_db()
    return delivery


def test_the_same_key_twice_creates_and_sends_one_sms(
    db, sms_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.send_sms(
            "138 1234 5678", event="survey.invite", context={"serial": "1"}, key="survey:1"
        )
    with django_capture_on_commit_callbacks(execute=True):
        again = services.send_sms(
            "13812345678", event="survey.invite", context={"serial": "1"}, key="survey:1"
        )

    assert first is not None and again is None
    assert Delivery.objects.filter(key="survey:1").count() == 1
    assert len(sms_gateway.requests) == 1


def test_notify_users_twice_with_one_key_notifies_each_channel_once(
    db, agent, lead, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL_HOST = ""  # e-mail off: recorded as failed, for good
    settings.NOTIFY_SMS_BACKEND = "log"
    settings.DATA_DIR = settings.DATA_DIR / f"idem-{agent.pk}"
    settings.DATA_DIR.mkdir(exist_ok=True)
    agent.email = "lina@example.com"
    agent.save()
    StaffProfile.objects.filter(user=agent).update(phone="139-0000-1111")

    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify_users(
            "sla.escalation", users=[agent, lead], context=ESCALATION, key="esc:3:1"
        )
    with django_capture_on_commit_callbacks(execute=True):
        repeated = services.notify_users(
            "sla.escalation", users=[agent, lead], context=ESCALATION, key="esc:3:1"
        )

    assert repeated == []
    rows = Delivery.objects.order_by("user_id", "channel").values_list(
        "user__username", "channel", "address", "status"
    )
    assert list(rows) == [
        ("agent", "email", "lina@example.com", "failed"),
        ("agent", "inapp", f"user:{agent.pk}", "sent"),
        ("agent", "sms", "13900001111", "sent"),
        ("lead", "inapp", f"user:{lead.pk}", "sent"),
    ]
    assert len(created) == 4
    assert Notification.objects.filter(user=agent).count() == 1
    email = Delivery.objects.get(channel="email")
    assert email.last_error == "未配置邮件服务器(KEFU_EMAIL_HOST),邮件未发送"
    assert email.next_attempt_at is None
    assert (settings.DATA_DIR / "sms.log").read_text(encoding="utf-8").count("\n") == 1


def test_a_transient_failure_retries_after_the_backoff_and_then_succeeds(
    db, http_receiver, django_capture_on_commit_callbacks
):
    _endpoint(http_receiver.url)
    http_receiver.reply_with(503, 200)

    with time_machine.travel(T0, tick=False):
        delivery = _emit(django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.next_attempt_at == T0 + dt.timedelta(minutes=1)
    assert delivery.last_error.startswith("HTTP 503")

    with time_machine.travel(T0 + dt.timedelta(seconds=59), tick=False):
        assert services.send_due_deliveries() == 0  # not due yet
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        assert services.send_due_deliveries() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert delivery.sent_at == T0 + dt.timedelta(minutes=1)
    assert len(http_receiver.requests) == 2
    log = DeliveryAttempt.objects.filter(delivery=delivery).values_list("number", "ok")
    assert list(log) == [(1, False), (2, True)]


def test_a_permanent_failure_is_not_retried(db, http_receiver, django_capture_on_commit_callbacks):
    _endpoint(http_receiver.url)
    http_receiver.reply_with(410)

    with time_machine.travel(T0, tick=False):
        delivery = _emit(django_capture_on_commit_callbacks)
    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        assert services.send_due_deliveries() == 0

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    assert delivery.last_error.startswith("HTTP 410")
    assert len(http_receiver.requests) == 1
    assert list(DeliveryAttempt.objects.values_list("ok", "permanent")) == [(False, True)]


@pytest.mark.parametrize("status", [408, 429, 500, 502])
def test_timeouts_throttling_and_server_errors_are_retried(
    status, db, http_receiver, django_capture_on_commit_callbacks
):
    _endpoint(http_receiver.url)
    http_receiver.reply_with(status)

    delivery = _emit(django_capture_on_commit_callbacks)

    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.last_error.startswith(f"HTTP {status}")


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    db, settings, http_receiver, django_capture_on_commit_callbacks
):
    settings.NOTIFY_HTTP_TIMEOUT = 0.3
    http_receiver.delay = 1.0
    _endpoint(http_receiver.url)

    delivery = _emit(django_capture_on_commit_callbacks)

    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.last_error.startswith("timeout")


def test_sending_gives_up_after_the_fifth_attempt_with_the_reason(
    db, http_receiver, django_capture_on_commit_callbacks
):
    _endpoint(http_receiver.url)
    http_receiver.reply_with(500)

    with time_machine.travel(T0, tick=False):
        delivery = _emit(django_capture_on_commit_callbacks)
    waits = []
    now = T0
    for _ in range(4):
        delivery.refresh_from_db()
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
        with time_machine.travel(now, tick=False):
            assert services.send_due_deliveries() == 1

    delivery.refresh_from_db()
    assert waits == [dt.timedelta(minutes=m) for m in (1, 5, 30, 120)]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("gave_up", 5, None)
    assert delivery.last_error == "HTTP 500: {}(已尝试 5 次,不再重试)"
    with time_machine.travel(now + dt.timedelta(days=1), tick=False):
        assert services.send_due_deliveries() == 0
    assert len(http_receiver.requests) == 5


def test_a_sent_delivery_is_never_sent_again(db, http_receiver, django_capture_on_commit_callbacks):
    _endpoint(http_receiver.url)
    delivery = _emit(django_capture_on_commit_callbacks)

    assert delivery.status == "sent"
    assert services.send_delivery(delivery.pk) is None
    assert services.send_due_deliveries() == 0
    assert len(http_receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_delivery_send_it_once(http_receiver):
    endpoint = _endpoint(http_receiver.url)
    http_receiver.delay = 0.2  # the first send is still going when the second claim runs
    delivery = Delivery.objects.create(
        event="sla.breach",
        channel="webhook",
        address=endpoint.url,
        endpoint=endpoint,
        body="{}",
        key="race",
        next_attempt_at=timezone.now(),
    )
    start = threading.Barrier(2)
    results = []

    def worker():
        try:
            start.wait()
            results.append(services.send_delivery(delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=str) == [None, "sent"]
    assert len(http_receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_the_minute_sweep_sends_rows_whose_after_commit_send_was_lost(
    db, sms_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the worker was down
        delivery = services.send_sms("13812345678", event="survey.invite", context={}, key="lost")
    assert Delivery.objects.get(pk=delivery.pk).status == "queued"

    assert send_due_task.call_local() == 1  # what the worker runs every minute

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert len(sms_gateway.requests) == 1


def test_a_row_left_sending_by_a_stopped_worker_is_sent_again_once_its_lease_ran_out(
    db, settings, http_receiver
):
    settings.NOTIFY_LEASE = 60
    endpoint = _endpoint(http_receiver.url)
    delivery = Delivery.objects.create(
        event="sla.breach",
        channel="webhook",
        address=endpoint.url,
        endpoint=endpoint,
        body="{}",
        key="stalled",
        status="sending",
        attempts=1,
        claimed_at=T0,
        claimed_by="worker-1:4242:0123456789ab",
        next_attempt_at=T0 + services.lease(),
    )

    with time_machine.travel(T0 + dt.timedelta(seconds=59), tick=False):
        assert services.send_due_deliveries() == 0
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        assert services.send_due_deliveries() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(http_receiver.requests) == 1


def test_retry_now_in_the_admin_sends_a_given_up_delivery_again(
    db, web_as, http_receiver, django_capture_on_commit_callbacks
):
    from tests.accounts.factories import make_person

    admin = make_person("root", "admin", number="9000")
    endpoint = _endpoint(http_receiver.url)
    failed = Delivery.objects.create(
        event="sla.breach",
        channel="webhook",
        address=endpoint.url,
        endpoint=endpoint,
        body="{}",
        key="retry",
        status="gave_up",
        attempts=5,
        last_error="HTTP 500",
    )
    sent = Delivery.objects.create(
        event="sla.breach",
        channel="webhook",
        address=endpoint.url + "?2",
        endpoint=endpoint,
        body="{}",
        key="retry",
        status="sent",
        attempts=1,
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = web_as(admin).post(
            "/admin/notify/delivery/",
            {"action": "retry_now", "_selected_action": [failed.pk, sent.pk]},
        )

    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("sent", 1, "")
    assert sent.status == "sent"
    assert [r.path for r in http_receiver.requests] == ["/hook"]


def test_worker_list_shows_the_minute_send_of_due_deliveries():
    out = io.StringIO()
    call_command("schedule", stdout=out)
    line = next(r for r in out.getvalue().splitlines() if r.startswith("send_due_deliveries"))
    assert line.endswith(
        "Send queued e-mail, SMS and webhooks whose retry is due or whose send was lost (every minute)."
    )


def test_one_sms_to_many_numbers_is_written_at_once_and_sent_once_per_key(
    db, django_assert_max_num_queries
):
    from kefu.notify.services import send_sms_many

    recipients = [(f"1380000{n:04d}", f"notice:1:customer:{n}") for n in range(50)]
    context = {"kind": "停水", "notice_title": "测试停水", "areas": "阳光花园"}
    with django_assert_max_num_queries(8):  # templates, what was sent, the write, the read-back
        queued = send_sms_many(recipients, event="notice.published", context=context)
    assert queued == {key for _number, key in recipients}
    again = send_sms_many(recipients[:10], event="notice.published", context=context)
    assert again == {key for _number, key in recipients[:10]}
    assert Delivery.objects.filter(key__startswith="notice:1:").count() == 50


def test_an_sqlite_without_returning_creates_each_delivery_once_too(agent, monkeypatch):
    from kefu.core.db import rows
    from kefu.notify import services as notify

    monkeypatch.setattr(rows, "returns_rows", lambda: False)
    keys = notify.send_sms_many(
        [("13800000001", "k1"), ("13800000002", "k2")], event="x", context={}
    )
    again = notify.send_sms_many(
        [("13800000001", "k1"), ("13800000003", "k3")], event="x", context={}
    )
    assert (keys, again) == ({"k1", "k2"}, {"k1", "k3"})
    assert sorted(Delivery.objects.values_list("key", "address")) == [
        ("k1", "13800000001"),
        ("k2", "13800000002"),
        ("k3", "13800000003"),
    ]
