"""Gateways: one transport class per channel, each sending one delivery.

``send(delivery)`` returns the provider's message id ("" when it gives none) or raises
``DeliveryError``: ``permanent=True`` when trying again cannot help (a refused address, a
4xx answer, no server configured), ``False`` when it may (timeouts, 5xx, connection refused);
``uncertain=True`` when the message went out and no answer came back (the answer timed out,
the connection dropped while waiting): the receiver may have taken it.
The background transports never touch the database (the caller records the outcome); the
in-app one writes the inbox row, in the caller's transaction, and pushes the bell's count.

``resends_safely`` says whether sending one delivery again after an unknown outcome still
reaches its recipient once (the receiver discards the repeat by the delivery's id) or leaves
a duplicate the recipient can tell for one (the same Message-ID): see "What sending
guarantees" in kefu.notify.services.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
from pathlib import Path

import httpx
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, get_connection
from django.db.models import Count
from django.utils import timezone

from kefu.core import center
from kefu.core.realtime import publish_on_commit, user_group
from kefu.notify.models import Channel, Delivery, Notification

logger = logging.getLogger(__name__)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
USER_AGENT = "Kefu-Notify/1"


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool, uncertain: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        # The message went out and no answer came: the receiver may have taken it.
        self.uncertain = uncertain


def _http_error(response: httpx.Response) -> DeliveryError:
    """An HTTP answer that is not 2xx: 4xx is the receiver refusing (permanent), except
    408 Request Timeout and 429 Too Many Requests, which ask to come back later."""
    status = response.status_code
    permanent = 400 <= status < 500 and status not in (408, 429)
    return DeliveryError(f"HTTP {status}: {response.text[:200]}", permanent=permanent)


def _post(url: str, *, content: bytes, headers: dict[str, str]) -> httpx.Response:
    try:
        response = httpx.post(
            url,
            content=content,
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=settings.NOTIFY_HTTP_TIMEOUT,
        )
    except httpx.ReadTimeout as exc:  # sent, and no answer in time: perhaps taken
        raise DeliveryError(f"timeout: {exc!r}", permanent=False, uncertain=True)
    except httpx.TimeoutException as exc:  # connecting or sending: the receiver has nothing
        raise DeliveryError(f"timeout: {exc!r}", permanent=False)
    except httpx.InvalidURL as exc:
        raise DeliveryError(f"invalid URL: {exc}", permanent=True)
    except (httpx.ReadError, httpx.RemoteProtocolError) as exc:  # dropped while waiting
        raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False, uncertain=True)
    except httpx.HTTPError as exc:  # refused, DNS: the receiver may come back
        raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False)
    if not 200 <= response.status_code < 300:
        raise _http_error(response)
    return response


def _inbox_owner(delivery: Delivery) -> int:
    """The user whose inbox an in-app delivery goes to: always set, as the delivery is written
    for that user in the transaction that sends it."""
    if delivery.user_id is None:
        raise ValueError(f"in-app delivery {delivery.pk} has no user")
    return delivery.user_id


class InAppTransport:
    """The staff member's inbox: a Notification row, and a live push of the new unread count
    after commit (the bell updates without a reload)."""

    def send(self, delivery: Delivery, *, link: str = "") -> Notification:
        user_id = _inbox_owner(delivery)
        notification = Notification.objects.create(
            user_id=user_id,
            event=delivery.event,
            title=delivery.subject[:200],
            body=delivery.body,
            link=link[:500],
            ticket_id=delivery.ticket_id,
        )
        unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
        publish_on_commit(
            user_group(user_id),
            {"type": "notify.new", "unread": unread, "title": notification.title, "link": link},
        )
        return notification

    def send_many(self, deliveries: list[Delivery], *, links: list[str]) -> list[Notification]:
        """The inbox rows of many deliveries in one statement, and one push per recipient
        with its new unread count (counted in one query)."""
        if not deliveries:
            return []
        notifications = Notification.objects.bulk_create(
            Notification(
                user_id=_inbox_owner(d),
                event=d.event,
                title=d.subject[:200],
                body=d.body,
                link=link[:500],
                ticket_id=d.ticket_id,
            )
            for d, link in zip(deliveries, links, strict=True)
        )
        users = {n.user_id for n in notifications}
        unread = dict(
            Notification.objects.filter(user_id__in=users, read_at__isnull=True)
            .values("user_id")
            .annotate(n=Count("id"))
            .values_list("user_id", "n")
        )
        latest = {n.user_id: n for n in notifications}
        for user_id, notification in latest.items():
            publish_on_commit(
                user_group(user_id),
                {
                    "type": "notify.new",
                    "unread": unread.get(user_id, 0),
                    "title": notification.title,
                    "link": notification.link,
                },
            )
        return notifications


def stable_message_id(delivery: Delivery) -> str:
    """The Message-ID of a notification e-mail: the same on every try of one delivery (a
    repeat is the same mail to the recipient's mailbox), another for every delivery."""
    seed = f"{delivery.pk}|{delivery.key}|{delivery.address}".encode()
    return f"<kefu.{delivery.pk}.{hashlib.sha256(seed).hexdigest()[:16]}@kefu>"


class EmailTransport:
    """SMTP through Django's SMTP backend, configured by KEFU_EMAIL_*. A mail sent again after
    an unknown outcome carries the same Message-ID (at least once; the copy is recognisable)."""

    resends_safely = True

    def send(self, delivery: Delivery) -> str:
        if not settings.NOTIFY_EMAIL_HOST:
            raise DeliveryError("未配置邮件服务器(KEFU_EMAIL_HOST),邮件未发送", permanent=True)
        connection = get_connection(
            SMTP_BACKEND,
            host=settings.NOTIFY_EMAIL_HOST,
            port=settings.NOTIFY_EMAIL_PORT,
            username=settings.NOTIFY_EMAIL_USER or None,
            password=settings.NOTIFY_EMAIL_PASSWORD or None,
            use_tls=settings.NOTIFY_EMAIL_TLS,
            timeout=settings.NOTIFY_HTTP_TIMEOUT,
            fail_silently=False,
        )
        headers = dict(delivery.headers or {})
        sender = headers.pop("From", "") or settings.NOTIFY_EMAIL_FROM
        message_id = headers.setdefault("Message-ID", stable_message_id(delivery))
        message = EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            from_email=sender,
            to=[delivery.address],
            headers=headers,
            connection=connection,
        )
        for item in delivery.files or []:
            name, content, mimetype = _mail_file(item)
            message.attach(name, content, mimetype)
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True)
        except smtplib.SMTPResponseException as exc:
            # 5xx is the server's final no; 4xx asks to try later.
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else exc.smtp_error
            )
            raise DeliveryError(f"SMTP {exc.smtp_code}: {text}", permanent=exc.smtp_code >= 500)
        except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, dropped
            raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False)
        return message_id


def _mail_file(item: dict) -> tuple[str, bytes, str | None]:
    """One of an e-mail's files (Delivery.files) read from default_storage: (name, bytes,
    content type). A file gone from the storage fails the mail for good: a retry cannot bring
    it back. Django writes a Chinese name as RFC 2231 (filename*=utf-8''…)."""
    path = str(item.get("path") or "")
    name = str(item.get("name") or "") or path.rsplit("/", 1)[-1] or "file"
    try:
        with default_storage.open(path, "rb") as source:
            content = source.read()
    except (OSError, ValueError, SuspiciousFileOperation) as exc:  # missing, or refused
        raise DeliveryError(f"attachment {name!r} unreadable: {exc}", permanent=True)
    return name, content, str(item.get("content_type") or "") or None


class LogSmsTransport:
    """Writes each SMS to the log and to <data dir>/sms.log: what would go out, for demos.
    Written again after an unknown outcome (a line twice at worst: nothing goes out)."""

    resends_safely = True

    def send(self, delivery: Delivery) -> str:
        text = sms_text(delivery.body)
        line = f"{timezone.localtime():%Y-%m-%d %H:%M:%S}\t{delivery.address}\t{text}\n"
        path = Path(settings.DATA_DIR) / "sms.log"
        try:
            with path.open("a", encoding="utf-8") as log:
                log.write(line)
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc}", permanent=False)
        logger.info("SMS to %s: %s", delivery.address, text)
        return f"log-{delivery.pk}"


def sms_text(body: str) -> str:
    """The text as the phone shows it: the center's signature (【某某水务】, 中心信息; else
    KEFU_SMS_SIGNATURE) first."""
    return center.sms_text(body)


def _fill(template, values: dict[str, str]):
    """The JSON body template with {phone} {text} {signature} replaced inside its strings, so
    a value is always escaped as JSON, whatever characters it holds."""
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, dict):
        return {_fill(k, values): _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    return template


class HttpSmsTransport:
    """A generic HTTP SMS gateway: POSTs KEFU_SMS_HTTP_TEMPLATE, filled in, to KEFU_SMS_HTTP_URL.

    Every try of one SMS carries the same id, the delivery's number: ``{id}`` in the template
    and the ``X-Kefu-Delivery`` header. Only a gateway declared to discard a repeated id
    (KEFU_SMS_HTTP_IDEMPOTENT) is sent an SMS again after an unknown outcome."""

    @property
    def resends_safely(self) -> bool:
        return settings.NOTIFY_SMS_HTTP_IDEMPOTENT

    def send(self, delivery: Delivery) -> str:
        values = {
            "phone": delivery.address,
            "text": sms_text(delivery.body),
            "signature": center.sms_signature(),
            "id": str(delivery.pk),
        }
        body = json.dumps(_fill(settings.NOTIFY_SMS_HTTP_TEMPLATE, values), ensure_ascii=False)
        response = _post(
            settings.NOTIFY_SMS_HTTP_URL,
            content=body.encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Kefu-Delivery": str(delivery.pk),
            },
        )
        return _provider_id(response)


def _provider_id(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    for name in ("id", "message_id", "messageId", "msgid", "BizId", "sid"):
        if data.get(name):
            return str(data[name])[:200]
    return ""


def signature(secret: str, body: bytes) -> str:
    """The X-Kefu-Signature header value: HMAC-SHA256 of the raw body, hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookTransport:
    """A signed JSON POST to an integrator's endpoint. Sent again after an unknown outcome,
    with the same X-Kefu-Delivery: receivers de-duplicate on it (README)."""

    resends_safely = True

    def send(self, delivery: Delivery) -> str:
        endpoint = delivery.endpoint
        if endpoint is None:
            raise DeliveryError("webhook endpoint deleted", permanent=True)
        if not endpoint.is_active:
            raise DeliveryError("webhook endpoint disabled", permanent=True)
        body = delivery.body.encode()
        _post(
            delivery.address,
            content=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Kefu-Event": delivery.event,
                "X-Kefu-Delivery": str(delivery.pk),
                "X-Kefu-Signature": signature(endpoint.secret, body),
            },
        )
        return ""


def sms_transport():
    return HttpSmsTransport() if settings.NOTIFY_SMS_BACKEND == "http" else LogSmsTransport()


def transport_for(channel: str):
    """The transport of a channel that is sent in the background (not in-app)."""
    match channel:
        case Channel.EMAIL:
            return EmailTransport()
        case Channel.SMS:
            return sms_transport()
        case Channel.WEBHOOK:
            return WebhookTransport()
    raise ValueError(f"no background transport for {channel!r}")
