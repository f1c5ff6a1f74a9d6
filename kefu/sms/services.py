"""Inbound SMS: what the gateway's webhook (POST /api/v1/sms/inbound) does with one call.

The gateway signs each call as Kefu signs its outgoing webhooks (kefu.notify.gateways.
signature): ``X-Kefu-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` with the secret
KEFU_SMS_INBOUND_SECRET. No timestamp is signed (the outgoing webhooks sign none either):
a replayed call is harmless, as the gateway's message id is recorded once. Without a secret
every call is refused (503): an unsigned SMS is never taken.

The body is JSON or a form (many gateways post forms), with the names ``from`` (or mobile,
phone, sender, src), ``text`` (or content, msg, message), ``id`` (or msgid, msg_id,
message_id, messageId, BizId, sid), optional ``to`` (the center's number it was sent to) and
``received_at`` (ISO 8601, "YYYY-MM-DD HH:MM:SS" or "YYYYMMDDHHMMSS"; Beijing time when it
names no zone).

What the SMS says decides the rest: 退订 / TD / T / 取消订阅 / unsubscribe puts the number on
the notice SMS opt-out list (kefu.notify.optout) and makes no ticket; 订阅 takes it off; any
other text goes to the conversation (kefu.conversations.services.receive): a new ticket or
one more message on the number's open one. Every call is recorded (InboundSms), the refused
ones with the start of what was posted; a refused or bad call writes nothing else.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _

from kefu.conversations.services import Inbound, receive
from kefu.core.bodies import load_json
from kefu.core.center import center
from kefu.core.errors import ServiceError
from kefu.core.phones import normalize_phone
from kefu.notify import optout
from kefu.notify.gateways import signature
from kefu.notify.models import SmsOptOut
from kefu.notify.services import send_sms
from kefu.sms.models import InboundSms

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Kefu-Signature"
# The longest SMS taken (a long SMS arrives joined; past this it is not a customer's SMS).
MAX_TEXT = 1000
# What is kept of a refused call's body.
RAW_KEPT = 2000

FROM_NAMES = ("from", "mobile", "phone", "sender", "src")
TEXT_NAMES = ("text", "content", "msg", "message")
ID_NAMES = ("id", "msgid", "msg_id", "message_id", "messageId", "BizId", "sid")
TO_NAMES = ("to", "dest")
AT_NAMES = ("received_at", "time")
# The longest gateway id kept (InboundSms.gateway_id).
MAX_ID = 200

# What a customer texts to stop notice SMS, and to have them again: compared after NFKC
# (full width ＴＤ is TD), lower case, without spaces, punctuation and symbols.
UNSUBSCRIBE_WORDS = frozenset({"退订", "td", "t", "取消订阅", "unsubscribe", "退订短信"})
RESUBSCRIBE_WORDS = frozenset({"订阅", "恢复订阅", "subscribe"})

Status = InboundSms.Status
ACCEPTED = (Status.CREATED, Status.JOINED, Status.UNSUBSCRIBED, Status.RESUBSCRIBED)


@dataclass
class Answer:
    """The webhook's HTTP answer."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _error(status: int, code: str, detail: str, field_name: str | None = None) -> Answer:
    errors = [{"field": field_name, "message": detail}] if field_name else []
    return Answer(status, {"code": code, "detail": detail, "field": field_name, "errors": errors})


def command_of(text: str) -> str:
    """ "unsubscribe", "resubscribe" or "" for what the customer texted."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    word = "".join(
        ch
        for ch in folded
        if not ch.isspace() and not unicodedata.category(ch).startswith(("P", "S", "C"))
    )
    if word in UNSUBSCRIBE_WORDS:
        return "unsubscribe"
    if word in RESUBSCRIBE_WORDS:
        return "resubscribe"
    return ""


def signed(body: bytes, header: str) -> bool:
    """Whether ``header`` is the body's signature with the configured secret."""
    secret = settings.SMS_INBOUND_SECRET
    if not secret or not header:
        return False
    expected = signature(secret, body).encode()
    return hmac.compare_digest(expected, header.strip().lower().encode("utf-8", "replace"))


def _raw(body: bytes) -> str:
    return body[:RAW_KEPT].decode("utf-8", "replace").replace("\x00", "")


def _refuse(body: bytes, reason: str, remote_addr: str) -> None:
    logger.warning("inbound SMS refused from %s: %s", remote_addr or "?", reason)
    InboundSms.objects.create(
        status=Status.REFUSED, reason=reason[:300], raw=_raw(body), remote_addr=remote_addr[:64]
    )


def parse(body: bytes, content_type: str) -> dict[str, str]:
    """The call's fields as text (JSON object or form, in the charset the type names).
    Raises ValueError when the body is neither."""
    kind, params = parse_header_parameters(content_type or "")
    charset = params.get("charset") or "utf-8"
    if kind == "application/json" or (
        kind != "application/x-www-form-urlencoded" and body[:1] == b"{"
    ):
        data = load_json(body.decode(charset))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        items = {str(k): "" if v is None else str(v) for k, v in data.items()}
    else:
        try:
            form = QueryDict(body, encoding=charset)
        except LookupError as exc:
            raise ValueError(str(exc)) from exc
        items = {k: form.get(k, "") for k in form}
    return {k: v.replace("\x00", "") for k, v in items.items()}


def _pick(data: dict[str, str], names: tuple[str, ...]) -> str:
    lowered = {k.lower(): v for k, v in data.items()}
    for name in names:
        value = data.get(name) or lowered.get(name.lower())
        if value and value.strip():
            return value.strip()
    return ""


def _when(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        at = parse_datetime(value)
        if at is None and len(value) == 14 and value.isdigit():
            at = dt.datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


def _replay(row: InboundSms) -> Answer:
    """The answer to a gateway id recorded before: nothing new is written."""
    if row.status in ACCEPTED:
        return Answer(
            200, {"status": "duplicate", "first": row.status, "serial": row.serial, "id": row.pk}
        )
    return _error(422, "invalid", row.reason or _("短信内容无效"), "text")


def handle_inbound(
    body: bytes, *, content_type: str, signature_header: str, remote_addr: str = ""
) -> Answer:
    """One call of the gateway's webhook (see the module docstring)."""
    if not settings.SMS_INBOUND_SECRET:
        _refuse(body, "KEFU_SMS_INBOUND_SECRET is not set", remote_addr)
        return _error(
            503, "not_configured", _("未配置上行短信密钥(KEFU_SMS_INBOUND_SECRET),拒绝接收")
        )
    if not signature_header:
        _refuse(body, f"no {SIGNATURE_HEADER} header", remote_addr)
        return _error(401, "bad_signature", _("缺少签名(X-Kefu-Signature),拒绝接收"))
    if not signed(body, signature_header):
        _refuse(body, f"wrong signature: {signature_header[:80]}", remote_addr)
        return _error(401, "bad_signature", _("签名不符(X-Kefu-Signature),拒绝接收"))
    try:
        data = parse(body, content_type)
    except (ValueError, LookupError) as exc:  # bad JSON or text in it, an unknown charset
        reason = _("请求格式无效(应为 JSON 或表单)")
        InboundSms.objects.create(
            status=Status.INVALID,
            reason=f"{reason} {exc}"[:300],
            raw=_raw(body),
            remote_addr=remote_addr[:64],
        )
        return _error(422, "invalid", reason)
    sms = {
        "gateway_id": _pick(data, ID_NAMES)[:MAX_ID],
        "sender": _pick(data, FROM_NAMES)[:40],
        "center_number": _pick(data, TO_NAMES)[:40],
        "text": _pick(data, TEXT_NAMES),
        "sent_at": _when(_pick(data, AT_NAMES)),
    }
    if len(_pick(data, ID_NAMES)) > MAX_ID:
        # Cut short it could pass for another message's id (and be dropped as a repeat).
        detail = _("短信编号过长(最多 %d 个字符)") % MAX_ID
        return _bad(sms | {"gateway_id": ""}, Status.INVALID, detail, "id", remote_addr)
    if sms["gateway_id"]:
        earlier = (
            InboundSms.objects.filter(gateway_id=sms["gateway_id"])
            .exclude(status=Status.REFUSED)
            .first()
        )
        if earlier is not None:
            return _replay(earlier)
    try:
        return _take(sms, remote_addr)
    except IntegrityError:
        # The same gateway id in two calls at once: the other one recorded it.
        earlier = (
            InboundSms.objects.filter(gateway_id=sms["gateway_id"])
            .exclude(status=Status.REFUSED)
            .first()
        )
        if earlier is None:
            raise
        return _replay(earlier)


def _bad(sms: dict, status: str, detail: str, field_name: str, remote_addr: str) -> Answer:
    """A signed call that cannot be taken: recorded (holding its gateway id), nothing else."""
    with transaction.atomic():  # a savepoint: a duplicate id is answered by handle_inbound
        InboundSms.objects.create(
            **(sms | {"text": sms["text"][:MAX_TEXT]}),
            status=status,
            reason=detail[:300],
            remote_addr=remote_addr[:64],
        )
    return _error(422, "invalid", detail, field_name)


def _take(sms: dict, remote_addr: str) -> Answer:
    number = normalize_phone(sms["sender"])
    if not number:
        return _bad(sms, Status.INVALID, _("发送号码无效"), "from", remote_addr)
    sms["sender"] = number
    text = sms["text"]
    if not text.strip():
        return _bad(sms, Status.EMPTY, _("短信内容为空"), "text", remote_addr)
    if len(text) > MAX_TEXT:
        detail = _("短信内容过长(%(n)d 字,最多 %(max)d 字)") % {"n": len(text), "max": MAX_TEXT}
        return _bad(sms, Status.INVALID, detail, "text", remote_addr)
    command = command_of(text)
    if command:
        return _subscription(sms, command, remote_addr)
    try:
        with transaction.atomic():
            row = InboundSms.objects.create(
                **sms, status=Status.CREATED, remote_addr=remote_addr[:64]
            )
            received = receive(
                Inbound(
                    channel="sms",
                    address=number,
                    body=text,
                    external_id=sms["gateway_id"],
                    received_at=sms["sent_at"],
                    center_address=sms["center_number"],
                )
            )
            if received.duplicate:
                status = "duplicate"
                row.status = Status.JOINED
            else:
                status = row.status = Status.CREATED if received.created else Status.JOINED
            row.ticket = received.ticket
            row.serial = received.ticket.serial
            row.reason = received.note[:300]
            row.save(update_fields=["status", "ticket", "serial", "reason"])
    except ServiceError as exc:
        # The field as the gateway names it (the intake's received_at is the gateway's too).
        named = {"address": "from", "body": "text", "received_at": "received_at"}
        return _bad(
            sms, Status.INVALID, exc.detail, named.get(exc.field or "", "text"), remote_addr
        )
    logger.info("inbound SMS %s from %s: %s %s", row.pk, number, status, row.serial)
    return Answer(200, {"status": status, "serial": row.serial, "id": row.pk})


def _subscription(sms: dict, command: str, remote_addr: str) -> Answer:
    """退订 / 订阅: the opt-out list changes, a confirmation SMS goes back, no ticket."""
    number = sms["sender"]
    with transaction.atomic():
        if command == "unsubscribe":
            row = InboundSms.objects.create(
                **sms, status=Status.UNSUBSCRIBED, remote_addr=remote_addr[:64]
            )
            note = _("上行短信:%s") % sms["text"][:50]
            _optout, changed = optout.opt_out(number, source=SmsOptOut.Source.SMS, note=note)
            event = "sms.unsubscribed"
        else:
            row = InboundSms.objects.create(
                **sms, status=Status.RESUBSCRIBED, remote_addr=remote_addr[:64]
            )
            changed = optout.opt_in(number, source=SmsOptOut.Source.SMS)
            event = "sms.resubscribed"
        if changed:
            send_sms(
                number, event=event, context={"hotline": center().hotline}, key=f"sms-in:{row.pk}"
            )
        else:
            row.reason = _("号码已是该状态,未再发送确认短信")
            row.save(update_fields=["reason"])
    logger.info("inbound SMS %s from %s: %s", row.pk, number, row.status)
    return Answer(200, {"status": row.status, "serial": "", "id": row.pk})
