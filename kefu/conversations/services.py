"""The conversation: messages in from every channel (a new ticket or one more message on the
customer's), replies out through the channel the customer used, reply templates."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.accounts.services import staff_of
from kefu.conversations.models import (
    ChannelRule,
    Direction,
    Message,
    MessageAttachment,
    ReplyTemplate,
)
from kefu.conversations.selectors import senders_tickets
from kefu.core import placeholders
from kefu.core.actor import Actor, user_of
from kefu.core.calendar import WorkingCalendar
from kefu.core.center import center as center_profile
from kefu.core.errors import Code, ServiceError
from kefu.core.phones import is_mobile, normalize_phone
from kefu.core.realtime import publish_on_commit
from kefu.core.said import said
from kefu.core.schemas import within_years, years_message
from kefu.core.services import record_audit
from kefu.core.uploads import checked_upload
from kefu.core.wording import check_outbound
from kefu.customers.access import visible_customers
from kefu.customers.selectors import sole_owner_of_email
from kefu.customers.services import clean_email, remember_address
from kefu.notify import services as notify
from kefu.notify.models import Delivery
from kefu.sla import services as sla
from kefu.tickets.access import access_ticket
from kefu.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    ReplyMethod,
    Status,
    Ticket,
    TicketEvent,
)
from kefu.tickets.schemas import MAX_CONTENT, TicketIn
from kefu.tickets.services import add_attachment, create_ticket, live_groups
from kefu.tickets.timeline import record_event
from kefu.triage import services as triage

logger = logging.getLogger(__name__)
# One working day of the default business hours (08:30–17:30), in minutes.
WORKING_DAY_MINUTES = 540


@dataclass
class InboundFile:
    name: str
    content_type: str
    data: bytes


@dataclass
class Inbound:
    """One message from a customer, as a channel adapter read it.

    ``channel``: a kefu.tickets.models.Channel value (email, sms, web, chat).
    ``address``: the customer's e-mail address or phone number (any format: normalised here).
    ``body`` the whole text; ``shown`` the part to show (quotes and signature trimmed; blank:
    the body); ``html`` sanitised HTML when the message had it. ``external_id``: the channel's
    id (Message-ID): a second delivery of the same id records nothing new.
    ``thread_ids``: In-Reply-To and References. ``serial``: the ticket it answers, when the
    channel knows it for sure (the portal, a chat); ``serial_hint``: a serial read in the text
    (a mail's subject), trusted only from the ticket's own customer. ``auto_submitted``: an
    automatic reply, a bounce, a list: recorded, never acknowledged. ``original``: the raw
    message (a mail's .eml), kept as an attachment.
    ``center_address``: the mailbox or number it came to; ``branch``/``department``/``type``:
    what that mailbox or portal form says about it (codes; blank: the channel rule's).
    """

    channel: str
    address: str
    body: str
    name: str = ""
    subject: str = ""
    shown: str = ""
    html: str = ""
    external_id: str = ""
    thread_ids: list[str] = field(default_factory=list)
    serial: str = ""
    serial_hint: str = ""
    files: list[InboundFile] = field(default_factory=list)
    original: InboundFile | None = None
    received_at: dt.datetime | None = None
    auto_submitted: bool = False
    center_address: str = ""
    branch: str = ""
    department: str = ""
    type: str = ""
    area: str = ""
    customer_id: int | None = None
    contact_name: str = ""
    phone: str = ""  # a verified phone besides the address (the portal's, a mail's signature)
    # A 留言 left in the chat widget when nobody could chat: answered in the portal's time
    # (a working day), not the chat's minute.
    left_message: bool = False


@dataclass
class Received:
    ticket: Ticket
    message: Message
    created: bool  # a new ticket
    duplicate: bool = False  # this external_id was already recorded: nothing new written
    acknowledged: bool = False
    note: str = ""  # why it joined or did not join a ticket, for the adapter's log


# What a message may hold. A mail's adapter trims before (its own limits); these hold for every
# channel, the portal's and the chat's included.
MAX_BODY = 200_000
MAX_SUBJECT = 300
MAX_FILES = 50
MAX_FILE_BYTES = 64 * 1024 * 1024
# How much of the customer's words become the ticket's 诉求内容 (the thread keeps them whole).
CONTENT_CHARS = MAX_CONTENT
# Acknowledgements one address gets in a day at most: a mail loop with an auto-responder
# that does not say it is one stops here.
ACKS_PER_DAY = 5
# An SMS joins its number's open ticket received within this many days.
SMS_JOINS_DAYS = 30
INBOUND_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WEB, Channel.CHAT)
# A channel's first reply (ChannelRule.first_reply_minutes when a rule says): minutes, and
# whether they count around the clock or on the working calendar.
DEFAULT_FIRST_REPLY: dict[str, tuple[int, bool]] = {
    Channel.EMAIL: (WORKING_DAY_MINUTES, False),
    Channel.SMS: (WORKING_DAY_MINUTES, False),
    Channel.WEB: (WORKING_DAY_MINUTES, False),
    Channel.CHAT: (1, True),
}
FIRST_REPLY = "first_reply"
REPLY_METHOD: dict[str, str] = {
    Channel.EMAIL: ReplyMethod.EMAIL,
    Channel.SMS: ReplyMethod.SMS,
    Channel.WEB: ReplyMethod.SMS,
    Channel.CHAT: ReplyMethod.PHONE,
}
SERIAL_IN_TEXT = re.compile(r"(?:\[#|工单号?[::\s]*)(\d{9,12})")


def serial_in(text: str) -> str:
    """The serial a customer's subject or text quotes ("[#251122007]", "工单号 251122007")."""
    found = SERIAL_IN_TEXT.search(text or "")
    return found.group(1) if found else ""


def clean_address(channel: str, address: str) -> str:
    """The customer's address as stored: an e-mail address lower-cased, a number normalised;
    "" when it is not one."""
    address = (address or "").strip()
    if channel == Channel.EMAIL or "@" in address:
        try:
            return clean_email(address)
        except ServiceError:
            return ""
    return normalize_phone(address)


# ---------------------------------------------------------------------------------- inbound


def receive(inbound: Inbound) -> Received:
    """Record a customer's message: one more message on their ticket, or a new ticket taken
    through the normal intake (the type's time limits, the routing table, triage's labels)
    and routed by the channel's rule (ChannelRule), with the channel's first-reply time
    limit; acknowledged with the serial by mail or SMS unless it is automatic mail.

    Which ticket: the one the channel names (``serial``: the portal, a chat), else the one
    whose messages the mail answers (In-Reply-To / References) when the sender is that
    ticket's customer or the mail is automatic, else the serial quoted in the subject when
    the sender is that ticket's customer, else, for an SMS, the number's open ticket. A
    ticket merged into another passes it on; an archived or cancelled one gets a new ticket
    that names it. The same ``external_id`` twice records nothing new. Automatic mail is
    typed as an inquiry and starts no first-reply clock.
    Raises ServiceError (nothing written) for an unusable address, an empty message, or a
    ``serial`` that is not the sender's."""
    channel = inbound.channel
    if channel not in INBOUND_CHANNELS:
        raise ServiceError(Code.INVALID, _("渠道无效:%s") % channel, field="channel")
    address = clean_address(channel, inbound.address)
    if not address:
        raise ServiceError(Code.INVALID, _("发件人地址或号码无效"), field="address")
    body = _text(inbound.body)[:MAX_BODY]
    subject = " ".join(_text(inbound.subject).split())[:MAX_SUBJECT]
    if not body and not subject and not inbound.files:
        raise ServiceError(Code.INVALID, _("消息内容为空"), field="body")
    if len(inbound.files) > MAX_FILES:
        raise ServiceError(Code.INVALID, _("附件最多 %d 个") % MAX_FILES, field="files")
    external_id = (inbound.external_id or "").strip()[:300]
    if external_id:
        earlier = (
            Message.objects.select_related("ticket")
            .filter(external_id=external_id, channel=channel, direction=Direction.IN)
            .first()
        )
        if earlier is not None:
            return Received(earlier.ticket, earlier, created=False, duplicate=True)
    at = inbound.received_at or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    at = min(at, timezone.now())
    with transaction.atomic():
        ticket, why = _ticket_for(inbound, address)
        created = ticket is None
        if ticket is None:
            ticket = _new_ticket(inbound, address, body, subject, at, follows=why)
        else:
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=ticket,
            channel=channel,
            direction=Direction.IN,
            at=at,
            address=address,
            name=_text(inbound.name or inbound.contact_name)[:100],
            center_address=_text(inbound.center_address)[:320],
            subject=subject,
            body=body,
            shown=_text(inbound.shown)[:MAX_BODY],
            html=_text(inbound.html)[:MAX_BODY],
            external_id=external_id,
            thread_ids=[t[:300] for t in inbound.thread_ids if t][:50],
            auto_submitted=inbound.auto_submitted,
        )
        _store_files(message, inbound)
        if not created and channel != Channel.CHAT:  # a chat's lines are its transcript
            record_event(
                ticket,
                actor=None,
                kind=TicketEvent.Kind.NOTE,
                action="message_in",
                note=said(gettext_noop("客户来信(%(channel)s)"), channel=Channel(channel).label),
                data={"message": message.pk, "channel": channel},
            )
            Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
        if not inbound.auto_submitted:  # an auto-reply or a bounce awaits no answer
            _start_first_reply(ticket, Channel.WEB if inbound.left_message else channel, at)
        acknowledged = False
        if created and not inbound.auto_submitted:
            acknowledged = _acknowledge(ticket, message) is not None
        _announce_message(ticket, message)
    return Received(ticket, message, created=created, acknowledged=acknowledged, note=why)


def _text(value: str | None) -> str:
    """A text as stored: no NUL (PostgreSQL refuses one), no blank edges."""
    return (value or "").replace("\x00", "").strip()


def _belongs(ticket: Ticket, address: str) -> bool:
    """Whether ``address`` is the ticket's customer (selectors.senders_tickets)."""
    return Ticket.objects.filter(pk=ticket.pk).filter(senders_tickets(address)).exists()


def _followed(ticket: Ticket) -> Ticket:
    """A merged ticket's survivor (merges may chain)."""
    seen = set()
    while ticket.merged_into_id is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _ticket_for(inbound: Inbound, address: str) -> tuple[Ticket | None, str]:
    """The ticket the message joins, or None and, when an archived ticket was found, its
    serial (the new ticket names it)."""
    found: Ticket | None = None
    if inbound.serial:
        found = Ticket.objects.filter(serial=inbound.serial.strip()).first()
        if found is None or not _belongs(found, address):
            # The same answer whichever is wrong: nobody learns a serial or an address.
            raise ServiceError(Code.NOT_FOUND, _("未找到该工单"), field="serial")
    if found is None and inbound.thread_ids:
        earlier = (
            Message.objects.select_related("ticket")
            .filter(external_id__in=[t[:300] for t in inbound.thread_ids if t][:50])
            .order_by("-at", "-id")
            .first()
        )
        # A reply in the thread joins it when it is the ticket's customer's, or automatic
        # mail (a bounce of our reply, an out-of-office); anyone else who answers the thread
        # (a stranger holding a copy) starts a ticket of their own.
        if earlier is not None and (inbound.auto_submitted or _belongs(earlier.ticket, address)):
            found = earlier.ticket
    if found is None:
        hinted = inbound.serial_hint or serial_in(inbound.subject)
        if hinted:
            candidate = Ticket.objects.filter(serial=hinted).first()
            if candidate is not None and _belongs(candidate, address):
                found = candidate
    if found is None and inbound.channel == Channel.SMS:
        found = (
            Ticket.objects.filter(
                caller_number=address,
                status__in=OPEN_STATUSES,
                received_at__gte=timezone.now() - dt.timedelta(days=SMS_JOINS_DAYS),
            )
            .order_by("-received_at", "-id")
            .first()
        )
    if found is None:
        return None, ""
    survivor = _followed(found)
    if survivor.pk != found.pk and not _belongs(survivor, address):
        # Merged into another customer's ticket: theirs is not this sender's to write on.
        return None, found.serial
    if survivor.status in (Status.CLOSED, Status.CANCELLED):
        return None, survivor.serial
    return survivor, ""


def _content(body: str, subject: str) -> str:
    text = body if not subject or subject in body else f"{subject}\n{body}"
    text = text.strip() or subject or "(附件)"
    return text if len(text) <= CONTENT_CHARS else text[: CONTENT_CHARS - 1] + "…"


def channel_rule(channel: str, type_code: str, branch_code: str) -> ChannelRule | None:
    """The most specific active rule for a request from ``channel`` of this type and branch."""
    rules = [
        r
        for r in ChannelRule.objects.select_related("ticket_type", "branch", "department").filter(
            channel=channel, is_active=True
        )
        if (r.ticket_type is None or r.ticket_type.code == type_code)
        and (r.branch is None or r.branch.code == branch_code)
    ]
    rules.sort(key=lambda r: (-r.specificity, r.pk))
    return rules[0] if rules else None


def _type_of(inbound: Inbound, text: str) -> str:
    """The type the channel says (a portal form, a mailbox's), else triage's sure guess, else
    an inquiry (咨询), which an agent re-types when accepting."""
    if inbound.type:
        return inbound.type
    if inbound.auto_submitted:
        return DEFAULT_TYPE  # an out-of-office's words say nothing of a request
    guess = triage.guess(text, inbound.channel)["type"]
    if guess.value and guess.confidence >= SURE_TYPE:
        return str(guess.value)
    return DEFAULT_TYPE


SURE_TYPE = 0.6
DEFAULT_TYPE = "inquiry"


def _new_ticket(
    inbound: Inbound, address: str, body: str, subject: str, at: dt.datetime, *, follows: str
) -> Ticket:
    content = _content(body, subject)
    if follows:
        content = _content(f"(续工单 {follows})\n{content}", "")
    phone = address if "@" not in address else normalize_phone(inbound.phone or "")
    type_code = _type_of(inbound, content)
    customer_id = inbound.customer_id
    if customer_id is None and "@" in address:
        # A mail from the address in one customer's archive is theirs (a number is identified
        # by the intake itself, as a caller's is).
        owner = sole_owner_of_email(address)
        customer_id = owner.pk if owner is not None else None
    if not within_years(at):  # a gateway's or a mail's time in year 1: refused, named
        raise ServiceError(Code.INVALID, years_message(), field="received_at")
    data = TicketIn(
        type=type_code,
        channel=Channel(inbound.channel),
        content=content,
        received_at=at,
        customer_id=customer_id,
        contact_name=_text(inbound.contact_name or inbound.name)[:40],
        caller_number=phone,
        reply_method=ReplyMethod(REPLY_METHOD[inbound.channel]),
        branch=inbound.branch,
        area=inbound.area,
    )
    rule = channel_rule(inbound.channel, type_code, inbound.branch)
    department = inbound.department or (rule.department.code if rule and rule.department else "")
    try:
        return create_ticket(data, actor=None, accept=bool(department), department=department)
    except ServiceError as exc:
        if exc.field in ("type", "area", "branch") and (inbound.type or inbound.area):
            # A mailbox set to a type or an area since closed: the request is not lost.
            fallback = data.model_copy(update={"type": DEFAULT_TYPE, "area": "", "branch": ""})
            return create_ticket(
                fallback, actor=None, accept=bool(department), department=department
            )
        raise


def _store_files(message: Message, inbound: Inbound) -> None:
    # Each channel keeps to its own limits (a mailbox's, the portal's upload limit); this
    # one holds for them all.
    for item in [*inbound.files, *([inbound.original] if inbound.original else [])]:
        if len(item.data) > MAX_FILE_BYTES:
            raise ServiceError(
                Code.TOO_LARGE, _("附件不能超过 %d MB") % (MAX_FILE_BYTES >> 20), field="files"
            )
    for item in inbound.files:
        _attach(message, item, original=False)
    if inbound.original is not None:
        _attach(message, inbound.original, original=True)


def _attach(message: Message, item: InboundFile, *, original: bool) -> None:
    name = (item.name or "file").replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")
    name = name.strip()[:200] or "file"
    attachment = MessageAttachment(
        message=message,
        name=name,
        size=len(item.data),
        content_type=(item.content_type or "")[:100],
        original=original,
    )
    attachment.file.save(_safe_name(name), ContentFile(item.data), save=False)
    attachment.save()


def _safe_name(name: str) -> str:
    """A storage name of the file's: letters, digits and its extension (the shown name is
    kept apart)."""
    stem, dot, ext = name.rpartition(".")
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10] if dot else ""
    return f"{uuid.uuid4().hex[:12]}.{ext}" if ext else uuid.uuid4().hex[:12]


def first_reply_due(channel: str, rule: ChannelRule | None, at: dt.datetime) -> dt.datetime:
    minutes, around = DEFAULT_FIRST_REPLY.get(channel, (WORKING_DAY_MINUTES, False))
    if rule is not None and rule.first_reply_minutes:
        minutes, around = rule.first_reply_minutes, rule.around_the_clock
    if around:
        return at + dt.timedelta(minutes=minutes)
    return WorkingCalendar().add_business_time(at, dt.timedelta(minutes=minutes))


def _start_first_reply(ticket: Ticket, channel: str, at: dt.datetime) -> None:
    """The channel's first-reply clock, once per ticket, while nobody has answered."""
    if ticket.deadlines.filter(code=FIRST_REPLY).exists():
        return
    if Message.objects.filter(ticket=ticket, direction=Direction.OUT, automatic=False).exists():
        return
    rule = channel_rule(channel, ticket.type.code, ticket.branch.code)
    due = first_reply_due(channel, rule, at)
    sla.start_promise(ticket, code=FIRST_REPLY, name=str(_("首次答复")), due=due, at=at)


def first_reply_met(ticket: Ticket, at: dt.datetime) -> None:
    """The customer was first answered at ``at`` (a reply, a chat line before the ticket was
    made): the channel's first-reply time limit is met then, or late."""
    sla.fulfil_target(ticket, FIRST_REPLY, at)


def _acknowledge(ticket: Ticket, message: Message) -> Message | None:
    """The serial sent back by mail or SMS (never twice a day past ACKS_PER_DAY to one
    address: a loop stops)."""
    if message.channel not in (Channel.EMAIL, Channel.SMS):
        return None
    since = timezone.now() - dt.timedelta(days=1)
    sent = Message.objects.filter(
        direction=Direction.OUT, automatic=True, address=message.address, at__gte=since
    ).count()
    if sent >= ACKS_PER_DAY:
        logger.warning("no acknowledgement to %s: %d sent today", message.address, sent)
        return None
    about = message.subject or _content(message.text, "")[:30]
    context = {"subject": about}
    key = f"ack:{ticket.serial}"
    if message.channel == Channel.EMAIL:
        headers = _thread_headers(message)
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
        delivery = notify.send_email(
            message.address,
            event="ticket.received",
            context=context,
            key=key,
            ticket=ticket,
            headers=headers,
        )
    else:
        delivery = notify.send_sms(
            message.address, event="ticket.received", context=context, key=key, ticket=ticket
        )
    if delivery is None:
        return None
    return Message.objects.create(
        ticket=ticket,
        channel=message.channel,
        direction=Direction.OUT,
        at=timezone.now(),
        address=delivery.address,
        center_address=message.center_address,
        subject=delivery.subject,
        body=delivery.body,
        external_id=(delivery.headers or {}).get("Message-ID", ""),
        thread_ids=_thread_of(message),
        delivery=delivery,
        automatic=True,
    )


def _thread_of(message: Message) -> list[str]:
    """The References an answer to ``message`` carries: its own, then its id (the last 10)."""
    ids = [*message.thread_ids, message.external_id] if message.external_id else []
    return [i for i in ids if i][-10:]


def _thread_headers(answered: Message | None) -> dict[str, str]:
    """The headers of a mail in ``answered``'s thread, sent from the mailbox it came to."""
    headers = {"Message-ID": make_msgid(domain=MAIL_DOMAIN)}
    if answered is None:
        return headers
    if answered.external_id:
        headers["In-Reply-To"] = _angle(answered.external_id)
        headers["References"] = " ".join(_angle(i) for i in _thread_of(answered))
    if answered.center_address:
        headers["From"] = _from(answered.center_address)
    return headers


MAIL_DOMAIN = "kefu"


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _from(address: str) -> str:
    return formataddr((center_profile().name, address))


def _announce_message(ticket: Ticket, message: Message) -> None:
    publish_on_commit(
        live_groups(ticket),
        {"type": "ticket.message", "serial": ticket.serial, "channel": message.channel},
    )


def _refuse_merged(ticket: Ticket) -> None:
    """A merged ticket is closed for good: its customer is answered on the one it went into."""
    if ticket.merged_into_id is not None:
        into = Ticket.objects.filter(pk=ticket.merged_into_id).values_list("serial", flat=True)
        raise ServiceError(
            Code.CONFLICT, _("工单已合并到 %s,请在该工单上操作") % (into.first() or "")
        )


# ---------------------------------------------------------------------------------- customer


def link_customer(
    serial: str, *, actor: Actor, customer_id: int | None, remember: bool = False
) -> Ticket:
    """Say whose request this is (关联客户): a mail or an SMS from an address the archive did not
    know, or a correction. ``customer_id`` None takes the customer off the ticket. With
    ``remember`` the address the customer wrote from goes into their archive too (an e-mail
    address when they have none, a number they lack: kefu.customers.services.remember_address),
    so that their next message is known. On the timeline and in the audit log; the ticket's
    branch and routing stay as they are. Raises ServiceError, nothing written."""
    if not scope_of(actor).can_intake:  # the archive's people, not the field's
        raise ServiceError(Code.FORBIDDEN, _("无权修改工单的客户"))
    with transaction.atomic():
        ticket = access_ticket(actor, serial, for_update=True)
        _refuse_merged(ticket)
        customer = None
        if customer_id is not None:
            customer = visible_customers(actor).filter(pk=customer_id).first()
            if customer is None:
                raise ServiceError(Code.INVALID, _("客户不存在"), field="customer_id")
        kept = ""
        if remember:
            if customer is None:
                raise ServiceError(Code.INVALID, _("请选择客户"), field="customer_id")
            last = last_inbound(ticket)
            address = last.address if last is not None else ticket.caller_number
            if not address:
                raise ServiceError(Code.INVALID, _("没有可记入档案的号码或邮箱"), field="remember")
            kept = remember_address(customer.pk, address, actor=actor)
        before = ticket.customer
        if (before.pk if before is not None else None) == customer_id and not kept:
            return ticket
        if (before.pk if before is not None else None) != customer_id:
            ticket.customer = customer
            ticket.save(update_fields=["customer", "updated_at"])
        if customer is not None and kept:
            note = said(
                gettext_noop("关联客户:%(name)s,来信地址已记入客户档案"), name=customer.name
            )
        elif customer is not None:
            note = said(gettext_noop("关联客户:%(name)s"), name=customer.name)
        else:
            note = said(gettext_noop("取消关联客户:%(name)s"), name=before.name if before else "")
        record_event(
            ticket,
            actor=actor,
            kind=TicketEvent.Kind.NOTE,
            action="customer",
            note=note,
            data={
                "customer": customer_id,
                "before": before.pk if before is not None else None,
                "remembered": bool(kept),
            },
        )
        record_audit(
            actor=actor,
            action="ticket.customer",
            obj=ticket,
            detail={"before": before.pk if before is not None else None, "after": customer_id},
        )
    return ticket


# ---------------------------------------------------------------------------------- outbound

# The channels a reply goes out by: SMS and e-mail through the gateways; web: shown on the
# portal's page of the request; chat: into the open chat (kefu.chat registers its sender).
REPLY_VIA = (Channel.SMS, Channel.EMAIL, Channel.WEB, Channel.CHAT)
# An SMS reply is split by the carrier past 70 characters; an e-mail may say more.
MAX_REPLY = 1000
MAX_REPLY_EMAIL = 10_000
# Senders a channel app registers in its AppConfig.ready: (ticket, message) → delivered now?
SENDERS: dict[str, Callable[[Ticket, Message], bool]] = {}
# Channels a reply reaches only while the customer is there (a chat): ticket → open now?
# A closed one is not the default channel of a reply (default_via).
LIVE: dict[str, Callable[[Ticket], bool]] = {}


def register_sender(
    channel: str,
    send: Callable[[Ticket, Message], bool],
    *,
    live: Callable[[Ticket], bool] | None = None,
) -> None:
    SENDERS[channel] = send
    if live is not None:
        LIVE[channel] = live


def can_reply(actor: Actor) -> bool:
    """Everyone who works tickets replies to customers; quality inspectors only read."""
    scope = scope_of(actor)
    return not scope.nothing and scope.role != Role.QUALITY


def last_inbound(
    ticket: Ticket, channel: str = "", *, besides: Sequence[str] = ()
) -> Message | None:
    """The customer's last message (by ``channel``; by none of ``besides``): automatic mail
    (a bounce, an out-of-office) is no one a reply goes back to."""
    rows = Message.objects.filter(ticket=ticket, direction=Direction.IN, auto_submitted=False)
    if channel:
        rows = rows.filter(channel=channel)
    if besides:
        rows = rows.exclude(channel__in=besides)
    return rows.order_by("-at", "-id").first()


def default_via(ticket: Ticket) -> str:
    """The channel the customer last wrote by (a live one, a chat, only while it is open),
    else the ticket's own when it is one a reply goes by, else what the customer asked
    (答复方式), else SMS."""
    closed = [channel for channel, is_open in LIVE.items() if not is_open(ticket)]
    last = last_inbound(ticket, besides=closed)
    if last is not None:
        return last.channel
    if ticket.channel in (Channel.EMAIL, Channel.SMS):
        return ticket.channel
    if ticket.reply_method == ReplyMethod.EMAIL:
        return Channel.EMAIL
    return Channel.SMS


def reply(
    serial: str,
    *,
    actor: Actor,
    text: str,
    via: str = "",
    to: str = "",
    subject: str = "",
    attachments: Sequence[int] = (),
    uploads: Sequence[UploadedFile[bytes]] = (),
) -> Message:
    """Send the customer the agent's reply (答复) through ``via`` (default: the channel the
    customer used) and record it in the conversation and on the timeline. The text is checked
    for forbidden phrases first (kefu.core.wording): refused under the center's block rule,
    nothing written; counted for the agent either way. An SMS goes to ``to``, else the number
    the customer wrote from, else the ticket's; an e-mail to ``to``, else the address the
    customer wrote from, in that mail's thread (In-Reply-To, References) and from the mailbox
    it came to. Meets the channel's first-reply time limit.

    Files: ``attachments`` (ids of the ticket's own attachments) and ``uploads`` (stored on
    the ticket first, tickets.services.add_attachment, its limits holding) are copied into
    the message (its own copies: the history stays whatever becomes of the ticket's) and go
    with an e-mail as its attachments, or are shown for download on the portal (web). An SMS
    or a chat line cannot carry a file: refused on ``attachments``, as are an id not of this
    ticket, more than MAX_REPLY_FILES files, or files past what one e-mail may carry; nothing
    written. A web reply is announced to the customer's mobile by SMS (ticket.web_reply, no
    words of the reply: only the serial and the portal's link), once per reply."""
    text = (text or "").replace("\x00", "").strip()
    via = via or ""
    file_ids = list(dict.fromkeys(attachments or ()))
    uploads = list(uploads or ())
    if not text:
        raise ServiceError(Code.INVALID, _("请填写答复内容"), field="text")
    if via and via not in REPLY_VIA:
        raise ServiceError(Code.INVALID, _("答复方式无效"), field="via")
    if not can_reply(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权答复客户"))
    ticket = access_ticket(actor, serial)  # 404 before the wording is counted against anyone
    _refuse_merged(ticket)
    via = via or default_via(ticket)
    longest = MAX_REPLY_EMAIL if via == Channel.EMAIL else MAX_REPLY
    if len(text) > longest:
        raise ServiceError(Code.INVALID, _("答复最长 %d 个字符") % longest, field="text")
    if via == Channel.CHAT and Channel.CHAT not in SENDERS:
        raise ServiceError(Code.INVALID, _("答复方式无效"), field="via")
    if file_ids or uploads:
        _check_reply_files(ticket, via, file_ids, uploads)
    finding = check_outbound(
        text, actor=actor, path=f"reply_{via}", field="text", ticket_serial=serial
    )
    stored: list[FieldFile] = []  # files written to the storage: removed again on failure
    try:
        with transaction.atomic():
            ticket = access_ticket(actor, serial, for_update=True)
            _refuse_merged(ticket)
            answered = last_inbound(ticket, via)
            address = _reply_address(ticket, via, to, answered)
            key = f"reply:{ticket.serial}:{ticket.events.count()}"
            chosen = _ticket_files(ticket, file_ids)
            for upload in uploads:
                chosen.append(add_attachment(ticket.serial, actor=actor, upload=upload))
                stored.append(chosen[-1].file)
            now = timezone.now()
            message = Message.objects.create(
                ticket=ticket,
                channel=via,
                direction=Direction.OUT,
                at=now,
                author=user_of(actor),
                address=address,
                center_address=answered.center_address if answered is not None else "",
                body=text,
                thread_ids=_thread_of(answered)
                if answered is not None and via == Channel.EMAIL
                else [],
            )
            copies = _copy_files(message, chosen, stored)
            _send_reply(ticket, message, via, key, subject, answered, copies)
            if via in SENDERS and not SENDERS[via](ticket, message):
                # (the chat ended: nothing is recorded, the agent chooses another channel)
                raise ServiceError(Code.INVALID, _("该工单没有进行中的在线会话"), field="via")
            told = _tell_of_web_reply(ticket, message) if via == Channel.WEB else None
            record_event(
                ticket,
                actor=actor,
                kind=TicketEvent.Kind.NOTE,
                action="reply",
                note=text,
                data={
                    "via": via,
                    "to": message.address,
                    "message": message.pk,
                    "warned": [w["phrase"] for w in finding.warnings],
                    **({"files": [c.name for c in copies]} if copies else {}),
                    **({"told": told.pk} if told is not None else {}),
                },
            )
            first_reply_met(ticket, now)
            Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    except BaseException:
        for written in stored:
            try:
                written.delete(save=False)
            except OSError:  # the refusal is what the caller needs to hear, not this
                logger.warning("could not remove %s after a refused reply", written.name)
        raise
    return message


# A reply carries at most this many files.
MAX_REPLY_FILES = 10


def _check_reply_files(
    ticket: Ticket, via: str, file_ids: list[int], uploads: list[UploadedFile[bytes]]
) -> None:
    """The files of a reply by ``via``, before anything is written: ServiceError on
    ``attachments`` when the channel cannot carry files, there are too many, an id is not of
    the ticket, an upload past the upload limit, or more than one e-mail carries."""
    if via == Channel.SMS:
        raise ServiceError(
            Code.INVALID, _("短信不能发送附件,请改用邮件或网站答复"), field="attachments"
        )
    if via == Channel.CHAT:
        raise ServiceError(
            Code.INVALID, _("在线会话不能发送附件,请改用邮件或网站答复"), field="attachments"
        )
    if len(file_ids) + len(uploads) > MAX_REPLY_FILES:
        raise ServiceError(
            Code.INVALID, _("一次答复最多 %d 个附件") % MAX_REPLY_FILES, field="attachments"
        )
    sizes = [a.size for a in _ticket_files(ticket, file_ids)]
    for upload in uploads:
        sizes.append(checked_upload(upload, field="attachments")[2])
    if via == Channel.EMAIL:
        notify.check_email_files([notify.MailFile(path="", name="", size=s) for s in sizes])


def _ticket_files(ticket: Ticket, file_ids: list[int]) -> list[Attachment]:
    """The ticket's attachments ``file_ids``, in that order; ServiceError on ``attachments``
    (one answer for an id that does not exist and one of another ticket)."""
    if not file_ids:
        return []
    usable = all(isinstance(i, int) and 0 < i < 2**63 for i in file_ids)
    found = (
        {a.pk: a for a in Attachment.objects.filter(ticket=ticket, pk__in=file_ids)}
        if usable
        else {}
    )
    missing = [str(i) for i in file_ids if i not in found]
    if missing:
        raise ServiceError(
            Code.INVALID,
            _("附件不属于该工单:%s") % ", ".join(missing[:5])[:60],
            field="attachments",
        )
    return [found[i] for i in file_ids]


def _copy_files(
    message: Message, files: list[Attachment], stored: list[FieldFile]
) -> list[MessageAttachment]:
    """The message's own copies of the ticket's ``files`` (each one appended to ``stored``
    once it is in the storage)."""
    copies = []
    for item in files:
        copy = MessageAttachment(
            message=message,
            name=item.name[:200],
            size=item.size,
            content_type=(item.content_type or "")[:100],
        )
        with item.file.open("rb") as source:
            copy.file.save(_safe_name(item.name), File(source), save=False)
        stored.append(copy.file)
        copy.save()
        copies.append(copy)
    return copies


def _send_reply(
    ticket: Ticket,
    message: Message,
    via: str,
    key: str,
    subject: str,
    answered: Message | None,
    copies: list[MessageAttachment],
) -> Delivery | None:
    """The SMS or e-mail carrying ``message`` (its files too), written on the message; None
    for the portal and the chat. Raises ServiceError on ``to`` for an unusable address."""
    context = {"reply": message.body}
    address = message.address
    delivery = None
    headers: dict[str, str] = {}
    if via == Channel.SMS:
        delivery = notify.send_sms(
            address, event="ticket.reply", context=context, key=key, ticket=ticket
        )
    elif via == Channel.EMAIL:
        headers = _thread_headers(answered if answered and answered.address == address else None)
        delivery = notify.send_email(
            address,
            event="ticket.reply",
            context=context,
            key=key,
            ticket=ticket,
            subject=_reply_subject(ticket, subject, answered),
            headers=headers,
            files=[notify.MailFile(str(c.file), c.name, c.content_type, c.size) for c in copies],
        )
    else:
        return None
    if delivery is None:
        raise ServiceError(Code.INVALID, _("号码或邮箱无效:%s") % address[:60], field="to")
    message.address = delivery.address
    message.subject = delivery.subject
    message.external_id = headers.get("Message-ID", "")
    message.delivery = delivery
    message.save(update_fields=["address", "subject", "external_id", "delivery"])
    return delivery


def portal_url(serial: str) -> str:
    """The request's page on the customer portal, as a customer opens it (KEFU_SITE_URL);
    it asks them to prove their number first."""
    return settings.SITE_URL + reverse("portal-request", args=[serial])


def _tell_of_web_reply(ticket: Ticket, message: Message) -> Delivery | None:
    """An SMS telling the customer a reply waits on the portal: to the mobile it was posted
    for (the number that wrote on the portal, else the ticket's), once per reply (the key
    names the message); None when that is no mobile number."""
    phone = normalize_phone(message.address)
    if not is_mobile(phone):
        return None
    return notify.send_sms(
        phone,
        event="ticket.web_reply",
        context={"portal_url": portal_url(ticket.serial)},
        key=f"web_reply:{ticket.serial}:{message.pk}",
        ticket=ticket,
    )


def _reply_address(ticket: Ticket, via: str, to: str, answered: Message | None) -> str:
    to = (to or "").strip()
    if via == Channel.EMAIL:
        address = to or (answered.address if answered is not None else "")
        if not address and ticket.customer is not None:
            address = ticket.customer.email  # the archive's, for a request taken by phone
        if not address:
            raise ServiceError(Code.INVALID, _("请填写答复的号码或邮箱"), field="to")
        return address
    if via == Channel.SMS:
        address = to or (answered.address if answered is not None else "") or ticket.caller_number
        if not address:
            raise ServiceError(Code.INVALID, _("请填写答复的号码或邮箱"), field="to")
        if not is_mobile(normalize_phone(address)):
            raise ServiceError(
                Code.INVALID, _("短信只能发往手机号码:%s") % address[:40], field="to"
            )
        return address
    # The portal and the chat answer whoever wrote there.
    if answered is None and via == Channel.CHAT:
        raise ServiceError(Code.INVALID, _("该工单没有在线会话"), field="via")
    address = answered.address if answered is not None else ticket.caller_number
    if via == Channel.WEB and not is_mobile(normalize_phone(address)):
        # The portal shows a request to the mobile number proved by an SMS code.
        raise ServiceError(
            Code.INVALID,
            _("客户没有可在网站查询的手机号,请改用短信或邮件答复"),
            field="via",
        )
    return address


def _reply_subject(ticket: Ticket, subject: str, answered: Message | None) -> str:
    """ "Re: " and the customer's subject, with the serial to find the thread by."""
    subject = " ".join((subject or "").split())
    if not subject and answered is not None and answered.subject:
        base = answered.subject
        subject = base if base.lower().startswith(("re:", "回复:", "答复:")) else f"Re: {base}"
    if not subject:
        return ""  # the template's
    if ticket.serial not in subject:
        subject = f"{subject} [#{ticket.serial}]"
    return subject[:200]


# ---------------------------------------------------------------------------------- templates


def templates_for(actor: Actor, *, q: str = "", channel: str = "") -> list[ReplyTemplate]:
    """The reply templates an agent may use: the center's and their own (their own first
    where a key is both), matching ``q`` in the key or title, for ``channel``."""
    person = user_of(actor)
    rows = ReplyTemplate.objects.filter(is_active=True).filter(
        owner__isnull=True
    ) | ReplyTemplate.objects.filter(is_active=True, owner=person)
    q = (q or "").strip().lstrip("/").lower()
    found: dict[str, ReplyTemplate] = {}
    for row in rows.order_by("key", "-owner", "id"):
        if q and q not in row.key.lower() and q not in row.title.lower():
            continue
        if channel and row.channel_list() and channel not in row.channel_list():
            continue
        if row.key not in found or row.owner_id is not None:
            found[row.key] = row
    ranked = sorted(found.values(), key=lambda r: (not r.key.lower().startswith(q), r.key))
    return ranked[:MAX_TEMPLATES]


MAX_TEMPLATES = 50


TEMPLATE_VALUES = ("customer", "serial", "agent_no", "agent", "center", "hotline", "content")


def fill_template(template: ReplyTemplate, *, actor: Actor, ticket: Ticket | None) -> str:
    """The template's text with its placeholders filled for this ticket and agent."""
    person = user_of(actor)
    staff = staff_of(person) if person is not None else None
    profile = center_profile()
    customer = ""
    if ticket is not None:
        customer = (
            ticket.customer.name if ticket.customer is not None else ticket.contact_name
        ) or ""
    values = {
        "customer": customer,
        "serial": ticket.serial if ticket is not None else "",
        "agent_no": staff.employee_no if staff is not None else "",
        "agent": (person.get_full_name() or person.username) if person is not None else "",
        "center": profile.name,
        "hotline": profile.hotline,
        "content": ticket.content[:50] if ticket is not None else "",
    }
    return placeholders.fill(template.text, values)
