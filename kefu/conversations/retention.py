"""Retention of conversations (kefu.core.retention): messages' attachments expire with the
other attachments (their files destroyed, rows kept and marked); a message is a customer's
activity; an anonymised customer's messages lose its address, name and the personal data in
their text, and their files."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from kefu.conversations.models import Message, MessageAttachment
from kefu.core import retention
from kefu.core.retention import Counts, FormerCustomer
from kefu.tickets.models import OPEN_STATUSES

ATTACHMENTS = "attachments"  # declared by kefu.tickets.retention


def apply_attachments(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """Destroy the files of messages written before ``cutoff`` on tickets no longer open."""
    expired = MessageAttachment.objects.filter(message__at__lt=cutoff).exclude(
        message__ticket__status__in=OPEN_STATUSES
    )
    return retention.purge_files(
        expired,
        dry_run=dry_run,
        exclude_held=lambda qs: qs.exclude(message__ticket_id__in=retention.held().tickets),
    )


def active_customers(ids: list[int], cutoff: dt.datetime) -> set[int]:
    """Customers who wrote or were written to on their tickets since ``cutoff``."""
    return set(
        Message.objects.filter(ticket__customer_id__in=ids, at__gte=cutoff)
        .values_list("ticket__customer_id", flat=True)
        .distinct()
    )


def scrub_messages(former: FormerCustomer) -> int:
    """Messages on the customer's tickets, or from or to its numbers and e-mail address: the
    address and name cleared, the personal data in subject and text masked, files destroyed."""
    mine = Q(ticket__customer_id=former.id)
    addresses = former.numbers | former.emails
    if addresses:
        mine |= Q(address__in=addresses)
    changed = 0
    ids: list[int] = []
    fields = ("pk", "name", "subject", "body", "shown", "html", "thread_ids")
    for message in Message.objects.filter(mine).only(*fields):
        ids.append(message.pk)
        copy = former.with_copies(names=[message.name])
        changed += Message.objects.filter(pk=message.pk).update(
            address="",
            name="",
            subject=copy.scrub(message.subject),
            body=copy.scrub(message.body),
            shown=copy.scrub(message.shown),
            html=copy.scrub(message.html),
            thread_ids=copy.scrub_json(message.thread_ids),
        )
    changed += retention.purge_files(
        MessageAttachment.objects.filter(message_id__in=ids), dry_run=False
    )["purged"]
    return changed


def register() -> None:
    """Called from ConversationsConfig.ready."""
    retention.register_part(ATTACHMENTS, "conversations", apply_attachments)
    retention.register_customer_activity("conversations", active_customers)
    retention.register_customer_scrubber("conversations", scrub_messages)
