"""Notifications and retention (kefu.core.retention): the messages sent to an anonymised
customer keep their status (the delivery figures) and lose the address (masked) and the
personal data in their text; the staff's notices about its tickets are masked the same way.
An SMS opt-out (退订) in force keeps its number: it must go on keeping notices from it."""

from __future__ import annotations

from django.db.models import Q

from kefu.core import retention
from kefu.core.masking import mask_contact, mask_phone
from kefu.core.retention import FormerCustomer
from kefu.notify.models import Delivery, Notification, SmsOptOut
from kefu.tickets.retention import tickets_of


def scrub_notifications(former: FormerCustomer) -> int:
    tickets = tickets_of(former)
    addresses = former.numbers | former.emails
    deliveries = Delivery.objects.filter(Q(ticket__in=tickets) | Q(address__in=addresses))
    changed = retention.scrub_rows(
        deliveries, former, text=["subject", "body", "last_error"], json=["headers"]
    )
    for pk, key, channel, address in deliveries.filter(address__in=addresses).values_list(
        "pk", "key", "channel", "address"
    ):
        masked = retention.unique_value(
            Delivery,
            "address",
            mask_contact(address),
            pk,
            together={"key": key, "channel": channel},
        )
        changed += Delivery.objects.filter(pk=pk).update(address=masked)
    changed += retention.scrub_rows(
        Notification.objects.filter(ticket__in=tickets), former, text=["title", "body"]
    )
    for pk, phone in SmsOptOut.objects.filter(
        revoked_at__isnull=False, phone__in=former.numbers
    ).values_list("pk", "phone"):
        changed += SmsOptOut.objects.filter(pk=pk).update(phone=mask_phone(phone))
    return changed


def register() -> None:
    """Called from NotifyConfig.ready."""
    retention.register_customer_scrubber("notify", scrub_notifications)
