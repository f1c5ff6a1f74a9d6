"""An anonymised customer's complaints keep their class, severity and outcome (the monthly
statistics) and lose the personal data in their texts (kefu.core.retention)."""

from __future__ import annotations

from kefu.complaints.models import Complaint
from kefu.core import retention
from kefu.core.retention import FormerCustomer
from kefu.tickets.retention import tickets_of


def scrub_complaints(former: FormerCustomer) -> int:
    return retention.scrub_rows(
        Complaint.objects.filter(ticket__in=tickets_of(former)),
        former,
        text=[
            "explanation",
            "reply_text",
            "confirmation_note",
            "cause",
            "corrective_action",
        ],
    )


def register() -> None:
    """Called from ComplaintsConfig.ready."""
    retention.register_customer_scrubber("complaints", scrub_complaints)
