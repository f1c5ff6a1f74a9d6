"""Quarantined mail from an anonymised customer's address loses the sender, and its stored
original is destroyed (kefu.core.retention)."""

from __future__ import annotations

from kefu.core import retention
from kefu.core.retention import FormerCustomer
from kefu.mail.models import QuarantinedMail


def scrub_quarantine(former: FormerCustomer) -> int:
    changed = 0
    for email in former.emails:
        mails = QuarantinedMail.objects.filter(sender__icontains=email).exclude(raw="")
        for pk, raw in mails.values_list("pk", "raw"):
            retention.delete_stored_file(str(raw or ""))
            changed += QuarantinedMail.objects.filter(pk=pk).update(raw="")
        changed += retention.scrub_rows(
            QuarantinedMail.objects.filter(sender__icontains=email),
            former,
            text=["subject"],
            clear={"sender": ""},
        )
    return changed


def register() -> None:
    """Called from MailConfig.ready."""
    retention.register_customer_scrubber("mail", scrub_quarantine)
