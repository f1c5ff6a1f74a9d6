"""An anonymised customer's inbound SMS keep their outcome (the channel's figures) and lose
the sender's number (masked) and the personal data in their text (kefu.core.retention)."""

from __future__ import annotations

from django.db.models import Q

from kefu.core import retention
from kefu.core.masking import mask_phone
from kefu.core.retention import FormerCustomer
from kefu.sms.models import InboundSms
from kefu.tickets.retention import tickets_of


def scrub_sms(former: FormerCustomer) -> int:
    mine = Q(ticket__in=tickets_of(former))
    if former.numbers:
        mine |= Q(sender__in=former.numbers)
    messages = InboundSms.objects.filter(mine)
    changed = retention.scrub_rows(messages, former, text=["text", "raw"])
    for pk, sender in messages.values_list("pk", "sender"):
        if sender and "*" not in sender:
            changed += InboundSms.objects.filter(pk=pk).update(sender=mask_phone(sender))
    return changed


def register() -> None:
    """Called from SmsConfig.ready."""
    retention.register_customer_scrubber("sms", scrub_sms)
