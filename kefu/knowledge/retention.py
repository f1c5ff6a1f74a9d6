"""An anonymised customer's open questions (待答疑问) lose the personal data in their text
and answer (kefu.core.retention)."""

from __future__ import annotations

from kefu.core import retention
from kefu.core.retention import FormerCustomer
from kefu.knowledge.models import Question
from kefu.tickets.retention import tickets_of


def scrub_questions(former: FormerCustomer) -> int:
    return retention.scrub_rows(
        Question.objects.filter(ticket__in=tickets_of(former)), former, text=["text", "answer"]
    )


def register() -> None:
    """Called from KnowledgeConfig.ready."""
    retention.register_customer_scrubber("knowledge", scrub_questions)
