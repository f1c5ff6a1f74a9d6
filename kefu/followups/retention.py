"""An anonymised customer's callbacks and surveys keep their states, outcomes and scores (the
statistics) and lose the personal data in their notes and comments (kefu.core.retention)."""

from __future__ import annotations

from kefu.core import retention
from kefu.core.retention import FormerCustomer
from kefu.followups.models import Attempt, CallbackTask, Survey
from kefu.tickets.retention import tickets_of


def scrub_followups(former: FormerCustomer) -> int:
    tickets = tickets_of(former)
    return (
        retention.scrub_rows(CallbackTask.objects.filter(ticket__in=tickets), former, text=["note"])
        + retention.scrub_rows(
            Attempt.objects.filter(task__ticket__in=tickets), former, text=["note"]
        )
        + retention.scrub_rows(Survey.objects.filter(ticket__in=tickets), former, text=["comment"])
    )


def register() -> None:
    """Called from FollowupsConfig.ready."""
    retention.register_customer_scrubber("followups", scrub_followups)
