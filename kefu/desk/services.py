"""The agent's desk: a request taken at the workbench or through the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts import org
from kefu.accounts.scope import scope_of
from kefu.complaints.rules import route
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.desk.schemas import IntakeIn
from kefu.notices.services import create_ticket_for_notice
from kefu.tickets.models import Channel, Ticket
from kefu.tickets.services import create_ticket
from kefu.triage import services as triage
from kefu.triage.learn import Guess


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


def suggest(actor: Actor, *, text: str, channel: str, area: str = "") -> dict[str, Guess]:
    """What triage proposes for a request as the agent types it. A department the model is
    not sure of is taken from the routing table (派单规则) for the guessed type and the area,
    as intake would route it; none when the table names none."""
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权受理"))
    if channel and channel not in Channel.values:
        raise ServiceError(Code.INVALID, _("渠道无效"), field="channel")
    found = triage.predict(text, channel)
    department = found["department"]
    active = dict(org.department_choices())
    if department.value is not None and department.value not in active:
        department = Guess(None, 0.0)
    if department.value is None and found["type"].value:
        where = org.area_by_code(area) if area else None
        routed = route(found["type"].value, area=where, category=None)
        if routed is not None:
            department = Guess(routed.code, found["type"].confidence)
    found["department"] = department
    return found
