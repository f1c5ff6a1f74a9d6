"""Reads of the conversation: a ticket's thread as the ticket page and the API show it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.conversations.models import Direction, Message, MessageAttachment
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker, can_view_pii
from kefu.customers.models import CustomerPhone
from kefu.notify.models import Delivery
from kefu.tickets.access import visible_tickets
from kefu.tickets.models import Ticket

# A message's delivery state as the thread says it.
POSTED = "posted"
RECEIVED = "received"
STATE_LABELS = {
    RECEIVED: _("已收到"),
    POSTED: _("已发布"),
    Delivery.Status.QUEUED: _("待发送"),
    Delivery.Status.SENDING: _("发送中"),
    Delivery.Status.SENT: _("已发送"),
    Delivery.Status.FAILED: _("发送失败,将重试"),
    Delivery.Status.GAVE_UP: _("发送失败"),
    Delivery.Status.UNCERTAIN: _("待核实(可能已发出)"),
}


@dataclass(frozen=True)
class ThreadFile:
    id: int
    name: str
    size: int
    content_type: str
    original: bool
    purged: bool = False  # destroyed by the retention job: named, not downloadable


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    channel: str
    channel_label: str
    direction: str
    at: object
    author: str
    address: str  # masked for a viewer without core.view_pii
    name: str
    subject: str
    text: str  # trimmed (quotes and signature) for an incoming mail
    body: str  # whole
    trimmed: bool
    state: str
    state_label: str
    error: str
    automatic: bool
    auto_submitted: bool
    files: list[ThreadFile]


def state_of(message: Message) -> str:
    if message.direction == Direction.IN:
        return RECEIVED
    if message.delivery is None:
        return POSTED
    return str(message.delivery.status)


def messages_of(ticket: Ticket) -> QuerySet[Message]:
    """``ticket``'s messages in and out, oldest first, with what the thread shows of each."""
    return (
        Message.objects.filter(ticket=ticket)
        .select_related("author", "author__staff", "delivery")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def senders_tickets(address: str) -> Q:
    """The tickets whose customer ``address`` (normalised: kefu.conversations.services.
    clean_address) is: the ticket's number, one of its customer's numbers or its customer's
    e-mail address, or an address it was written from — not in automatic mail, which anyone
    may send with any header. The one rule of whose a ticket is, for every channel and the
    portal."""
    wrote = Message.objects.filter(
        ticket_id=OuterRef("pk"), direction=Direction.IN, address=address, auto_submitted=False
    )
    if "@" in address:
        return Q(customer__email=address) | Q(Exists(wrote))
    phones = CustomerPhone.objects.filter(customer_id=OuterRef("customer_id"), number=address)
    return Q(caller_number=address) | Q(Exists(phones)) | Q(Exists(wrote))


def thread(ticket: Ticket, viewer: Actor | None) -> list[ThreadMessage]:
    """Every message of ``ticket`` in and out, oldest first, as ``viewer`` may see it."""
    return shaped(list(messages_of(ticket)), viewer)


def shaped(rows: list[Message], viewer: Actor | None) -> list[ThreadMessage]:
    masker = Masker(viewer)
    out = []
    for m in rows:
        state = state_of(m)
        author = ""
        if m.author is not None:
            staff = getattr(m.author, "staff", None)
            number = f"[{staff.employee_no}]" if staff is not None else ""
            author = (m.author.get_full_name() or m.author.username) + number
        out.append(
            ThreadMessage(
                id=m.pk,
                channel=m.channel,
                channel_label=str(m.get_channel_display()),
                direction=m.direction,
                at=m.at,
                author=author,
                address=masker.contact(m.address),
                name=m.name,
                subject=m.subject,
                text=m.text,
                body=m.body,
                trimmed=bool(m.shown) and m.shown != m.body,
                state=state,
                state_label=str(STATE_LABELS.get(state, state)),
                error=m.delivery.last_error[:200] if m.delivery is not None else "",
                automatic=m.automatic,
                auto_submitted=m.auto_submitted,
                files=[
                    ThreadFile(
                        a.pk, a.name, a.size, a.content_type, a.original, a.purged_at is not None
                    )
                    for a in m.attachments.all()
                    # The original .eml holds the sender's address unmasked.
                    if masker.full or not a.original
                ],
            )
        )
    return out


def message_file(actor: Actor | None, file_id: int) -> MessageAttachment:
    """A message's attachment if ``actor`` may see its ticket (a mail's original .eml only
    with the right to see personal data), else NOT_FOUND."""
    found = MessageAttachment.objects.select_related("message").filter(pk=file_id).first()
    if (
        found is None
        or found.purged_at is not None  # destroyed by the retention job
        or (found.original and not can_view_pii(actor))  # the sender's address in full
        or not visible_tickets(actor).filter(pk=found.message.ticket_id).exists()
    ):
        raise ServiceError(Code.NOT_FOUND, _("附件不存在或无权查看"))
    return found
