"""Retention in the ticket kernel (kefu.core.retention): the attachments kind and its ticket
part, a customer's tickets as activity, the tickets' copies of an anonymised customer, and the
legal holds' provider (kefu.tickets.holds)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.core import retention
from kefu.core.retention import Counts, FormerCustomer, Kind
from kefu.tickets.holds import held_now
from kefu.tickets.models import OPEN_STATUSES, Attachment, Ticket, TicketEvent
from kefu.tickets.search import tokenize_for_index

ATTACHMENTS = "attachments"


def _not_held(queryset: QuerySet[Attachment]) -> QuerySet[Attachment]:
    return queryset.exclude(ticket_id__in=retention.held().tickets)


def apply_attachments(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """Destroy the files of attachments uploaded before ``cutoff`` to tickets no longer open."""
    expired = Attachment.objects.filter(uploaded_at__lt=cutoff).exclude(
        ticket__status__in=OPEN_STATUSES
    )
    return retention.purge_files(expired, dry_run=dry_run, exclude_held=_not_held)


def active_customers(ids: list[int], cutoff: dt.datetime) -> set[int]:
    """Customers with a ticket received or changed since ``cutoff``, or one still open."""
    recent = Q(received_at__gte=cutoff) | Q(updated_at__gte=cutoff) | Q(status__in=OPEN_STATUSES)
    return set(
        Ticket.objects.filter(recent, customer_id__in=ids)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def tickets_of(former: FormerCustomer) -> QuerySet[Ticket]:
    """The customer's tickets, and those from one of its numbers that no customer is on."""
    mine = Q(customer_id=former.id)
    if former.numbers:
        mine |= Q(customer__isnull=True, caller_number__in=former.numbers)
    return Ticket.objects.filter(mine)


def scrub_tickets(former: FormerCustomer) -> int:
    """The caller's number and contact name cleared; the content, the customer's wishes and
    the timeline masked (search words recomputed); the attachments' files destroyed."""
    changed = 0
    tickets = tickets_of(former)
    ids = list(tickets.values_list("pk", flat=True))
    names: dict[int, str] = {}
    for pk, contact, content, desired in Ticket.objects.filter(pk__in=ids).values_list(
        "pk", "contact_name", "content", "desired_result"
    ):
        names[pk] = contact
        copy = former.with_copies(names=[contact])
        content, desired = copy.scrub(content), copy.scrub(desired)
        changed += Ticket.objects.filter(pk=pk).update(
            caller_number="",
            contact_name="",
            content=content,
            desired_result=desired,
            search_tokens=tokenize_for_index(content, desired),
        )
    for event in TicketEvent.objects.filter(ticket_id__in=ids).only(
        "pk", "ticket_id", "note", "data"
    ):
        copy = former.with_copies(names=[names.get(event.ticket_id, "")])
        note, data = copy.scrub(event.note), copy.scrub_json(event.data)
        if note != event.note or data != event.data:
            changed += TicketEvent.objects.filter(pk=event.pk).update(note=note, data=data)
    changed += retention.purge_files(Attachment.objects.filter(ticket_id__in=ids), dry_run=False)[
        "purged"
    ]
    return changed


def register() -> None:
    """Called from TicketsConfig.ready."""
    retention.register_holds(held_now)
    retention.register_kind(
        Kind(
            code=ATTACHMENTS,
            label=_("附件"),
            # Three years, as the customers': an attachment is evidence of what a customer
            # reported (photos of a leak, a contract) and outlives it only under a hold.
            default_days=3 * 365,
            description=_(
                "超过期限的附件(工单附件、会话附件、现场照片和客户签名)文件被销毁,"
                "记录保留并标注“已按保留期限销毁”;仍在处理中的工单的附件保留"
            ),
            order=40,
        )
    )
    retention.register_part(ATTACHMENTS, "tickets", apply_attachments)
    retention.register_customer_activity("tickets", active_customers)
    retention.register_customer_scrubber("tickets", scrub_tickets, late=True)
