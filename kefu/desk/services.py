"""The agent's desk: a request taken at the workbench or through the API."""

from __future__ import annotations

from kefu.core.actor import Actor
from kefu.desk.schemas import IntakeIn
from kefu.notices.services import create_ticket_for_notice
from kefu.tickets.models import Ticket
from kefu.tickets.services import create_ticket


def take_request(data: IntakeIn, *, actor: Actor, accept: bool) -> Ticket:
    """Record the request. About an active outage notice (``notice_id``) it is accepted at
    once and linked to the notice, in one transaction; otherwise it is a new request. Either
    way it is dispatched to ``data.department`` (and ``data.assignee``) when one is given."""
    if data.notice_id is not None:
        return create_ticket_for_notice(
            data,
            actor=actor,
            notice_id=data.notice_id,
            department=data.department,
            assignee=data.assignee,
        )
    return create_ticket(
        data, actor=actor, accept=accept, department=data.department, assignee=data.assignee
    )
