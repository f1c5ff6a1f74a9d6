"""An anonymised customer's web chats lose the visitor's name, phone and address, and the
personal data in their lines (kefu.core.retention)."""

from __future__ import annotations

from django.db.models import Q

from kefu.chat.models import ChatLine, ChatSession
from kefu.core import retention
from kefu.core.retention import FormerCustomer
from kefu.tickets.retention import tickets_of


def scrub_chats(former: FormerCustomer) -> int:
    mine = Q(ticket__in=tickets_of(former))
    if former.numbers:
        mine |= Q(visitor_phone__in=former.numbers)
    sessions = ChatSession.objects.filter(mine)
    changed = retention.scrub_rows(
        sessions,
        former,
        names=["visitor_name"],
        clear={"visitor_name": "", "visitor_phone": "", "ip": None, "user_agent": ""},
    )
    changed += retention.scrub_rows(
        ChatLine.objects.filter(session__in=sessions), former, text=["text"]
    )
    return changed


def register() -> None:
    """Called from ChatConfig.ready."""
    retention.register_customer_scrubber("chat", scrub_chats)
