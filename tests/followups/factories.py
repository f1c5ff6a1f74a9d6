"""Driving tickets to resolved (complaints through their rules) for the callback tests."""

from __future__ import annotations

from kefu.complaints import services as complaints
from kefu.complaints.models import MunicipalHotline
from kefu.tickets import services as tickets
from tests.tickets.factories import make_ticket


def resolved_complaint(
    people: dict,
    *,
    klass: str = "responsible",
    content: str = "抄表员态度恶劣",
    **fields,
):
    """A complaint of class ``klass`` taken by the agent and resolved as its rules require:
    responsible — the department's approved plan (and the general manager's, for a major one)
    and the customer's confirmation; assist — the utility's hotline given; not_responsible —
    the explanation recorded. ``fields`` go to the intake (``loss_or_injury=True``: major)."""
    agent = people["agent"]
    if klass == "responsible":
        ticket = make_ticket(
            agent, type="complaint", content=content, department="repair", **fields
        )
        handler, head = people["dept_handler"], people["dept_head"]
        tickets.transition_ticket(ticket.serial, actor=handler, action="start")
        complaints.classify_complaint(ticket.serial, actor=handler, complaint_class=klass)
        complaints.propose_plan(ticket.serial, actor=handler, text="上门道歉并更换水表")
        plan = complaints.decide_plan(ticket.serial, actor=head, approve=True)
        if plan.state == "pending_gm":
            complaints.decide_plan(ticket.serial, actor=people["gm"], approve=True)
        complaints.record_confirmation(
            ticket.serial, actor=agent, method="phone", note="客户同意处理方案"
        )
        return tickets.transition_ticket(ticket.serial, actor=handler, action="resolve")
    ticket = make_ticket(agent, type="complaint", content=content, **fields)
    complaints.classify_complaint(ticket.serial, actor=agent, complaint_class=klass)
    if klass == "assist":
        hotline = MunicipalHotline.objects.filter(is_active=True).first()
        complaints.give_hotline(ticket.serial, actor=agent, hotline_id=hotline.id)
    else:
        complaints.record_explanation(ticket.serial, actor=agent, text="属于合同约定范围")
    return tickets.transition_ticket(ticket.serial, actor=agent, action="resolve")


def resolved_repair(people: dict, **fields):
    """A repair request dispatched, done and resolved by the department."""
    ticket = make_ticket(people["agent"], department="repair", **fields)
    handler = people["dept_handler"]
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    return tickets.transition_ticket(ticket.serial, actor=handler, action="resolve")
