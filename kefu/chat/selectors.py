"""Reads of the chat console: waiting chats, the agent's own, who is online."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kefu.accounts.models import StaffProfile
from kefu.chat import services
from kefu.chat.models import AgentPresence, ChatLine, ChatSession
from kefu.core.actor import Actor, user_of
from kefu.core.masking import can_view_pii, mask_phone

WAITING_SHOWN = 50


def _staff_names(user_ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = StaffProfile.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "employee_no", "display_name"
    )
    return {uid: (no, name) for uid, no, name in rows}


def console_state(actor: Actor) -> dict[str, Any]:
    """The console's whole picture, for its screen (read again on every push)."""
    person = user_of(actor)
    assert person is not None
    now = timezone.now()
    pii = can_view_pii(actor)
    presence = AgentPresence.objects.filter(user=person).first()
    online = services.online_agents()
    # A branch's agent: their branch's chats and those without one (services.chat_branches).
    waiting = list(
        ChatSession.objects.select_related("branch")
        .filter(services.chats_seen_by(actor), state=ChatSession.State.WAITING)
        .order_by("started_at", "id")[:WAITING_SHOWN]
    )
    mine = list(
        ChatSession.objects.select_related("ticket", "branch")
        .filter(state=ChatSession.State.ACTIVE, agent=person)
        .order_by("accepted_at", "id")
    )
    lines: dict[int, list[dict[str, Any]]] = {s.pk: [] for s in [*waiting, *mine]}
    by_id = {s.pk: s for s in [*waiting, *mine]}
    for line in ChatLine.objects.filter(session__in=list(by_id)).order_by("at", "id"):
        lines[line.session_id].append(services.line_payload(line, by_id[line.session_id]))
    names = _staff_names([*online, person.pk])

    def card(s: ChatSession) -> dict[str, Any]:
        return {
            "id": s.pk,
            "name": s.visitor_name,
            "phone": s.visitor_phone if pii else mask_phone(s.visitor_phone),
            "page": s.page_url,
            "branch": s.branch.name if s.branch_id and s.branch else "",
            "state": s.state,
            "started": timezone.localtime(s.started_at).strftime("%H:%M:%S"),
            "overdue": bool(
                s.first_reply_due and s.first_reply_at is None and now > s.first_reply_due
            ),
            "serial": s.ticket.serial if s.ticket_id and s.ticket else "",
            "refused": s.refused_lines,
            "lines": lines[s.pk],
        }

    return {
        "me": {
            "id": person.pk,
            "status": presence.status if presence else AgentPresence.Status.AWAY,
            "employee_no": names.get(person.pk, ("", ""))[0],
        },
        "waiting": [card(s) for s in waiting],
        "mine": [card(s) for s in mine],
        "colleagues": [
            {
                "id": uid,
                "employee_no": names.get(uid, ("", ""))[0],
                "name": names.get(uid, ("", ""))[1],
            }
            for uid in online
            if uid != person.pk
        ],
    }
