"""Polling the mailboxes: each new mail becomes a ticket or a message on one (through
kefu.conversations.receive); a mail that cannot be taken is quarantined and the next goes on."""

from __future__ import annotations

import datetime as dt
import hashlib
import imaplib
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError

from kefu.conversations.services import Inbound, InboundFile, Received, receive
from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError
from kefu.mail.models import Mailbox, QuarantinedMail
from kefu.mail.parsing import Limits, MailRefused, ParsedMail, parse

logger = logging.getLogger(__name__)

# Mails fetched in one IMAP command at most, and their bytes at most (memory stays flat).
FETCH_BATCH = 25
FETCH_BYTES = 8 * 1024 * 1024
# A mail over its mailbox's limit is still kept whole in quarantine up to this size; past it
# only its header is kept.
QUARANTINE_KEEP_BYTES = 64 * 1024 * 1024
# How long a poller holds a mailbox (the lease is renewed on each batch).
LEASE = dt.timedelta(minutes=5)
# IDLE is re-issued this often (RFC 2177: before 29 minutes).
IDLE_SECONDS = 20 * 60
IMAP_TIMEOUT = 60


@dataclass
class PollResult:
    mailbox: int
    fetched: int = 0
    created: int = 0  # new tickets
    joined: int = 0  # messages on existing tickets
    duplicates: int = 0
    quarantined: int = 0
    error: str = ""  # the mailbox could not be read (login, network)
    busy: bool = False  # another poller holds the mailbox
    serials: list[str] = field(default_factory=list)


def limits_of(box: Mailbox) -> Limits:
    return Limits(
        max_bytes=box.max_mail_mb * 1024 * 1024,
        max_attachments=min(box.max_attachments, 50),
        allowed_types=list(box.allowed_types or []),
        max_file_bytes=settings.MAX_UPLOAD_MB * 1024 * 1024,
    )


def connect(box: Mailbox) -> BaseMailBox:
    """A logged-in IMAP session on the mailbox's folder."""
    client: BaseMailBox
    if box.use_ssl:
        client = MailBox(box.imap_host, box.imap_port, timeout=IMAP_TIMEOUT)
    else:
        client = MailBoxUnencrypted(box.imap_host, box.imap_port, timeout=IMAP_TIMEOUT)
    return client.login(box.username, box.password, initial_folder=box.folder or "INBOX")


def _claim(box: Mailbox) -> bool:
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(pk=box.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def _renew(box: Mailbox) -> None:
    Mailbox.objects.filter(pk=box.pk).update(lease_until=timezone.now() + LEASE)


def _free(box: Mailbox) -> None:
    Mailbox.objects.filter(pk=box.pk).update(lease_until=None)


def poll_mailbox(mailbox_id: int) -> PollResult:
    """Take every mail that came since the last poll, oldest first, each in its own
    transaction with the mailbox's position (last_uid): a crash re-takes no mail twice and
    loses none. A mail that fails is quarantined (kept whole, with the reason) and the poller
    goes on. A changed UIDVALIDITY starts the folder over (Message-IDs keep it idempotent)."""
    box = Mailbox.objects.select_related("branch", "department").get(pk=mailbox_id)
    result = PollResult(box.pk)
    if not _claim(box):
        result.busy = True
        return result
    try:
        with connect(box) as client:
            _poll(box, client, result)
    except (MailboxLoginError, imaplib.IMAP4.error, OSError, OperationalError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:1000]
        logger.warning("mailbox %s: %s", box.pk, result.error)
    finally:
        _free(box)
    Mailbox.objects.filter(pk=box.pk).update(last_polled_at=timezone.now(), last_error=result.error)
    return result


def _poll(box: Mailbox, client: BaseMailBox, result: PollResult) -> None:
    status = client.folder.status(box.folder or "INBOX", ["UIDVALIDITY"])
    validity = int(status["UIDVALIDITY"])
    if box.uidvalidity != validity:
        if box.uidvalidity is not None:
            logger.warning("mailbox %s: UIDVALIDITY changed, reading the folder again", box.pk)
        box.uidvalidity = validity
        box.last_uid = 0
        Mailbox.objects.filter(pk=box.pk).update(uidvalidity=validity, last_uid=0)
    found = client.uids(f"UID {box.last_uid + 1}:*")
    uids = sorted(u for u in (int(x) for x in found) if u > box.last_uid)
    limits = limits_of(box)
    for start in range(0, len(uids), FETCH_BATCH):
        chunk = uids[start : start + FETCH_BATCH]
        sizes = _sizes(client, chunk)
        for uid, raw in _fetch(client, chunk, sizes, limits.max_bytes):
            result.fetched += 1
            take(box, uid, raw, limits, result, size=sizes.get(uid, len(raw)))
        _renew(box)


def _sizes(client: BaseMailBox, uids: list[int]) -> dict[int, int]:
    typ, data = client.client.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
    sizes: dict[int, int] = {}
    for item in data or []:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid = re.search(rb"UID (\d+)", line)
        size = re.search(rb"RFC822\.SIZE (\d+)", line)
        if uid and size:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _fetch(
    client: BaseMailBox, uids: list[int], sizes: dict[int, int], limit: int
) -> Iterator[tuple[int, bytes]]:
    """(uid, raw mail) in UID order: small mails a few at a time, a big one on its own; one
    past the quarantine cap only by its header."""
    group: list[int] = []
    group_bytes = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if size > limit:
            yield from _fetch_group(client, group)
            group, group_bytes = [], 0
            part = "BODY.PEEK[]" if size <= QUARANTINE_KEEP_BYTES else "BODY.PEEK[HEADER]"
            yield from _fetch_group(client, [uid], part)
            continue
        if group and group_bytes + size > FETCH_BYTES:
            yield from _fetch_group(client, group)
            group, group_bytes = [], 0
        group.append(uid)
        group_bytes += size
    yield from _fetch_group(client, group)


def _fetch_group(
    client: BaseMailBox, uids: list[int], part: str = "BODY.PEEK[]"
) -> Iterator[tuple[int, bytes]]:
    if not uids:
        return
    typ, data = client.client.uid("FETCH", ",".join(map(str, uids)), f"(UID {part})")
    got: dict[int, bytes] = {}
    for index, item in enumerate(data or []):
        if not isinstance(item, tuple):
            continue
        found = re.search(rb"UID (\d+)", item[0])
        if found is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            found = re.search(rb"UID (\d+)", data[index + 1])  # some servers put it after
        if found is not None:
            got[int(found.group(1))] = item[1]
    for uid in uids:
        if uid in got:  # an expunged mail is simply gone
            yield uid, got[uid]


def take(
    box: Mailbox, uid: int, raw: bytes, limits: Limits, result: PollResult, *, size: int = 0
) -> None:
    """One mail: recorded with the mailbox's new position, or quarantined with it."""
    try:
        if size > limits.max_bytes and len(raw) < size:
            raise MailRefused(
                _("邮件过大:%(size).1f MB,上限 %(limit).0f MB(仅保留邮件头)")
                % {"size": size / 1048576, "limit": limits.max_bytes / 1048576}
            )
        with transaction.atomic():
            received = import_mail(box, raw, limits)
            Mailbox.objects.filter(pk=box.pk).update(last_uid=uid)
    except (MailRefused, ServiceError) as exc:
        _quarantine_and_go_on(box, uid, raw, _reason(exc), size, result)
        return
    except (OperationalError, InterfaceError):
        raise  # the database, not the mail: this mail is taken again on the next poll
    except Exception as exc:  # noqa: BLE001 - one bad mail never stops the mailbox
        logger.exception("mailbox %s uid %s: quarantined", box.pk, uid)
        _quarantine_and_go_on(box, uid, raw, f"{type(exc).__name__}: {exc}", size, result)
        return
    box.last_uid = uid
    if received.duplicate:
        result.duplicates += 1
    elif received.created:
        result.created += 1
    else:
        result.joined += 1
    result.serials.append(received.ticket.serial)


def _reason(exc: Exception) -> str:
    if isinstance(exc, MailRefused):
        return exc.reason
    if isinstance(exc, ServiceError):
        return exc.detail
    return str(exc)


def _quarantine_and_go_on(
    box: Mailbox, uid: int, raw: bytes, reason: str, size: int, result: PollResult
) -> None:
    with transaction.atomic():
        quarantine(box, uid, raw, reason, size=size)
        Mailbox.objects.filter(pk=box.pk).update(last_uid=uid)
    box.last_uid = uid
    result.quarantined += 1


def quarantine(
    box: Mailbox, uid: int, raw: bytes, reason: str, *, size: int = 0
) -> QuarantinedMail:
    subject, sender, message_id = _summary(raw)
    row = QuarantinedMail(
        mailbox=box,
        uid=uid,
        uidvalidity=box.uidvalidity,
        message_id=message_id[:300],
        subject=subject[:300],
        sender=sender[:320],
        reason=reason[:2000],
        size=max(size, len(raw)),
    )
    row.raw.save(f"{box.uidvalidity or 0}-{uid}.eml", ContentFile(raw), save=False)
    row.save()
    logger.warning("mailbox %s uid %s quarantined: %s", box.pk, uid, reason[:200])
    return row


def _summary(raw: bytes) -> tuple[str, str, str]:
    """Subject, sender and Message-ID of a mail that may not parse, read from its header."""
    try:
        mail = parse(raw.split(b"\r\n\r\n", 1)[0][:65536] + b"\r\n\r\n", limits=Limits())
    except Exception:  # noqa: BLE001 - nothing readable: the raw file says it all
        return "", "", ""
    return mail.subject, mail.from_address, mail.message_id


def synthetic_id(raw: bytes) -> str:
    """An id for a mail without Message-ID: the same bytes, the same id."""
    return f"<sha1-{hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:32]}@kefu.mail>"


def inbound_of(box: Mailbox, mail: ParsedMail, raw: bytes) -> Inbound:
    own = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    return Inbound(
        channel="email",
        address=mail.from_address,
        name=mail.from_name,
        subject=mail.subject,
        body=mail.body,
        shown=mail.shown if mail.shown != mail.body else "",
        html=mail.html,
        external_id=mail.message_id or synthetic_id(raw),
        thread_ids=mail.thread_ids,
        serial_hint=mail.serial_hint,
        files=[InboundFile(a.name, a.content_type, a.data) for a in mail.attachments],
        original=InboundFile("original.eml", "message/rfc822", raw),
        received_at=mail.date,
        # Mail from one of our own mailboxes is a loop, whatever it says.
        auto_submitted=mail.auto_submitted or mail.from_address in own,
        center_address=box.address,
        branch=box.branch.code if box.branch is not None else "",
        department=box.department.code if box.department is not None else "",
        type=box.request_type or "",
    )


def import_mail(box: Mailbox, raw: bytes, limits: Limits | None = None) -> Received:
    """Parse one mail and record it (raises MailRefused or ServiceError, nothing written)."""
    mail = parse(raw, limits=limits or limits_of(box))
    if not mail.from_address:
        raise MailRefused(_("没有发件人地址"))
    return receive(inbound_of(box, mail, raw))


def release(quarantined_id: int, *, actor: Actor | None) -> QuarantinedMail:
    """Import a quarantined mail again, under its mailbox's limits as they are now (an
    administrator raised them, or the cause was fixed). Refused again: it stays, with the new
    reason, and the error says why."""
    with transaction.atomic():
        row = (
            QuarantinedMail.objects.select_for_update(of=("self",))
            .select_related("mailbox__branch", "mailbox__department")
            .get(pk=quarantined_id)
        )
        if row.released_at is not None:
            raise ServiceError(Code.CONFLICT, _("该邮件已放行,工单 %s") % row.serial)
        if not row.raw:
            raise ServiceError(Code.INVALID, _("未保存原始邮件,无法重新导入"))
        with row.raw.open("rb") as handle:
            raw = handle.read()
    try:
        with transaction.atomic():
            received = import_mail(row.mailbox, raw)
            row.released_at = timezone.now()
            row.released_by = user_of(actor)
            row.serial = received.ticket.serial
            row.save(update_fields=["released_at", "released_by", "serial"])
    except (MailRefused, ServiceError) as exc:
        reason = _reason(exc)
        QuarantinedMail.objects.filter(pk=row.pk).update(reason=reason[:2000])
        raise ServiceError(Code.INVALID, _("仍无法导入:%s") % reason) from exc
    return row


def active_mailboxes() -> list[int]:
    return list(Mailbox.objects.filter(is_active=True).values_list("pk", flat=True))


def poll_all() -> list[PollResult]:
    return [poll_mailbox(pk) for pk in active_mailboxes()]


def idle_mailbox(mailbox_id: int, *, stop_after: float | None = None) -> list[PollResult]:
    """Poll, then wait on IMAP IDLE and poll on each push of new mail, until ``stop_after``
    seconds (None: for ever). A server without IDLE (or a mailbox set not to use it) gets a
    poll a minute instead."""
    deadline = None if stop_after is None else time.monotonic() + stop_after
    results = [poll_mailbox(mailbox_id)]

    def remaining() -> float:
        return IDLE_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())

    while remaining() > 0:
        box = Mailbox.objects.get(pk=mailbox_id)
        if not box.is_active:
            break
        try:
            with connect(box) as client:
                if not box.use_idle or "IDLE" not in client.client.capabilities:
                    time.sleep(min(60.0, remaining()))
                    results.append(poll_mailbox(mailbox_id))
                    continue
                while remaining() > 0:
                    responses = client.idle.wait(timeout=min(IDLE_SECONDS, remaining()))
                    if any(b"EXISTS" in line for line in responses):
                        results.append(poll_mailbox(mailbox_id))
        except (MailboxLoginError, imaplib.IMAP4.error, OSError) as exc:
            logger.warning("mailbox %s idle: %s", mailbox_id, exc)
            Mailbox.objects.filter(pk=mailbox_id).update(last_error=str(exc)[:1000])
            time.sleep(min(30.0, remaining()))
    return results
