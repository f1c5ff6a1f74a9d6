"""Clocks when the work is not done once: cancelled after a breach, reopened because the
customer is not satisfied, moved by a later severity."""

import datetime as dt
from zoneinfo import ZoneInfo

from kefu.complaints import services as complaints
from kefu.core.calendar import WorkingCalendar
from kefu.followups import services as followups
from kefu.followups.models import CallbackTask
from kefu.notify.models import Notification
from kefu.sla.escalation import escalate
from kefu.sla.models import Deadline
from kefu.sla.services import sweep
from kefu.tickets import services as tickets
from tests.complaints.factories import make_complaint, resolve_responsible

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def clock(ticket, code: str) -> Deadline:
    return Deadline.objects.get(ticket=ticket, code=code)


def test_a_cancelled_ticket_climbs_no_further(people, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    agent = people["agent"]
    ticket = make_complaint(agent, department="repair")
    sweep(at("2025-03-17 10:10"))  # the department's reaction is overdue
    time_machine.move_to(at("2025-03-17 10:20"), tick=False)
    tickets.transition_ticket(ticket.serial, actor=agent, action="cancel", note="客户撤回")
    react = clock(ticket, "react")
    assert (react.state, react.next_escalation_at) == ("breached", None)  # the breach stays
    assert escalate(at("2025-03-17 14:00")) == 0


def test_an_unsatisfied_customer_starts_the_rework_and_a_new_callback(people, time_machine):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_complaint(agent, department="repair")
    ticket = resolve_responsible(ticket, agent=agent, handler=handler, head=head)
    assert clock(ticket, "callback").due_at == at("2025-03-19 17:30")
    task = CallbackTask.objects.get(ticket=ticket, state="open")
    time_machine.move_to(at("2025-03-18 09:00"), tick=False)
    followups.record_attempt(task.id, actor=agent, outcome="unsatisfied", note="还是漏水")
    assert clock(ticket, "callback").state == "met"  # the callback was made
    result = clock(ticket, "result")
    # The rework owes a result in 2 business hours again, from the reopening.
    assert (result.state, result.due_at) == ("pending", at("2025-03-18 11:00"))
    assert sweep(at("2025-03-19 18:00"))[1] == 1  # the rework is late, not the callback
    # Done again on 03-20: a new callback, due 2 working days after this resolution.
    time_machine.move_to(at("2025-03-20 10:00"), tick=False)
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.propose_plan(ticket.serial, actor=handler, text="更换整段水管")
    complaints.decide_plan(ticket.serial, actor=head, approve=True)
    complaints.record_confirmation(ticket.serial, actor=agent, method="phone", note="同意")
    tickets.transition_ticket(ticket.serial, actor=agent, action="resolve")
    assert (clock(ticket, "callback").state, clock(ticket, "callback").due_at) == (
        "pending",
        at("2025-03-24 17:30"),
    )
    again = CallbackTask.objects.get(ticket=ticket, state="open")
    assert again.due_at == at("2025-03-24 17:30")


def test_a_clock_moved_by_a_new_severity_warns_and_breaches_again(people, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    agent = people["agent"]
    ticket = make_complaint(agent, department="repair")
    tickets.assign_ticket(ticket.serial, actor=agent, assignee="handler")
    sweep(at("2025-03-17 12:05"))  # the 2-hour result is overdue
    time_machine.move_to(at("2025-03-17 12:30"), tick=False)
    complaints.update_facts(ticket.serial, actor=agent, loss_or_injury=True)  # major: 2 days
    result = clock(ticket, "result")
    assert (result.state, result.escalation_level) == ("pending", 0)
    sweep(at("2025-03-19 17:30"))
    breaches = Notification.objects.filter(event="sla.breach", user__username="handler")
    assert breaches.filter(title__contains=ticket.serial).count() == 3  # react, result, result


def test_a_pause_with_nothing_to_add_keeps_the_due_time(db):
    calendar = WorkingCalendar()
    assert calendar.add_business_time(at("2025-03-21 17:30"), dt.timedelta()) == at(
        "2025-03-21 17:30"
    )
