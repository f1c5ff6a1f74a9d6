"""The ticket's 下一期限 (Ticket.due_at), which the queues show and sort by, follows its time
limits on every path that starts, meets, pauses, moves or stops a clock."""

import datetime as dt
from zoneinfo import ZoneInfo

from kefu.complaints import services as complaints
from kefu.knowledge import services as knowledge
from kefu.sla.models import Deadline
from kefu.sla.services import RUNNING, stop_target, sweep
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from tests.complaints.factories import make_complaint
from tests.tickets.factories import make_ticket

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def due(ticket) -> dt.datetime | None:
    """What the ticket row says, checked against its clocks: the earliest running, unpaused
    due time while it is open."""
    stored = Ticket.objects.get(pk=ticket.pk)
    clocks = Deadline.objects.filter(ticket=ticket, state__in=RUNNING, paused_at__isnull=True)
    expected = min((d.due_at for d in clocks), default=None) if stored.is_open else None
    assert stored.due_at == expected
    return stored.due_at


def first(ticket) -> str | None:
    """The clock the ticket's due time is (its code), checked as ``due`` checks it."""
    when = due(ticket)
    if when is None:
        return None
    running = Deadline.objects.filter(ticket=ticket, state__in=RUNNING, paused_at__isnull=True)
    return running.filter(due_at=when).values_list("code", flat=True).first()


def test_a_complaints_due_time_through_its_whole_life(people, time_machine):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_complaint(agent)
    assert first(ticket) == "transmit"  # to be sent on first
    time_machine.move_to(at("2025-03-17 10:05"), tick=False)
    tickets.transition_ticket(ticket.serial, actor=agent, action="dispatch", department="repair")
    assert first(ticket) == "react"  # the department must react
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    assert first(ticket) == "result"
    general = due(ticket)
    # A promise to the customer earlier than the result comes first; answered, it is gone.
    question = knowledge.ask_question(
        ticket.serial, actor=agent, text="能否先停表?", promised_at=at("2025-03-17 10:40")
    )
    assert (first(ticket), due(ticket)) == (question.deadline_code, at("2025-03-17 10:40"))
    knowledge.answer_question(question.pk, actor=people["lead"], answer="可以先停表")
    assert (first(ticket), due(ticket)) == ("result", general)
    # A new severity moves the result time.
    complaints.override_severity(
        ticket.serial, actor=people["supervisor"], severity="major", reason="媒体关注"
    )
    assert first(ticket) == "result" and due(ticket) > general
    complaints.classify_complaint(ticket.serial, actor=handler, complaint_class="responsible")
    complaints.propose_plan(ticket.serial, actor=handler, text="更换水表")
    complaints.decide_plan(ticket.serial, actor=head, approve=True)
    complaints.decide_plan(ticket.serial, actor=people["gm"], approve=True)
    # Waiting on the customer: the result clock stands still, nothing is due.
    time_machine.move_to(at("2025-03-17 11:00"), tick=False)
    tickets.transition_ticket(ticket.serial, actor=handler, action="request_confirmation")
    assert first(ticket) is None
    # The customer answers the next morning; resolved, it is off the open queues (the
    # callback is the callback queue's).
    time_machine.move_to(at("2025-03-18 09:30"), tick=False)
    complaints.record_confirmation(ticket.serial, actor=agent, method="phone", note="客户确认")
    tickets.transition_ticket(ticket.serial, actor=agent, action="resolve")
    assert first(ticket) is None
    # Not satisfied: the rework's result is due again, from now.
    tickets.transition_ticket(ticket.serial, actor=agent, action="reopen", note="客户不满意")
    assert first(ticket) == "result" and due(ticket) > at("2025-03-18 09:30")
    tickets.transition_ticket(ticket.serial, actor=agent, action="cancel", note="客户撤诉")
    assert first(ticket) is None
    # Every clock started on the way (at intake, at dispatch, the promise, the callback's)
    # carries the ticket's branch and type, which the reports read.
    clocks = Deadline.objects.filter(ticket=ticket)
    assert clocks.count() == 5
    assert set(clocks.values_list("branch_id", "ticket_type_id")) == {
        (ticket.branch_id, ticket.type_id)
    }


def test_a_breached_clock_stays_the_due_time_overdue(agent, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_ticket(agent, type="repair", content="水管爆裂")
    first = due(ticket)
    assert first is not None
    sweep(first + dt.timedelta(minutes=1))
    assert Deadline.objects.filter(ticket=ticket, state="breached").exists()
    assert due(ticket) == first  # in the past: the queue shows it overdue


def test_a_stopped_clock_and_a_cancelled_ticket_leave_no_due_time(agent, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_ticket(agent, type="repair", content="水管爆裂")
    for row in Deadline.objects.filter(ticket=ticket, state__in=RUNNING).exclude(code="result"):
        stop_target(ticket, row.code)
    assert due(ticket) == Deadline.objects.get(ticket=ticket, code="result").due_at
    stop_target(ticket, "result")
    assert due(ticket) is None
    other = make_ticket(agent, type="repair", content="水表不走")
    tickets.transition_ticket(other.serial, actor=agent, action="cancel", note="客户撤回")
    assert due(other) is None


def test_a_ticket_without_time_limits_has_no_due_time(agent):
    from kefu.sla.models import Policy

    Policy.objects.update(is_active=False)
    assert due(make_ticket(agent, type="inquiry", content="水费怎么交")) is None
