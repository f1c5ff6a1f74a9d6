"""Telling people things: the in-app inbox, e-mail, SMS and webhooks.

The other apps call ``notify_users``, ``send_sms``, ``send_email`` and ``emit_webhook`` inside
their own transaction. Each creates its delivery rows at once (so a rollback leaves none) and
sends after commit, in the background. The caller's ``key`` makes every call idempotent: the
same ``(key, channel, address)`` is created once, so a retried sweep sends nothing new.

Sending (``send_delivery``) claims a queued row with a conditional UPDATE and sends only if the
claim won: two workers never send one message twice, and a sent row is never sent again.
Transient failures come back after 1, 5, 30 and 120 minutes; the fifth failure gives up.

What sending guarantees. The claim is a lease: the row names its worker and claim
(``claimed_by``) and holds it for KEFU_NOTIFY_LEASE seconds (``next_attempt_at``), longer
than a send can wait (3 × KEFU_NOTIFY_TIMEOUT at least). Only the claim's holder records the
outcome. A row still 发送中 past its lease had its worker stop mid-send (killed, machine
lost): the outcome is unknown, the gateway may have taken the message. It is taken over by
the next sweep (every minute on every worker, and once a lease after a worker starts, so a
restarted worker recovers what the killed one held), and what happens depends on the
channel's transport (``resends_safely``, kefu.notify.gateways):

- it resends safely (a webhook: the same X-Kefu-Delivery; an e-mail: the same Message-ID;
  an SMS gateway that discards a repeated ``{id}``, KEFU_SMS_HTTP_IDEMPOTENT): queued again at
  once, the same id on the next try — at least once, and once at an idempotent gateway;
- it does not (any other SMS gateway): never sent again by itself — at most once. The row
  becomes 待核实 (UNCERTAIN) for a person to check at the gateway and then mark sent
  (``confirm_delivery_sent``) or send again (``retry_delivery``). A send that went out and got
  no answer (the answer timed out, the connection dropped) is 待核实 the same way.

A worker that was only slow and answers after its lease was taken over records nothing but
its attempt, except that a send it reports done turns a 待核实 row into 已发送.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import placeholders, refcache
from kefu.core.db import rows as rows_sql
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import can_view_pii, mask_text
from kefu.core.phones import normalize_phone
from kefu.core.realtime import publish_on_commit, user_group
from kefu.core.services import record_audit
from kefu.notify import optout, tasks
from kefu.notify.gateways import DeliveryError, InAppTransport, sms_text, transport_for
from kefu.notify.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    EventRule,
    Notification,
    Template,
    WebhookEndpoint,
)
from kefu.notify.selectors import list_notifications, unread_count

__all__ = [
    "notify_users",
    "send_sms",
    "send_email",
    "MailFile",
    "check_email_files",
    "emit_webhook",
    "unread_count",
    "list_notifications",
    "mark_read",
    "send_delivery",
    "send_due_deliveries",
    "retry_delivery",
    "confirm_delivery_sent",
    "requeue_delivery",
    "cancel_delivery",
    "render",
]

logger = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, 3rd and 4th transient failure; the 5th gives up.
BACKOFF_MINUTES = (1, 5, 30, 120)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
DUE_BATCH = 200
# What the attempt log says of a send cut off by its worker stopping.
CUT_OFF = "发送中断(发送进程停止,结果未知)"
# ... and of a send whose worker answered only after it was taken over.
LATE = "(超过租约时间才返回,已被接管)"

Status = Delivery.Status

# ---------------------------------------------------------------------------------- words


def render(source: str, context: dict) -> str:
    """``source`` (``{name}`` placeholders, kefu.core.placeholders) filled from ``context`` as
    plain text (nothing is HTML-escaped).

    A key the context lacks renders empty; a template that does not parse (stored around the
    admin, which refuses it) is logged and sent as written rather than losing the message.
    """
    try:
        return placeholders.fill(source, context).strip()
    except ServiceError:
        logger.warning("notification template does not parse, sent as written: %r", source[:200])
        return source


def _templates(event: str) -> dict[tuple[str, str], Template]:
    """The event's words by (channel, language), kept per process (kefu.core.refcache)."""
    return refcache.get(
        ("notify_templates", event),
        lambda: {(t.channel, t.language): t for t in Template.objects.filter(event=event)},
    )


def _rule(event: str) -> EventRule | None:
    """Which channels the event goes out on, kept per process (kefu.core.refcache)."""
    return refcache.get(
        ("notify_rule", event),
        lambda: EventRule.objects.filter(event=event).first(),
        keep_none=True,  # events are named in the code, not by requests: "no rule" is kept
    )


def _words(
    templates: dict, event: str, channel: str, language: str, context: dict
) -> tuple[str, str]:
    """(subject, body) of ``event`` on ``channel`` in ``language``: the channel's template in
    that language, else in the center's language, else the in-app one; else the title alone."""
    default = settings.LANGUAGE_CODE
    for key in ((channel, language), (channel, default), ("inapp", language), ("inapp", default)):
        if key in templates:
            template = templates[key]
            return render(template.subject, context)[:200], render(template.body, context)
    return str(context.get("title") or event)[:200], ""


def _language(user) -> str:
    try:
        return user.notify_preference.language
    except ObjectDoesNotExist:
        return settings.LANGUAGE_CODE


def _context(context: dict, ticket, *, absolute: bool) -> dict:
    """The caller's context over the defaults every template may use: serial, title, url.
    A ``path`` in the context makes the url point there instead of at the ticket."""
    values: dict = {"serial": "", "title": "", "url": ""}
    if ticket is not None:
        path = reverse("ticket", args=[ticket.serial])
        values.update(
            serial=ticket.serial,
            title=ticket.content[:30],
            url=settings.SITE_URL + path if absolute else path,
        )
    values.update({k: v for k, v in context.items() if v is not None})
    if context.get("path"):  # a page other than the ticket's (a work order's)
        values["url"] = (settings.SITE_URL if absolute else "") + context["path"]
    return values


# ---------------------------------------------------------------------------------- creating


def _create(**fields) -> Delivery | None:
    """The new delivery, or None when its (key, channel, address) was created before."""
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work intact
            return Delivery.objects.create(**fields)
    except IntegrityError:
        taken = Delivery.objects.filter(
            key=fields["key"], channel=fields["channel"], address=fields["address"]
        )
        if taken.exists():
            return None
        raise


def _send_after_commit(deliveries: list[Delivery]) -> None:
    ids = [d.pk for d in deliveries if d.status == Status.QUEUED]
    if not ids:
        return

    def enqueue() -> None:
        try:  # one task for a batch: a sweep's hundred breaches are one queue write, not 300
            tasks.send_delivery(ids[0]) if len(ids) == 1 else tasks.send_deliveries(ids)
        except Exception:  # noqa: BLE001 - the minute's sweep sends what was not queued
            logger.exception("could not queue deliveries %s", ids[:20])

    transaction.on_commit(enqueue)


@dataclass
class Alert:
    """One event to tell some staff about (see notify_many); not an outage notice (kefu.notices)."""

    event: str
    users: list
    context: dict
    key: str
    ticket: object = None


def notify_users(event: str, *, users, context: dict, key: str, ticket=None) -> list[Delivery]:
    """Tell staff ``users`` about ``event`` on every channel its rule names.

    In-app always (written now, pushed after commit); e-mail when the event's rule includes
    e-mail and the user has an address; SMS to the staff profile's phone when the rule includes
    SMS. Inactive users are skipped. Returns the deliveries created by this call: a repeated
    call with the same ``key`` creates and sends nothing. Call inside the caller's transaction.
    """
    return notify_many([Alert(event, list(users), context, key, ticket)])


def notify_many(alerts: list[Alert]) -> list[Delivery]:
    """Several alerts at once, as ``notify_users`` each, in a fixed number of statements
    whatever their count (recipients, what was sent before, the deliveries, the inbox rows, the
    unread counts; rules and templates are kept per process): what a sweep uses for a minute's
    warnings."""
    ids = {user.pk for alert in alerts for user in alert.users}
    if not ids:
        return []
    recipients = {
        user.pk: user
        for user in get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .select_related("staff", "notify_preference")
    }
    events = {alert.event for alert in alerts}
    rules = {event: _rule(event) for event in events}
    templates = {event: _templates(event) for event in events}
    now = timezone.now()
    wanted: dict[tuple, Delivery] = {}
    links: dict[tuple, str] = {}
    for alert in alerts:
        rule, words = rules.get(alert.event), templates[alert.event]
        inbox = _context(alert.context, alert.ticket, absolute=False)
        outside = _context(alert.context, alert.ticket, absolute=True)
        for pk in sorted({user.pk for user in alert.users}):
            user = recipients.get(pk)
            if user is None:
                continue
            language = _language(user)
            # A recipient who may not see personal data reads its numbers masked, on every
            # channel (the words are the same template filled for them).
            seen = str if can_view_pii(user) else mask_text
            subject, body = map(seen, _words(words, alert.event, Channel.INAPP, language, inbox))
            common = {"event": alert.event, "user": user, "ticket": alert.ticket}
            address = f"user:{user.pk}"
            wanted[(alert.key, Channel.INAPP, address)] = Delivery(
                channel=Channel.INAPP,
                address=address,
                subject=subject,
                body=body,
                key=alert.key,
                status=Status.SENT,
                attempts=1,
                sent_at=now,
                **common,
            )
            links[(alert.key, Channel.INAPP, address)] = str(inbox["url"])
            if rule is not None and rule.email and user.email:
                subject, body = map(
                    seen, _words(words, alert.event, Channel.EMAIL, language, outside)
                )
                wanted[(alert.key, Channel.EMAIL, user.email)] = Delivery(
                    channel=Channel.EMAIL,
                    address=user.email,
                    subject=subject,
                    body=body,
                    key=alert.key,
                    next_attempt_at=now,
                    **common,
                )
            staff = getattr(user, "staff", None)
            phone = normalize_phone(staff.phone) if staff is not None else ""
            if rule is not None and rule.sms and phone:
                body = seen(_words(words, alert.event, Channel.SMS, language, outside)[1])
                wanted[(alert.key, Channel.SMS, phone)] = Delivery(
                    channel=Channel.SMS,
                    address=phone,
                    body=body,
                    key=alert.key,
                    next_attempt_at=now,
                    **common,
                )
    created = _create_missing(wanted)
    inbox_rows = [d for d in created if d.channel == Channel.INAPP]
    InAppTransport().send_many(
        inbox_rows, links=[links[(d.key, d.channel, d.address)] for d in inbox_rows]
    )
    _send_after_commit(created)
    return created


def _create_missing(wanted: dict[tuple, Delivery]) -> list[Delivery]:
    """Write the deliveries keyed (key, channel, address) that were not created before;
    returns those written. One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` a chunk: the
    unique index decides what exists, so no lookup of the keys first (an IN-list of hundreds
    of keys on a growing table is where a big notice's time went, bench/notices.py)."""
    fresh = list(wanted.values())
    if not rows_sql.returns_rows():
        return _create_missing_slowly(wanted)
    made: list[Delivery] = []
    for start in range(0, len(fresh), INSERT_CHUNK):
        made += _insert_new(fresh[start : start + INSERT_CHUNK])
    return made


def _create_missing_slowly(wanted: dict[tuple, Delivery]) -> list[Delivery]:
    """_create_missing for an SQLite without RETURNING: look up the keys, then write."""
    keys = {key for key, _channel, _address in wanted}
    for taken in Delivery.objects.filter(key__in=keys).values_list("key", "channel", "address"):
        wanted.pop(taken, None)
    return [made for made in (_create_row(d) for d in wanted.values()) if made is not None]


def _create_row(delivery: Delivery) -> Delivery | None:
    fields = {f.name: getattr(delivery, f.name) for f in rows_sql.columns(Delivery)}
    return _create(**fields)


INSERT_CHUNK = 500


def _insert_new(rows: list[Delivery]) -> list[Delivery]:
    if not rows:
        return []
    sql = rows_sql.insert_sql(
        Delivery,
        len(rows),
        'ON CONFLICT ("key", "channel", "address") DO NOTHING '
        'RETURNING "id", "key", "channel", "address"',
    )
    params = rows_sql.values(rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    by_key = {(r.key, r.channel, r.address): r for r in rows}
    made = []
    for pk, key, channel, address in returned:
        row = by_key[(key, channel, address)]
        row.pk = pk
        row._state.adding = False
        row._state.db = connection.alias
        made.append(row)
    return made


def _queue(
    event, channel, address, subject, body, key, ticket, user=None, headers=None, files=None
) -> list[Delivery]:
    delivery = _create(
        event=event,
        channel=channel,
        user=user,
        address=address,
        ticket=ticket,
        subject=subject,
        body=body,
        key=key,
        headers=headers or {},
        files=files or [],
        next_attempt_at=timezone.now(),
    )
    return [] if delivery is None else [delivery]


def send_sms(
    phone: str, *, event: str, context: dict, key: str, ticket=None, enqueue: bool = True
) -> Delivery | None:
    """An SMS to a number outside the staff (a customer), in the center's language.

    Returns the new delivery, or None when the number is unusable or this ``key`` already
    sent to it. Call inside the caller's transaction; it is sent after commit. With
    ``enqueue=False`` nothing is queued: the caller sends it itself after commit (to record
    the outcome on its own rows); the minute's sweep still sends it if that send is lost.
    """
    number = normalize_phone(phone)
    if not number:
        logger.warning("SMS %s (%s) not sent: no usable number", event, key)
        return None
    templates = _templates(event)
    values = _context(context, ticket, absolute=True)
    _, body = _words(templates, event, Channel.SMS, settings.LANGUAGE_CODE, values)
    created = _queue(event, Channel.SMS, number, "", body, key, ticket)
    if enqueue:
        _send_after_commit(created)
    return created[0] if created else None


def send_sms_many(
    recipients: list[tuple[str, str]], *, event: str, context: dict, ticket=None
) -> set[str]:
    """The same SMS to many numbers (a notice to an area), ``recipients`` being (number, key)
    pairs of already-normalized numbers: one template read, one rendering, one write, one
    queued task. Returns the keys queued now or by an earlier call (each key sends once).
    A notice (optout.OPT_OUT_EVENTS) is not sent to a number that texted 退订: its key is
    left out of the answer."""
    if event in optout.OPT_OUT_EVENTS:
        refused = optout.opted_out(number for number, _key in recipients)
        recipients = [(number, key) for number, key in recipients if number not in refused]
    if not recipients:
        return set()
    templates = _templates(event)
    values = _context(context, ticket, absolute=True)
    _, body = _words(templates, event, Channel.SMS, settings.LANGUAGE_CODE, values)
    now = timezone.now()
    wanted = {
        (key, Channel.SMS, number): Delivery(
            event=event,
            channel=Channel.SMS,
            address=number,
            ticket=ticket,
            body=body,
            key=key,
            next_attempt_at=now,
        )
        for number, key in recipients
    }
    created = _create_missing(wanted)
    _send_after_commit(created)
    # Each wanted row now exists, made here or before (_create_missing raises otherwise).
    return {key for _number, key in recipients}


def sms_preview(event: str, *, context: dict, ticket=None) -> str:
    """The SMS ``send_sms``/``send_sms_many`` would queue for ``context``, as the phone shows
    it (the center's signature first): to show before sending. Sends nothing."""
    values = _context(context, ticket, absolute=True)
    _, body = _words(_templates(event), event, Channel.SMS, settings.LANGUAGE_CODE, values)
    return sms_text(body)


# The headers an e-mail may carry of its own (the rest are the transport's).
EMAIL_HEADERS = (
    "Message-ID",
    "In-Reply-To",
    "References",
    "From",
    "Reply-To",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
)


# What the files of one e-mail may weigh together: past it many mail servers refuse the mail
# (the MIME encoding adds a third again).
MAX_EMAIL_FILES_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class MailFile:
    """A file an e-mail carries: ``path`` its name in default_storage (the caller keeps it
    there unchanged: every retry reads it again), ``name`` the name the recipient sees."""

    path: str
    name: str
    content_type: str = ""
    size: int = 0


def check_email_files(files: list[MailFile]) -> None:
    """Raises ServiceError(TOO_LARGE, field="attachments") when ``files`` weigh more than one
    e-mail may carry."""
    total = sum(f.size for f in files)
    if total > MAX_EMAIL_FILES_BYTES:
        raise ServiceError(
            Code.TOO_LARGE,
            _("邮件附件合计不能超过 %(limit)d MB(现为 %(size).1f MB)")
            # rounded up: a size just past the limit never reads as the limit itself
            % {
                "limit": MAX_EMAIL_FILES_BYTES >> 20,
                "size": math.ceil(total * 10 / (1 << 20)) / 10,
            },
            field="attachments",
        )


def send_email(
    address: str,
    *,
    event: str,
    context: dict,
    key: str,
    ticket=None,
    subject: str = "",
    headers: dict[str, str] | None = None,
    files: list[MailFile] | None = None,
) -> Delivery | None:
    """An e-mail to an address outside the staff, in the center's language.

    ``subject`` replaces the template's subject (a reply keeps the customer's, "Re: …");
    ``headers`` are sent as given (EMAIL_HEADERS: threading, From, Auto-Submitted); ``files``
    go with it as attachments (check_email_files: raises past MAX_EMAIL_FILES_BYTES, nothing
    written). Returns the new delivery, or None when the address is not an e-mail address or
    this ``key`` already sent to it.
    """
    check_email_files(files or [])
    address = (address or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        logger.warning("e-mail %s (%s) not sent: %r is not an address", event, key, address[:80])
        return None
    templates = _templates(event)
    values = _context(context, ticket, absolute=True)
    shown, body = _words(templates, event, Channel.EMAIL, settings.LANGUAGE_CODE, values)
    wanted = {k: v for k, v in (headers or {}).items() if k in EMAIL_HEADERS and v}
    attached = [
        {"path": f.path, "name": f.name, "content_type": f.content_type, "size": f.size}
        for f in files or []
    ]
    created = _queue(
        event,
        Channel.EMAIL,
        address,
        subject[:200] or shown,
        body,
        key,
        ticket,
        headers=wanted,
        files=attached,
    )
    _send_after_commit(created)
    return created[0] if created else None


def emit_webhook(event: str, payload: dict, *, key: str) -> list[Delivery]:
    """POST ``payload`` to every active endpoint subscribed to ``event`` (or to all events).

    The body is ``{"event", "key", "created_at", "data": payload}`` as JSON, fixed now so every
    retry sends the same bytes; signed per endpoint at sending (see gateways.WebhookTransport).
    """
    return emit_webhooks([(event, payload, key)])


def emit_webhooks(items: list[tuple[str, dict, str]]) -> list[Delivery]:
    """Several ``(event, payload, key)`` webhooks at once: one read of the endpoints, one of
    what was sent before, one write (what a sweep uses)."""
    endpoints = refcache.get(
        "notify:webhooks", lambda: list(WebhookEndpoint.objects.filter(is_active=True))
    )
    if not endpoints or not items:
        return []
    now = timezone.now()
    wanted: dict[tuple, Delivery] = {}
    for event, payload, key in items:
        body = None
        for endpoint in endpoints:
            if not endpoint.wants(event):
                continue
            if body is None:
                body = json.dumps(
                    {"event": event, "key": key, "created_at": now, "data": payload},
                    cls=DjangoJSONEncoder,
                    ensure_ascii=False,
                )
            wanted[(key, Channel.WEBHOOK, endpoint.url)] = Delivery(
                event=event,
                channel=Channel.WEBHOOK,
                address=endpoint.url,
                endpoint=endpoint,
                body=body,
                key=key,
                next_attempt_at=now,
            )
    if not wanted:
        return []
    created = _create_missing(wanted)
    _send_after_commit(created)
    return created


# ---------------------------------------------------------------------------------- sending


def lease() -> dt.timedelta:
    """How long a worker holds a delivery it claimed (KEFU_NOTIFY_LEASE)."""
    return dt.timedelta(seconds=settings.NOTIFY_LEASE)


def _claim_name() -> str:
    """This worker and this claim: "<host>:<pid>:<random>" (fits Delivery.claimed_by)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(6)}"


def _resends_safely(channel: str) -> bool:
    try:
        return bool(transport_for(channel).resends_safely)
    except ValueError:  # not a background channel: nothing to send again
        return False


def send_delivery(delivery_id: int) -> str | None:
    """Send one queued, due delivery once. Returns its new status, or None when another
    worker claimed it first, it is not due, or it is no longer queued (sent, failed, ...).

    Runs outside any transaction: the claim (a lease, see the module docstring) commits
    before the gateway is called, so a slow gateway holds no lock.
    """
    now = timezone.now()
    claim = _claim_name()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Status.QUEUED, next_attempt_at__lte=now
    ).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        claimed_by=claim,
        next_attempt_at=now + lease(),
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    started = time.monotonic()
    provider_id, error, transport = "", None, None
    try:
        transport = transport_for(delivery.channel)
        provider_id = transport.send(delivery)
    except DeliveryError as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - an unforeseen failure is retried, never stuck
        logger.exception("delivery %s failed unexpectedly", delivery_id)
        error = DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record_outcome(
        delivery,
        error,
        provider_id,
        duration_ms,
        claim=claim,
        resends_safely=bool(getattr(transport, "resends_safely", False)),
    )


@transaction.atomic
def _record_outcome(
    delivery: Delivery,
    error: DeliveryError | None,
    provider_id: str,
    duration_ms: int,
    *,
    claim: str,
    resends_safely: bool,
) -> str:
    """Write what the send of ``claim`` came to, if the claim still holds the row; else (it
    was taken over, the worker having outlived its lease) only the attempt, and a send
    reported done turns the 待核实 row it left into 已发送."""
    now = timezone.now()
    fields: dict[str, Any]
    if error is None:
        fields = dict(
            status=Status.SENT,
            sent_at=now,
            provider_id=provider_id[:200],
            last_error="",
            next_attempt_at=None,
        )
    elif error.permanent:
        fields = dict(status=Status.FAILED, last_error=error.message, next_attempt_at=None)
    elif error.uncertain and not resends_safely:
        reason = f"{error.message}(网关可能已收到,未再发送,请核实)"
        fields = dict(status=Status.UNCERTAIN, last_error=reason, next_attempt_at=None)
    elif delivery.attempts >= MAX_ATTEMPTS:
        reason = f"{error.message}(已尝试 {delivery.attempts} 次,不再重试)"
        fields = dict(status=Status.GAVE_UP, last_error=reason, next_attempt_at=None)
    else:
        wait = dt.timedelta(minutes=BACKOFF_MINUTES[delivery.attempts - 1])
        fields = dict(status=Status.QUEUED, last_error=error.message, next_attempt_at=now + wait)
    mine = Delivery.objects.filter(pk=delivery.pk, claimed_by=claim)
    written = mine.filter(status=Status.SENDING).update(**fields)
    late = not written  # taken over meanwhile
    if late and error is None:
        written = mine.filter(status=Status.UNCERTAIN).update(**fields)
    status = fields["status"]
    message = "" if error is None else error.message
    if late:
        message += LATE
        logger.warning("delivery %s: a send outlived its lease (%s)", delivery.pk, claim)
    if not written:
        status = Delivery.objects.filter(pk=delivery.pk).values_list("status", flat=True)[0]
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        at=now,
        ok=error is None,
        permanent=bool(error and error.permanent),
        error=message,
        duration_ms=duration_ms,
    )
    if error is not None:
        logger.warning(
            "delivery %s (%s to %s) attempt %s: %s",
            delivery.pk,
            delivery.channel,
            delivery.address,
            delivery.attempts,
            fields["last_error"],
        )
    return status


def take_over_lapsed(now: dt.datetime | None = None) -> int:
    """Deliveries still 发送中 past their lease (their worker stopped mid-send): queued again
    at once where the transport resends safely (or given up after the last attempt), else
    待核实, never sent again by itself. Each change is conditional on the claim it replaces
    and logged as an attempt. Returns how many were taken over."""
    now = now or timezone.now()
    lapsed = Delivery.objects.filter(status=Status.SENDING, next_attempt_at__lt=now)
    count = 0
    for row in lapsed.only("pk", "channel", "attempts", "claimed_by")[:DUE_BATCH]:
        fields: dict[str, Any]
        if not _resends_safely(row.channel):
            note = f"{CUT_OFF},网关可能已收到,未再发送,请核实"
            fields = dict(status=Status.UNCERTAIN, last_error=note, next_attempt_at=None)
        elif row.attempts >= MAX_ATTEMPTS:
            note = f"{CUT_OFF}(已尝试 {row.attempts} 次,不再重试)"
            fields = dict(status=Status.GAVE_UP, last_error=note, next_attempt_at=None)
        else:
            note = f"{CUT_OFF},重新发送"
            fields = dict(status=Status.QUEUED, last_error=note, next_attempt_at=now)
        with transaction.atomic():
            taken = Delivery.objects.filter(
                pk=row.pk, status=Status.SENDING, claimed_by=row.claimed_by
            ).update(**fields)
            if taken:
                DeliveryAttempt.objects.create(
                    delivery_id=row.pk, number=row.attempts, at=now, ok=False, error=note
                )
        if taken:
            logger.warning("delivery %s taken over from %s: %s", row.pk, row.claimed_by, note)
        count += taken
    return count


def send_due_deliveries(now: dt.datetime | None = None) -> int:
    """Send the queued deliveries whose time has come: retries after their backoff, rows
    whose after-commit send was lost (the worker was down), and rows taken over from a
    worker that stopped mid-send (``take_over_lapsed``). Returns how many were tried.

    Each row is claimed by ``send_delivery``, so overlapping sweeps never send one twice.
    """
    now = now or timezone.now()
    take_over_lapsed(now)
    due = Delivery.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:DUE_BATCH])
    return sum(1 for pk in ids if send_delivery(pk) is not None)


@transaction.atomic
def retry_delivery(delivery_id: int, *, actor) -> bool:
    """Queue a failed, given-up or 待核实 delivery again now (for 待核实: a person checked
    that the gateway did not send it), with a fresh count of attempts (the attempt log keeps
    the history). Returns False when the row is none of those."""
    now = timezone.now()
    retried = Delivery.objects.filter(
        pk=delivery_id, status__in=[Status.FAILED, Status.GAVE_UP, Status.UNCERTAIN]
    ).update(status=Status.QUEUED, attempts=0, next_attempt_at=now)
    if retried:
        delivery = Delivery.objects.get(pk=delivery_id)
        record_audit(actor=actor, action="notify.retry", obj=delivery)
        _send_after_commit([delivery])
    return bool(retried)


@transaction.atomic
def confirm_delivery_sent(delivery_id: int, *, actor) -> bool:
    """A person checked at the gateway that a 待核实 delivery went out: it becomes 已发送
    (sent when it was handed over, its claim's time). Audited. Returns False when the row is
    not 待核实."""
    rows = Delivery.objects.filter(pk=delivery_id, status=Status.UNCERTAIN)
    confirmed = rows.update(status=Status.SENT, sent_at=F("claimed_at"), next_attempt_at=None)
    if confirmed:
        delivery = Delivery.objects.get(pk=delivery_id)
        record_audit(actor=actor, action="notify.confirm_sent", obj=delivery)
    return bool(confirmed)


def requeue_delivery(delivery_id: int, *, permanent: bool = False) -> bool:
    """Make a delivery that has not gone out due now, for a caller that sends it at once
    (``send_delivery``): a queued one waiting for its backoff, a given-up one with a fresh count
    of attempts, and with ``permanent`` (a person asks to try again) also one that failed for
    good or is 待核实. Returns False when it is sent, being sent, or (without ``permanent``)
    failed for good or 待核实. Conditional updates: a row another worker is sending is never
    touched.
    """
    now = timezone.now()
    rows = Delivery.objects.filter(pk=delivery_id)
    if rows.filter(status=Status.QUEUED).update(next_attempt_at=now):
        return True
    stopped = [Status.GAVE_UP, Status.FAILED, Status.UNCERTAIN] if permanent else [Status.GAVE_UP]
    return bool(
        rows.filter(status__in=stopped).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=now
        )
    )


def cancel_delivery(delivery_id: int, *, reason: str) -> bool:
    """Stop a delivery that has not gone out and is no longer wanted (a re-dispatched work
    order's message): a queued or given-up row becomes failed with ``reason``. Returns False
    when it was sent, is being sent (too late to stop), or had failed already."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, status__in=[Status.QUEUED, Status.GAVE_UP]).update(
            status=Status.FAILED, last_error=reason, next_attempt_at=None
        )
    )


# ---------------------------------------------------------------------------------- inbox


@transaction.atomic
def mark_read(user, notification_ids) -> int:
    """Mark ``user``'s notifications read: a list of ids, or "all". Returns how many changed.

    Raises ServiceError(NOT_FOUND) when an id is not one of ``user``'s notifications; then
    nothing changes. Pushes the new unread count to ``user``'s screens after commit.
    """
    now = timezone.now()
    mine = Notification.objects.filter(user_id=user.pk)
    if notification_ids == "all":
        marked = mine.filter(read_at__isnull=True).update(read_at=now)
    else:
        ids = set(notification_ids)
        # An id past the database's integer range can be no one's (and would overflow SQLite).
        in_range = all(isinstance(pk, int) and 0 < pk < 2**63 for pk in ids)
        if not in_range or mine.filter(pk__in=ids).count() != len(ids):
            raise ServiceError(Code.NOT_FOUND, _("通知不存在"))
        marked = mine.filter(pk__in=ids, read_at__isnull=True).update(read_at=now)
    if marked:
        publish_on_commit(
            user_group(user.pk), {"type": "notify.read", "unread": unread_count(user)}
        )
    return marked
