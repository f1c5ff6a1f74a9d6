"""Clocks that stand still while the customer is asked to confirm (the default complaint
policies say so): the sweep passes them over, and the due time moves on by the pause."""

import datetime as dt
from zoneinfo import ZoneInfo

from kefu.complaints import services as complaints
from kefu.sla.models import Deadline, Policy
from kefu.sla.services import sweep
from kefu.tickets import services as tickets
from kefu.tickets.models import TicketEvent
from tests.complaints.factories import make_complaint

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def result(ticket) -> Deadline:
    return Deadline.objects.get(ticket=ticket, code="result")


def approved_and_waiting(people, time_machine):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_complaint(agent, department="repair")
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.classify_complaint(ticket.serial, actor=handler, complaint_class="responsible")
    complaints.propose_plan(ticket.serial, actor=handler, text="更换水表")
    complaints.decide_plan(ticket.serial, actor=head, approve=True)
    time_machine.move_to(at("2025-03-17 11:00"), tick=False)
    tickets.transition_ticket(ticket.serial, actor=handler, action="request_confirmation")
    return ticket


def test_the_result_clock_stands_still_while_the_customer_confirms(people, time_machine):
    ticket = approved_and_waiting(people, time_machine)
    assert result(ticket).paused_at == at("2025-03-17 11:00")
    # Past the original due time (12:00) nothing is breached while the customer is asked.
    assert sweep(at("2025-03-18 09:00")) == (0, 0)
    # The customer confirms the next morning at 09:30. One business hour was left at the
    # pause (11:00 → 12:00): it runs from 09:30.
    time_machine.move_to(at("2025-03-18 09:30"), tick=False)
    complaints.record_confirmation(
        ticket.serial, actor=people["agent"], method="phone", note="客户确认"
    )
    tickets.transition_ticket(ticket.serial, actor=people["agent"], action="resolve")
    row = result(ticket)
    assert (row.due_at, row.paused_at, row.state) == (at("2025-03-18 10:30"), None, "met")
    notes = TicketEvent.objects.filter(ticket=ticket, kind="sla").values_list("action", "note")
    assert list(notes) == [
        ("paused", "等待客户确认,处理结果 暂停计时"),
        ("resumed", "处理结果 恢复计时,期限顺延至 03-18 10:30"),
    ]


def test_a_policy_that_does_not_pause_keeps_counting(people, time_machine):
    Policy.objects.update(pause_for_customer=False)
    ticket = approved_and_waiting(people, time_machine)
    assert result(ticket).paused_at is None
    assert sweep(at("2025-03-17 12:00")) == (0, 1)


def test_the_customer_not_satisfied_sends_it_back_with_a_new_clock(people, time_machine):
    ticket = approved_and_waiting(people, time_machine)
    time_machine.move_to(at("2025-03-17 14:00"), tick=False)
    complaints.record_unsatisfied(ticket.serial, actor=people["agent"], words="不同意方案")
    row = result(ticket)
    # The department revises the plan: the result's 2 business hours again, from now.
    assert (row.paused_at, row.due_at, row.state) == (None, at("2025-03-17 16:00"), "pending")


def test_a_major_complaint_over_the_spring_festival(agent, time_machine):
    # 2025: the holiday runs 01-28 to 02-04; Sunday 01-26 and Saturday 02-08 are worked.
    time_machine.move_to(at("2025-01-27 16:00"), tick=False)
    ticket = make_complaint(agent, content="春节前停水无人处理造成损失", loss_or_injury=True)
    assert result(ticket).due_at == at("2025-02-06 17:30")
    general = make_complaint(agent, content="抄表员态度恶劣")
    # 1.5 business hours that day, the last half hour on the first day back.
    assert result(general).due_at == at("2025-02-05 09:00")


def test_a_new_severity_during_the_pause_counts_the_pause_too(people, time_machine):
    ticket = approved_and_waiting(people, time_machine)  # paused at 11:00, due 12:00
    time_machine.move_to(at("2025-03-17 11:30"), tick=False)
    complaints.override_severity(
        ticket.serial, actor=people["supervisor"], severity="major", reason="媒体关注"
    )
    row = result(ticket)
    assert (row.due_at, row.paused_at) == (at("2025-03-19 17:30"), at("2025-03-17 11:00"))
    complaints.decide_plan(ticket.serial, actor=people["gm"], approve=True)  # major: the GM too
    time_machine.move_to(at("2025-03-18 09:30"), tick=False)
    complaints.record_confirmation(ticket.serial, actor=people["agent"], method="sms")
    tickets.transition_ticket(ticket.serial, actor=people["agent"], action="resolve")
    row = result(ticket)
    # 7.5 business hours stood still (11:00–17:30, 08:30–09:30): 03-19 17:30 moves to 03-20 16:00.
    assert (row.paused_for, row.due_at, row.state) == (
        dt.timedelta(hours=7, minutes=30),
        at("2025-03-20 16:00"),
        "met",
    )
