"""The customer portal's rules: SMS codes that prove a phone number, rate limits counted in
the database, submitting a request (with photos), following it, writing again, rating it,
and the business systems' answers (bill, shipment) for the number's own account.

Nobody logs in. A customer proves a mobile number with a 6-digit code (10 minutes, 5 wrong
tries, once); the proof is a signed token good for ``VERIFIED_MINUTES`` that the web pages
keep in the session and an app sends back. A wrong serial and a wrong phone get the same
answer, so neither can be found out by trying; the lookups that fail (and every bill or
shipment lookup) are counted per client address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import mimetypes
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import ServiceArea
from kefu.business.adapters import AccountInfo, ShipmentInfo, State, adapter_for
from kefu.business.models import Kind as BusinessKind
from kefu.complaints.rules import route
from kefu.conversations.models import MessageAttachment
from kefu.conversations.services import Inbound, InboundFile, receive
from kefu.core.clients import client_address
from kefu.core.errors import Code, ServiceError, refuse_nul
from kefu.core.masking import mask_address
from kefu.core.phones import is_mobile, normalize_phone
from kefu.core.said import said
from kefu.dispatch.models import Source
from kefu.dispatch.schemas import OrderIn
from kefu.dispatch.services import create_order
from kefu.followups.services import rate_ticket
from kefu.frontdesk.models import Category, LossReport
from kefu.frontdesk.services import REPORT_PREFIX, LossReportIn, report_loss_online
from kefu.notify.services import send_sms
from kefu.portal.models import PhoneCode, PortalThrottle
from kefu.portal.selectors import customer_ticket, public_file
from kefu.tickets.models import Status, Ticket, TicketEvent, TicketType
from kefu.tickets.timeline import record_event

logger = logging.getLogger(__name__)

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
# Codes to one number: one a minute, five an hour; to one client address twenty an hour.
PHONE_GAP_SECONDS = 60
PHONE_PER_HOUR = 5
CLIENT_PER_HOUR = 20
VERIFIED_MINUTES = 30
# Lookups per client address (a request's: only those that fail; bill, shipment: each);
# requests per address and per number.
LOOKUPS = ("lookup", 10, dt.timedelta(minutes=10))
SUBMITS = ("submit", 10, dt.timedelta(hours=1))
SUBMITS_PER_PHONE = ("submit-phone", 5, dt.timedelta(hours=1))
MESSAGES = ("message", 20, dt.timedelta(hours=1))
MAX_PHOTOS = 5
MAX_CONTENT = 2000
MAX_MESSAGE = 1000
MAX_NAME = 40
MAX_ADDRESS = 200
TOKEN_SALT = "kefu.portal.phone"


def not_found() -> ServiceError:
    """The one answer for a wrong serial and a wrong phone alike."""
    return ServiceError(Code.NOT_FOUND, _("未找到该工单,请核对工单号和手机号"), field="serial")


def _keyed(kind: str, value: str) -> str:
    key = str(settings.SECRET_KEY).encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def client_key(address: str) -> str:
    """The keyed hash of a client's address: counted, never stored in the clear."""
    return _keyed("client", address or "-")


def client_of(request) -> str:
    """The keyed hash of a request's client address (behind the reverse proxies named in
    KEFU_TRUSTED_PROXIES, the address they forward)."""
    return client_key(client_address(request) or "")


def mobile_number(raw: str, field: str = "phone") -> str:
    refuse_nul(raw or "", field)
    phone = normalize_phone((raw or "")[:40])
    if not is_mobile(phone):
        raise ServiceError(Code.INVALID, _("请填写正确的手机号"), field=field)
    return phone


# ---------------------------------------------------------------------------------- throttles


def throttle(scope: tuple[str, int, dt.timedelta], key: str) -> None:
    """Count one request of ``scope`` (name, limit, window) for ``key``; TOO_MANY (nothing
    counted) when the window already holds the limit. Rows in the database: every server
    process counts the same."""
    name, limit, window = scope
    now = timezone.now()
    used = PortalThrottle.objects.filter(scope=name, key=key, at__gt=now - window).count()
    if used >= limit:
        raise ServiceError(Code.TOO_MANY, _("操作太频繁,请稍后再试"))
    PortalThrottle.objects.create(scope=name, key=key, at=now)


def check_throttle(scope: tuple[str, int, dt.timedelta], key: str) -> None:
    """TOO_MANY when the window of ``scope`` already holds its limit for ``key``; counts
    nothing (the failures that count are counted by throttle)."""
    name, limit, window = scope
    since = timezone.now() - window
    if PortalThrottle.objects.filter(scope=name, key=key, at__gt=since).count() >= limit:
        raise ServiceError(Code.TOO_MANY, _("操作太频繁,请稍后再试"))


# ---------------------------------------------------------------------------------- SMS codes


@dataclass(frozen=True)
class CodeSent:
    phone: str
    expires_at: dt.datetime


def send_code(raw_phone: str, *, purpose: str, client: str) -> CodeSent:
    """Text a new 6-digit code to a mobile number. The same answer whether the number is a
    customer's or not. Raises INVALID for a number that is not a mobile, TOO_MANY past the
    limits (per number: one a minute, five an hour; per client address: twenty an hour);
    nothing is sent then."""
    phone = mobile_number(raw_phone)
    if purpose not in PhoneCode.Purpose.values:
        purpose = PhoneCode.Purpose.SUBMIT
    now = timezone.now()
    with transaction.atomic():
        recent = PhoneCode.objects.filter(phone=phone, created_at__gt=now - dt.timedelta(hours=1))
        if recent.filter(created_at__gt=now - dt.timedelta(seconds=PHONE_GAP_SECONDS)).exists():
            raise ServiceError(Code.TOO_MANY, _("验证码已发送,请 1 分钟后再试"), field="phone")
        if recent.count() >= PHONE_PER_HOUR:
            raise ServiceError(
                Code.TOO_MANY, _("该号码获取验证码过于频繁,请稍后再试"), field="phone"
            )
        hour_ago = now - dt.timedelta(hours=1)
        if PhoneCode.objects.filter(client=client, created_at__gt=hour_ago).count() >= (
            CLIENT_PER_HOUR
        ):
            raise ServiceError(Code.TOO_MANY, _("操作太频繁,请稍后再试"), field="phone")
        code = f"{secrets.randbelow(10**6):06d}"
        row = PhoneCode.objects.create(
            phone=phone,
            code_hash=_keyed(f"code:{phone}", code),
            purpose=purpose,
            client=client,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
        send_sms(
            phone,
            event="portal.code",
            context={"passcode": code, "minutes": str(CODE_MINUTES)},
            key=f"portal-code:{row.pk}",
        )
    return CodeSent(phone, row.expires_at)


def verify_code(raw_phone: str, code: str) -> str:
    """Check the code last texted to the number; the proof (a signed token, good for
    ``VERIFIED_MINUTES``). Each wrong try counts; a code is used once and dies after
    ``MAX_ATTEMPTS`` wrong tries or ``CODE_MINUTES``. Raises INVALID naming ``code``."""
    return _use_code(raw_phone, code)[0]


@contextmanager
def code_proof(raw_phone: str, code: str) -> Iterator[str]:
    """The proof of a code just texted (as verify_code), used up only when the block
    succeeds: a request refused inside it (a ServiceError: an empty field, a wrong serial)
    gives the code back, so a corrected retry with the same code works. A wrong code counts
    and raises before the block."""
    token, row_pk, used_at = _use_code(raw_phone, code)
    try:
        yield token
    except ServiceError:
        PhoneCode.objects.filter(pk=row_pk, used_at=used_at).update(used_at=None)
        raise


def _use_code(raw_phone: str, code: str) -> tuple[str, int, dt.datetime]:
    """verify_code's check: the proof, the code's row and when it was used."""
    phone = mobile_number(raw_phone)
    code = (code or "").strip()
    wrong = ServiceError(Code.INVALID, _("验证码错误或已失效,请重新获取"), field="code")
    now = timezone.now()
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.attempts >= MAX_ATTEMPTS:
            raise wrong
        if not (
            code.isdigit() and hmac.compare_digest(row.code_hash, _keyed(f"code:{phone}", code))
        ):
            # The wrong try must count although the answer is an error: the block is left
            # normally (committed) and the error raised after it.
            PhoneCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            counted = True
        else:
            counted = False
            row.used_at = now
            row.save(update_fields=["used_at"])
    if counted:
        raise wrong
    return proof(phone), row.pk, now


def proof(phone: str) -> str:
    return signing.dumps({"p": phone}, salt=TOKEN_SALT, compress=False)


def verified_phone(token: str | None) -> str:
    """The number a token proves, or "" when it is missing, forged or older than
    ``VERIFIED_MINUTES``."""
    if not token:
        return ""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=VERIFIED_MINUTES * 60)
    except signing.BadSignature:
        return ""
    phone = data.get("p", "") if isinstance(data, dict) else ""
    return phone if isinstance(phone, str) and is_mobile(phone) else ""


def require_phone(token: str | None) -> str:
    phone = verified_phone(token)
    if not phone:
        raise ServiceError(Code.FORBIDDEN, _("请先验证手机号"), field="code")
    return phone


# ---------------------------------------------------------------------------------- photos

IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_type(data: bytes) -> str:
    """The image type by the file's first bytes (not by its name or the type sent), or ""."""
    for magic, content_type in IMAGE_MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return ""


# The extension a photo is stored and served under, by the type its bytes show.
IMAGE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
}


def photo_name(name: str, kind: str) -> str:
    """The photo's name without its folders, with the extension of ``kind`` (the type its
    bytes show) unless it already has one of that type: "x.html" of a PNG is "x.png", so
    neither the storage nor a download ever takes it for a page."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    name = name[:100] or "photo"
    if mimetypes.guess_type(name)[0] == kind:
        return name
    stem = name.rsplit(".", 1)[0].strip() if "." in name else name
    return f"{stem or 'photo'}.{IMAGE_EXTENSIONS[kind]}"


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes


def checked_photos(photos: list[Photo]) -> list[InboundFile]:
    """At most ``MAX_PHOTOS`` images within KEFU_MAX_UPLOAD_MB each, checked by their bytes;
    INVALID / TOO_LARGE naming ``photos`` otherwise."""
    photos = [p for p in photos if p.data or p.name]
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(Code.INVALID, _("最多上传 %d 张照片") % MAX_PHOTOS, field="photos")
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    files = []
    for photo in photos:
        if len(photo.data) > limit:
            raise ServiceError(
                Code.TOO_LARGE, _("照片不能超过 %d MB") % settings.MAX_UPLOAD_MB, field="photos"
            )
        kind = image_type(photo.data)
        if not kind:
            raise ServiceError(
                Code.INVALID, _("只能上传照片(JPEG、PNG、GIF、WebP)"), field="photos"
            )
        name = photo_name(photo.name, kind)
        files.append(InboundFile(name=name, content_type=kind, data=photo.data))
    return files


# ---------------------------------------------------------------------------------- submit


@dataclass(frozen=True)
class Submitted:
    serial: str
    work_order: str = ""


def public_types() -> list[TicketType]:
    return list(TicketType.objects.filter(is_public=True, is_active=True).order_by("order", "id"))


def _text(value: str | None, field: str, limit: int, *, required: str = "") -> str:
    value = (value or "").strip()
    refuse_nul(value, field)
    if required and not value:
        raise ServiceError(Code.INVALID, required, field=field)
    if len(value) > limit:
        raise ServiceError(Code.INVALID, _("最多 %d 个字") % limit, field=field)
    return value


LOSS_REPORTS = ("loss", 10, dt.timedelta(hours=1))
LOSS_REPORTS_PER_PHONE = ("loss-phone", 5, dt.timedelta(hours=1))


def report_loss(
    token: str | None,
    *,
    owner_name: str,
    category: str,
    description: str,
    lost_place: str,
    lost_at: dt.datetime | None,
    honeypot: str = "",
    client: str,
) -> str:
    """失物登记 by the owner (kefu.frontdesk's loss report on the ``portal`` channel, matched
    against the found items like any other); the owner is texted its number. Returns the
    report's number. The honeypot filled: a made-up number, nothing recorded. Raises FORBIDDEN
    without a proved phone, INVALID naming the field, TOO_MANY past the limits (10 an hour per
    address, 5 per number); nothing is written then."""
    if (honeypot or "").strip():
        logger.warning("portal: honeypot filled from %s, nothing recorded", client[:12])
        return f"{REPORT_PREFIX}{timezone.localdate():%y%m%d}{secrets.randbelow(900) + 100:03d}"
    phone = require_phone(token)
    data = LossReportIn(
        channel=LossReport.Channel.PORTAL,
        owner_name=owner_name,
        owner_phone=phone,
        category=category,
        description=description,
        lost_place=lost_place,
        lost_at=lost_at,
    )
    check_throttle(LOSS_REPORTS, client)
    check_throttle(LOSS_REPORTS_PER_PHONE, _keyed("phone", phone))
    with transaction.atomic():
        report = report_loss_online(phone, data)
        throttle(LOSS_REPORTS, client)
        throttle(LOSS_REPORTS_PER_PHONE, _keyed("phone", phone))
    return report.serial


def loss_categories() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Category.choices]


def submit_request(
    token: str | None,
    *,
    type_code: str,
    content: str,
    contact_name: str = "",
    address: str = "",
    area: str = "",
    photos: list[Photo] | None = None,
    honeypot: str = "",
    client: str,
) -> Submitted:
    """A customer's request from the portal, through the conversation's intake (a new
    ticket on the web channel, its first-reply time limit, routing, triage). A type that is
    dispatched as a work order (TicketType.work_order_kind) also gets its web order, which
    waits for 电话核实 before anyone is sent — when the routing table names its department.

    The honeypot filled (a robot): the same answer as accepted, nothing recorded, logged.
    Raises FORBIDDEN without a proved phone, INVALID / TOO_LARGE naming the field, TOO_MANY
    past the limits; nothing is written then."""
    if (honeypot or "").strip():
        logger.warning("portal: honeypot filled from %s, nothing recorded", client[:12])
        day = timezone.localdate().strftime("%y%m%d")
        return Submitted(f"{day}{secrets.randbelow(900) + 100:03d}")
    phone = require_phone(token)
    kind = TicketType.objects.filter(code=(type_code or "")[:30], is_public=True, is_active=True)
    ticket_type = kind.first()
    if ticket_type is None:
        raise ServiceError(Code.INVALID, _("请选择诉求类型"), field="type")
    content = _text(content, "content", MAX_CONTENT, required=_("请填写诉求内容"))
    contact_name = _text(contact_name, "contact_name", MAX_NAME)
    needs_address = bool(ticket_type.work_order_kind)
    address = _text(
        address, "address", MAX_ADDRESS, required=_("请填写地址") if needs_address else ""
    )
    area = (area or "").strip()[:30]
    if area and not ServiceArea.objects.filter(code=area, is_active=True).exists():
        raise ServiceError(Code.INVALID, _("片区不存在"), field="area")
    files = checked_photos(photos or [])
    throttle(SUBMITS, client)
    throttle(SUBMITS_PER_PHONE, _keyed("phone", phone))
    body = f"{content}\n地址:{address}" if address else content
    with transaction.atomic():
        got = receive(
            Inbound(
                channel="web",
                address=phone,
                phone=phone,
                body=body,
                contact_name=contact_name,
                type=ticket_type.code,
                area=area,
                files=files,
            )
        )
        ticket = got.ticket
        order = ""
        if got.created and ticket_type.work_order_kind:
            order = _web_order(ticket, ticket_type, phone, contact_name, address, content)
    return Submitted(ticket.serial, order)


def _web_order(
    ticket: Ticket, ticket_type: TicketType, phone: str, name: str, address: str, content: str
) -> str:
    """The web order of a request dispatched as a work order: to the ticket's department,
    else the routing table's; none (the agent makes it on accepting) when neither says."""
    department = ticket.department or route(
        ticket_type.code, area=ticket.area, category=None, branch=ticket.branch
    )
    if department is None:
        logger.info("portal: %s has no department yet, no web order", ticket.serial)
        return ""
    order = create_order(
        OrderIn(
            kind=ticket_type.work_order_kind,
            department=department.code,
            source=Source.WEB,
            ticket=ticket.serial,
            customer_name=name,
            customer_phone=phone,
            address=address,
            goods=content[:200],
            area=ticket.area.code if ticket.area_id and ticket.area else "",
        ),
        actor=None,
        ticket=ticket.serial,
    )
    return order.serial


# ---------------------------------------------------------------------------------- tracking


def _lookup(phone: str, serial: str, *, client: str, missing: ServiceError | None = None) -> Ticket:
    """The proved number's request ``serial`` (customer_ticket). Only a lookup that fails
    counts against the client (LOOKUPS): a customer may view their own request as often as
    they like, a client trying serials or numbers is stopped — and once stopped, is stopped
    for a right guess too (TOO_MANY before looking), so the limit tells nothing."""
    check_throttle(LOOKUPS, client)
    ticket = customer_ticket((serial or "").strip()[:16], phone)
    if ticket is None:
        throttle(LOOKUPS, client)
        raise missing or not_found()
    return ticket


def find_request(token: str | None, serial: str, *, client: str) -> Ticket:
    """The request ``serial`` of the proved number (a merged one's survivor when that is the
    number's too). The one NOT_FOUND answer for a wrong serial and a wrong phone; only those
    count as the client's lookups."""
    phone = require_phone(token)
    return _lookup(phone, serial, client=client)


def add_message(
    token: str | None,
    serial: str,
    *,
    body: str,
    photos: list[Photo] | None = None,
    client: str,
) -> Ticket:
    """One more message from the customer on their request (the conversation's receive: a
    closed request gets a new one that names it); the ticket it is on. A request merged into
    another customer's (customer_ticket stops at it) passes nothing on to that one: the
    message starts a new request of the number's, which names the merged one."""
    phone = require_phone(token)
    body = _text(body, "body", MAX_MESSAGE, required=_("请填写留言内容"))
    files = checked_photos(photos or [])
    ticket = _lookup(phone, serial, client=client)
    throttle(MESSAGES, client)
    if ticket.status != Status.MERGED:
        got = receive(
            Inbound(channel="web", serial=ticket.serial, address=phone, body=body, files=files)
        )
        return got.ticket
    with transaction.atomic():
        got = receive(
            Inbound(
                channel="web",
                address=phone,
                phone=phone,
                body=body,
                files=files,
                type=ticket.type.code if ticket.type_id else "",
                area=ticket.area.code if ticket.area_id and ticket.area else "",
            )
        )
        record_event(
            got.ticket,
            actor=None,
            kind=TicketEvent.Kind.NOTE,
            action="portal_follows",
            note=said(
                gettext_noop("续工单 %(serial)s(该工单已并入其他工单)"), serial=ticket.serial
            ),
            data={"follows": ticket.serial},
        )
    return got.ticket


def rate_request(
    token: str | None, serial: str, *, score, comment: str = "", client: str
) -> Ticket:
    """The customer's 1–5 rating of their resolved request (kefu.followups' survey)."""
    phone = require_phone(token)
    ticket = _lookup(phone, serial, client=client)
    rate_ticket(ticket.pk, score=score, comment=comment or "")
    return ticket


def request_file(token: str | None, serial: str, file_id: int, *, client: str) -> MessageAttachment:
    """A file of the request's conversation that the proved number sees on the portal (one
    it sent, one the center posted for it): NOT_FOUND otherwise, counted as a lookup of the
    client, the same answer for a wrong serial, phone or file."""
    phone = require_phone(token)
    missing = ServiceError(Code.NOT_FOUND, _("附件不存在"), field="file")
    ticket = _lookup(phone, serial, client=client, missing=missing)
    found = public_file(ticket, phone, file_id)
    if found is None:
        throttle(LOOKUPS, client)
        raise missing
    return found


# ---------------------------------------------------------------------------------- business


@dataclass(frozen=True)
class Bill:
    account_no: str
    owner: str
    address: str
    balance: str
    arrears: str
    bills: list[dict] = field(default_factory=list)


def _mask_name(name: str) -> str:
    return (name[:1] + "*" * min(len(name) - 1, 3)) if name else ""


def _missed(error: ServiceError, client: str) -> ServiceError:
    """``error``, the lookup's miss counted against the client (LOOKUPS)."""
    throttle(LOOKUPS, client)
    return error


def unavailable() -> ServiceError:
    return ServiceError(Code.CONFLICT, _("业务系统暂不可用,请稍后再试或致电客服热线"))


def lookup_bill(token: str | None, account_no: str, *, client: str) -> Bill:
    """The account's arrears, balance and last bills, for the number that owns it (the
    account's phone); masked. The same NOT_FOUND for an unknown account and another's."""
    phone = require_phone(token)
    check_throttle(LOOKUPS, client)  # only misses count, as for requests (_lookup)
    account_no = (account_no or "").strip()[:40]
    refuse_nul(account_no, "account_no")
    missing = ServiceError(Code.NOT_FOUND, _("未找到该户号,请核对户号和手机号"), field="account_no")
    if not account_no:
        raise _missed(missing, client)
    outcome = adapter_for(BusinessKind.ACCOUNT).account(account_no)
    if outcome.state in (State.UNAVAILABLE, State.SLOW):
        raise unavailable()
    info: AccountInfo | None = outcome.data
    if info is None or normalize_phone(info.phone) != phone:
        raise _missed(missing, client)
    return Bill(
        account_no=info.account_no,
        owner=_mask_name(info.owner),
        address=mask_address(info.address),
        balance=f"{info.balance:.2f}",
        arrears=f"{info.arrears:.2f}",
        bills=[
            {"period": b.period, "usage": b.usage, "amount": f"{b.amount:.2f}", "paid": b.paid}
            for b in info.bills
        ],
    )


def lookup_shipment(waybill: str, phone_tail: str, *, client: str) -> ShipmentInfo:
    """A shipment by its 托运单号 and the last four digits of its phone; the same NOT_FOUND
    for an unknown waybill and wrong digits. Places kept, phones left out."""
    check_throttle(LOOKUPS, client)  # only misses count: guessing the digits is missing
    waybill = (waybill or "").strip()[:40]
    tail = (phone_tail or "").strip()
    refuse_nul(waybill, "waybill")
    missing = ServiceError(
        Code.NOT_FOUND, _("未找到该运单,请核对托运单号和手机尾号"), field="waybill"
    )
    if not waybill or not re.fullmatch(r"\d{4}", tail):
        raise _missed(missing, client)
    outcome = adapter_for(BusinessKind.SHIPMENT).shipments(waybill=waybill)
    if outcome.state in (State.UNAVAILABLE, State.SLOW):
        raise unavailable()
    found = [s for s in outcome.data or [] if s.waybill == waybill]
    if not found or not found[0].phone or normalize_phone(found[0].phone)[-4:] != tail:
        raise _missed(missing, client)
    shipment = found[0]
    return ShipmentInfo(
        shipment.waybill,
        shipment.status,
        shipment.origin,
        shipment.destination,
        "",
        list(shipment.events),
    )


# ---------------------------------------------------------------------------------- sweep

KEEP = dt.timedelta(days=1)  # longer than every window above: counting is never cut short


def sweep_portal_records(now: dt.datetime | None = None) -> int:
    """Delete the codes and counters no limit counts any longer (a day old): they are not a
    request's history (the ticket and its messages are), only the guard's scratch rows."""
    cutoff = (now or timezone.now()) - KEEP
    codes, _ = PhoneCode.objects.filter(created_at__lt=cutoff).delete()
    counted, _ = PortalThrottle.objects.filter(at__lt=cutoff).delete()
    return codes + counted
