"""What the portal shows a customer: their request's progress in their words, its messages to
and from their number, the public knowledge articles, the areas' notices. Never a staff name
(only the 工号), never an internal note, never another customer's data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kefu.accounts.models import ServiceArea, StaffProfile
from kefu.business.models import Account, Connector, Shipment
from kefu.business.models import Kind as BusinessKind
from kefu.conversations.models import Direction, Message, MessageAttachment
from kefu.conversations.selectors import senders_tickets
from kefu.followups.models import Survey
from kefu.knowledge.models import Article, Audience
from kefu.notices.selectors import public_board
from kefu.tickets.models import Status, Ticket, TicketEvent

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# The request's state as the customer reads it.
CUSTOMER_WORDS: dict[str, StrPromise] = {
    Status.NEW: gettext_lazy("已提交,待受理"),
    Status.ACCEPTED: gettext_lazy("已受理"),
    Status.DISPATCHED: gettext_lazy("处理中"),
    Status.IN_PROGRESS: gettext_lazy("处理中"),
    Status.AWAITING_CONFIRMATION: gettext_lazy("待您确认"),
    Status.RESOLVED: gettext_lazy("已办结"),
    Status.FOLLOWED_UP: gettext_lazy("已办结"),
    Status.CLOSED: gettext_lazy("已办结"),
    Status.CANCELLED: gettext_lazy("已撤销"),
    Status.MERGED: gettext_lazy("已合并处理"),
}
STEP_WORDS: dict[str, StrPromise] = {
    Status.NEW: gettext_lazy("诉求已提交"),
    Status.ACCEPTED: gettext_lazy("客服中心已受理"),
    Status.DISPATCHED: gettext_lazy("已转相关部门处理"),
    Status.IN_PROGRESS: gettext_lazy("正在处理"),
    Status.AWAITING_CONFIRMATION: gettext_lazy("处理完毕,请您确认"),
    Status.RESOLVED: gettext_lazy("已办结"),
    Status.FOLLOWED_UP: gettext_lazy("已回访"),
    Status.CLOSED: gettext_lazy("已归档"),
    Status.CANCELLED: gettext_lazy("已撤销"),
    Status.MERGED: gettext_lazy("已与相同诉求合并处理"),
}
RATABLE = (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED)


def customer_ticket(serial: str, phone: str) -> Ticket | None:
    """The ticket ``serial`` if ``phone`` is its customer's — its number, one of its
    customer's numbers, or a number it was written from — else None (one query either way,
    whichever is wrong). A merged ticket is followed to its survivor only when the survivor
    is that phone's too; else the merged ticket itself (status 已合并, its own content and
    messages): another customer's request is never shown."""
    if not serial or not phone or "\x00" in serial:
        return None
    mine = Ticket.objects.select_related("type", "area").filter(senders_tickets(phone))
    ticket = mine.filter(serial=serial).first()
    seen: set[int] = set()
    while ticket is not None and ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        survivor = mine.filter(pk=ticket.merged_into_id).first()
        if survivor is None:
            break
        ticket = survivor
    return ticket


def public_messages(ticket: Ticket, phone: str) -> QuerySet[Message]:
    """The messages of ``ticket`` its customer at ``phone`` sees on the portal: those to and
    from that number (a mail the center sent is the mailbox's, not the portal's)."""
    return Message.objects.filter(ticket=ticket, address=phone).exclude(
        direction=Direction.OUT, channel__in=("email",)
    )


def public_file(ticket: Ticket, phone: str, file_id: int) -> MessageAttachment | None:
    """A file of a message ``phone`` sees on the portal (public_messages; never a mail's
    original), else None."""
    if not 0 < file_id < 2**63:
        return None
    return (
        MessageAttachment.objects.filter(
            pk=file_id,
            original=False,
            purged_at__isnull=True,  # destroyed by the retention job
            message__in=public_messages(ticket, phone),
        )
        .select_related("message")
        .first()
    )


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    words: str
    agent_no: str = ""


@dataclass(frozen=True)
class PublicFile:
    id: int
    name: str
    size: int
    purged: bool = False  # destroyed by the retention job: named, not downloadable


@dataclass(frozen=True)
class PublicMessage:
    at: dt.datetime
    mine: bool
    text: str
    author_no: str
    files: list[str] = field(default_factory=list)  # the names
    attachments: list[PublicFile] = field(default_factory=list)  # to download (request_file)


@dataclass(frozen=True)
class Progress:
    ticket: Ticket
    status_words: str
    steps: list[Step]
    messages: list[PublicMessage]
    can_rate: bool
    score: int | None


def _numbers(user_ids: set[int]) -> dict[int, str]:
    rows = StaffProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "employee_no")
    return dict(rows)


def progress(ticket: Ticket, phone: str) -> Progress:
    """The request as its customer sees it: the status steps (with the 工号 of who took
    them), the messages to and from ``phone``, and whether it may be rated now."""
    events = list(
        TicketEvent.objects.filter(ticket=ticket)
        .filter(
            Q(kind=TicketEvent.Kind.CREATED)
            | Q(kind=TicketEvent.Kind.STATUS)
            # a merge's step on the merged ticket (the survivor's row has no to_status)
            | Q(kind=TicketEvent.Kind.MERGED)
        )
        .order_by("at", "id")
        .values("at", "kind", "to_status", "actor_id")
    )
    messages = list(public_messages(ticket, phone).order_by("at", "id"))
    people = {e["actor_id"] for e in events if e["actor_id"]} | {
        m.author_id for m in messages if m.author_id
    }
    numbers = _numbers(people)
    steps = [Step(ticket.received_at, str(STEP_WORDS[Status.NEW]))]
    last: str = Status.NEW
    for e in events:
        status = e["to_status"]
        shown_kinds = (TicketEvent.Kind.STATUS, TicketEvent.Kind.MERGED)
        if e["kind"] not in shown_kinds or not status or status == last:
            continue
        words = STEP_WORDS.get(status)
        if words is None:
            continue
        steps.append(Step(e["at"], str(words), numbers.get(e["actor_id"], "")))
        last = status
    files: dict[int, list[PublicFile]] = {}
    for a in MessageAttachment.objects.filter(message__in=messages, original=False):
        files.setdefault(a.message_id, []).append(
            PublicFile(a.pk, a.name, a.size, a.purged_at is not None)
        )
    shown = [
        PublicMessage(
            m.at,
            m.direction == Direction.IN,
            m.text,
            numbers.get(m.author_id, "") if m.author_id else "",
            [f.name for f in files.get(m.pk, [])],
            files.get(m.pk, []),
        )
        for m in messages
    ]
    answered = (
        Survey.objects.filter(ticket=ticket, state=Survey.State.ANSWERED)
        .values_list("score", flat=True)
        .first()
    )
    return Progress(
        ticket=ticket,
        status_words=str(CUSTOMER_WORDS.get(ticket.status, ticket.get_status_display())),
        steps=steps,
        messages=shown,
        can_rate=ticket.status in RATABLE and answered is None,
        score=answered,
    )


# ---------------------------------------------------------------------------------- reference


def areas() -> list[ServiceArea]:
    return list(ServiceArea.objects.filter(is_active=True).order_by("name", "code"))


def notices_for(area_code: str) -> list:
    """The active notices of one area (all areas' when none is chosen), as the board has them."""
    board = public_board()
    if area_code:
        board = [(a, n) for a, n in board if a.code == area_code]
    return board


def public_article(article_id: int) -> Article | None:
    """A published, valid public article, or None."""
    today = timezone.localdate()
    return (
        Article.objects.filter(pk=article_id, audience=Audience.PUBLIC, live_version__isnull=False)
        .filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=today),
            Q(valid_until__isnull=True) | Q(valid_until__gte=today),
        )
        .select_related("category")
        .first()
    )


def has_public_articles() -> bool:
    return Article.objects.filter(audience=Audience.PUBLIC, live_version__isnull=False).exists()


def offers_bills() -> bool:
    """A billing system answers for accounts: a connector, else accounts in the local store."""
    if Connector.objects.filter(kind=BusinessKind.ACCOUNT, enabled=True).exists():
        return True
    return Account.objects.exists()


def offers_shipments() -> bool:
    if Connector.objects.filter(kind=BusinessKind.SHIPMENT, enabled=True).exists():
        return True
    return Shipment.objects.exists()
