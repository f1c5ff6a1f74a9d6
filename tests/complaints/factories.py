"""Complaints for tests: recorded through intake, and driven through the process."""

from __future__ import annotations

from kefu.complaints import services as complaints
from kefu.tickets import services as tickets
from tests.tickets.factories import make_ticket


def make_complaint(actor, *, content="抄表员态度恶劣", **fields):
    return make_ticket(actor, type="complaint", content=content, **fields)


def resolve_responsible(ticket, *, agent, handler, head, gm=None, department="repair"):
    """Through the whole responsibility path to resolved: dispatch, start, classify, plan,
    approval (the general manager's too when major), the customer's confirmation, resolve."""
    serial = ticket.serial
    if ticket.department_id is None:
        tickets.transition_ticket(serial, actor=agent, action="dispatch", department=department)
    tickets.transition_ticket(serial, actor=handler, action="start")
    complaints.classify_complaint(serial, actor=handler, complaint_class="responsible")
    complaints.propose_plan(serial, actor=handler, text="向客户道歉,对抄表员批评教育")
    plan = complaints.decide_plan(serial, actor=head, approve=True)
    if plan.state == "pending_gm":
        complaints.decide_plan(serial, actor=gm, approve=True)
    tickets.transition_ticket(serial, actor=handler, action="request_confirmation")
    complaints.record_confirmation(serial, actor=agent, method="phone", note="客户电话确认接受")
    return tickets.transition_ticket(serial, actor=agent, action="resolve")
