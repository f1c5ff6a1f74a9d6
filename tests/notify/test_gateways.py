"""The gateways against real servers: SMTP (aiosmtpd), an HTTP SMS gateway, webhook receivers."""

from __future__ import annotations

import hashlib
import hmac
import json

from kefu.notify import services
from kefu.notify.models import Delivery, EventRule, WebhookEndpoint
from tests.notify.conftest import free_port

BREACH = {
    "serial": "251124003",
    "title": "厨房水管爆裂",
    "target": "结果反馈",
    "due": "2025-11-24 11:00",
    "url": "http://kefu.example.com/tickets/251124003/",
}


def _smtp_settings(settings, host: str, port: int) -> None:
    settings.NOTIFY_EMAIL_HOST = host
    settings.NOTIFY_EMAIL_PORT = port
    settings.NOTIFY_EMAIL_FROM = "kefu@water.example.com"


def test_email_reaches_a_real_smtp_server_with_chinese_subject_and_body(
    agent, settings, smtp_server, django_capture_on_commit_callbacks
):
    # given a breach, whose rule sends e-mail, and an agent with an address
    _smtp_settings(settings, smtp_server.host, smtp_server.port)
    agent.email = "lina@example.com"
    agent.save()
    assert EventRule.objects.get(event="sla.breach").email is True

    # when the agent is notified
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users("sla.breach", users=[agent], context=BREACH, key="breach:3")

    # then the server received one message, in Chinese, to the agent
    (message,) = smtp_server.messages()
    assert message["To"] == "lina@example.com"
    assert message["From"] == "kefu@water.example.com"
    assert message["Subject"] == "已超时:工单 251124003"
    assert message.get_content() == (
        "工单 251124003(厨房水管爆裂)的「结果反馈」已超时(期限 2025-11-24 11:00)。\n\n"
        "查看工单:http://kefu.example.com/tickets/251124003/\n"
    )
    delivery = Delivery.objects.get(channel="email")
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert delivery.provider_id == message["Message-ID"]


def test_email_to_a_customer_address_uses_the_centers_language(
    db, settings, smtp_server, django_capture_on_commit_callbacks
):
    _smtp_settings(settings, smtp_server.host, smtp_server.port)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_email(
            "wang@example.com",
            event="survey.invite",
            context={"serial": "251124003", "url": "https://kefu.example.com/s/x7"},
            key="survey:251124003",
        )

    (message,) = smtp_server.messages()
    assert message["To"] == "wang@example.com"
    assert message["Subject"] == "满意度评价:工单 251124003"
    assert "请对我们的服务进行评价:https://kefu.example.com/s/x7" in message.get_content()
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_an_smtp_server_that_is_down_is_tried_again_later(
    agent, settings, django_capture_on_commit_callbacks
):
    _smtp_settings(settings, "127.0.0.1", free_port())  # nothing listens there
    agent.email = "lina@example.com"
    agent.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users("sla.breach", users=[agent], context=BREACH, key="breach:down")

    delivery = Delivery.objects.get(channel="email")
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.last_error.startswith("ConnectionRefusedError")


def test_a_bad_email_address_sends_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = services.send_email("not-an-address", event="survey.invite", context={}, key="x")

    assert result is None
    assert Delivery.objects.count() == 0


def test_http_sms_posts_the_filled_json_template_with_the_signature(
    db, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(200, body=b'{"code": 0, "msgid": "m-42"}')

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_sms(
            "+86 138-1234-5678",
            event="survey.invite",
            context={"serial": "251124003", "url": "https://kefu.example.com/s/x7"},
            key="survey:251124003",
        )

    (request,) = sms_gateway.requests
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.json() == {
        "mobile": "13812345678",
        "content": "【阳光水务】您反映的问题(工单251124003)已处理完毕,"
        "请点击评价我们的服务:https://kefu.example.com/s/x7",
        "sign": "【阳光水务】",
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id) == ("sent", "m-42")


def test_http_sms_text_with_quotes_stays_valid_json(
    db, sms_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_sms(
            "13812345678",
            event="complaint.major",
            context={"serial": "1", "reason": 'say "hi" {phone}\\'},
            key="q",
        )

    assert sms_gateway.requests[0].json()["content"] == (
        '【阳光水务】重大投诉:工单1,say "hi" {phone}\\,请关注。'
    )


def test_http_sms_refused_by_the_gateway_is_not_retried(
    db, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(403, body=b'{"error": "bad signature"}')

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_sms("13812345678", event="survey.invite", context={}, key="r")

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        "failed",
        'HTTP 403: {"error": "bad signature"}',
    )


def test_the_log_sms_backend_writes_what_would_go_out_to_the_data_dir(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    settings.NOTIFY_SMS_SIGNATURE = "【阳光水务】"

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_sms(
            "13812345678", event="survey.invite", context={"serial": "7", "url": "u"}, key="l"
        )

    _, phone, text = (tmp_path / "sms.log").read_text(encoding="utf-8").rstrip("\n").split("\t")
    assert (phone, text) == (
        "13812345678",
        "【阳光水务】您反映的问题(工单7)已处理完毕,请点击评价我们的服务:u",
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id) == ("sent", f"log-{delivery.pk}")


def test_a_webhook_is_signed_with_its_endpoints_secret_and_names_event_and_delivery(
    db, http_receiver, django_capture_on_commit_callbacks
):
    # given endpoints: one for this event, one for all events, one for another, one disabled
    url = http_receiver.url
    WebhookEndpoint.objects.create(name="a", url=url + "/a", secret="k-a", events="sla.breach")
    WebhookEndpoint.objects.create(name="all", url=url + "/all", secret="k-all")
    WebhookEndpoint.objects.create(name="b", url=url + "/b", secret="k-b", events="ticket.created")
    WebhookEndpoint.objects.create(name="off", url=url + "/off", secret="k", is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        created = services.emit_webhook("sla.breach", {"serial": "251124003"}, key="b:3")

    secrets = {"/hook/a": b"k-a", "/hook/all": b"k-all"}
    assert sorted(r.path for r in http_receiver.requests) == ["/hook/a", "/hook/all"]
    by_url = {d.address: d for d in created}
    for request in http_receiver.requests:
        digest = hmac.new(secrets[request.path], request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Kefu-Signature"] == f"sha256={digest}"
        assert request.headers["X-Kefu-Event"] == "sla.breach"
        delivery = by_url[url.removesuffix("/hook") + request.path]
        assert request.headers["X-Kefu-Delivery"] == str(delivery.pk)
        body = json.loads(request.body)
        assert (body["event"], body["key"], body["data"]) == (
            "sla.breach",
            "b:3",
            {"serial": "251124003"},
        )
