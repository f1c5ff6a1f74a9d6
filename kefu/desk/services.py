"""The agent's desk: a request taken at the workbench or through the API."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts import org
from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.complaints.rules import route
from kefu.core import wording
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.wording import check_outbound
from kefu.desk.schemas import IntakeIn
from kefu.notices.services import create_ticket_for_notice
from kefu.notify import services as notify
from kefu.tickets.access import access_ticket
from kefu.tickets.models import Channel, ReplyMethod, Ticket, TicketEvent
from kefu.tickets.services import create_ticket, intake_department, validate_intake
from kefu.tickets.timeline import record_event
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
        scope = scope_of(actor)  # the request's branch, as intake would resolve it
        branch = (
            where.branch
            if where is not None
            else (org.branch(scope.branch_id) if scope.branch_id else org.default_branch())
        )
        routed = route(found["type"].value, area=where, category=None, branch=branch)
        if routed is not None:
            department = Guess(routed.code, found["type"].confidence)
    found["department"] = department
    return found


REPLY_VIA = (ReplyMethod.SMS, ReplyMethod.EMAIL)
# An SMS reply is split by the carrier past 70 characters; an e-mail may say more.
MAX_REPLY = 1000


def can_reply(actor: Actor) -> bool:
    """Everyone who works tickets replies to customers; quality inspectors only read."""
    scope = scope_of(actor)
    return not scope.nothing and scope.role != Role.QUALITY


def reply_to_customer(
    serial: str, *, actor: Actor, text: str, via: str, to: str = ""
) -> TicketEvent:
    """Send the customer the agent's reply (答复) by SMS or e-mail and write it on the
    timeline. The text is checked for forbidden phrases first (kefu.core.wording): refused
    under the center's block rule, nothing written; counted for the agent either way. An SMS
    goes to ``to``, else the ticket's number; an e-mail needs ``to``."""
    text = (text or "").strip()
    if not text:
        raise ServiceError(Code.INVALID, _("请填写答复内容"), field="text")
    if len(text) > MAX_REPLY:
        raise ServiceError(Code.INVALID, _("答复最长 %d 个字符") % MAX_REPLY, field="text")
    if via not in REPLY_VIA:
        raise ServiceError(Code.INVALID, _("答复方式无效"), field="via")
    if not can_reply(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权答复客户"))
    access_ticket(actor, serial)  # 404 before the wording is counted against anyone
    finding = check_outbound(
        text, actor=actor, path=f"reply_{via}", field="text", ticket_serial=serial
    )
    with transaction.atomic():
        ticket = access_ticket(actor, serial, for_update=True)
        address = (to or "").strip() or (ticket.caller_number if via == ReplyMethod.SMS else "")
        if not address:
            raise ServiceError(Code.INVALID, _("请填写答复的号码或邮箱"), field="to")
        key = f"reply:{ticket.serial}:{ticket.events.count()}"
        context = {"reply": text}
        if via == ReplyMethod.SMS:
            sent = notify.send_sms(
                address, event="ticket.reply", context=context, key=key, ticket=ticket
            )
        else:
            sent = notify.send_email(
                address, event="ticket.reply", context=context, key=key, ticket=ticket
            )
        if sent is None:
            field = "to"
            raise ServiceError(Code.INVALID, _("号码或邮箱无效:%s") % address[:60], field=field)
        event = record_event(
            ticket,
            actor=actor,
            kind=TicketEvent.Kind.NOTE,
            action="reply",
            note=text,
            data={
                "via": via,
                "to": sent.address,
                "warned": [w["phrase"] for w in finding.warnings],
            },
        )
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return event


def wording_hits(actor: Actor, text: str) -> dict:
    """The forbidden phrases in ``text`` and the center's rule, for the page to warn as the
    agent writes (kefu.core.wording)."""
    if scope_of(actor).nothing:
        raise ServiceError(Code.FORBIDDEN, _("无权操作"))
    hits = wording.find(text)
    return {
        "policy": wording.policy(),
        "hits": [
            {
                "phrase": h.phrase.text,
                "suggestion": h.phrase.suggestion,
                "start": h.start,
                "end": h.end,
            }
            for h in hits
        ],
    }


def read_back(data: IntakeIn, *, actor: Actor) -> tuple[dict, wording.Finding]:
    """The read-back (复述确认) of a request before it is saved: its checked fields (as
    ``validate_intake``) with the department saving will send it to (``dispatch_to``), and the forbidden phrases in what the agent is about to read aloud.
    The read-back quotes the customer's words, so it warns and never blocks; each phrase is
    counted for the agent."""
    cleaned = validate_intake(data, actor=actor)
    # The workbench saves with 受理 at once: the department saving will choose.
    cleaned["dispatch_to"] = intake_department(cleaned, data.department, accept=True)
    spoken = "\n".join(t for t in (cleaned["content"], cleaned["desired_result"]) if t)
    finding = check_outbound(spoken, actor=actor, path="readback", field="content", quoting=True)
    return cleaned, finding
