"""Callback tasks and the ticket's own actions and clocks agree: no callback due means no
callback clock to breach; 已回访 on the ticket page completes the task; archiving cancels it;
a callback ended without reaching the customer stops the clock."""

import datetime as dt
from zoneinfo import ZoneInfo

from kefu.complaints import services as complaints
from kefu.followups import services as followups
from kefu.followups.models import CallbackTask
from kefu.sla.models import Deadline
from kefu.sla.services import sweep
from kefu.tickets import services as tickets
from tests.followups.factories import resolved_complaint

SH = ZoneInfo("Asia/Shanghai")


def callback_state(ticket) -> str:
    return Deadline.objects.get(ticket=ticket, code="callback").state


def test_a_complaint_with_no_callback_due_has_no_callback_clock_running(people, time_machine):
    time_machine.move_to(dt.datetime(2025, 3, 17, 10, 0, tzinfo=SH), tick=False)
    ticket = resolved_complaint(people, klass="not_responsible")
    assert not CallbackTask.objects.filter(ticket=ticket).exists()
    assert callback_state(ticket) == "cancelled"
    assert sweep(dt.datetime(2025, 3, 25, 10, 0, tzinfo=SH)) == (0, 0)


def test_a_declined_callback_stops_the_clock_too(people):
    ticket = resolved_complaint(people, callback_declined=True)
    task = CallbackTask.objects.get(ticket=ticket)
    assert (task.state, task.excluded_reason) == ("excluded", "declined")
    assert callback_state(ticket) == "cancelled"


def test_followed_up_on_the_ticket_page_completes_the_task(people):
    ticket = resolved_complaint(people)
    tickets.transition_ticket(ticket.serial, actor=people["lead"], action="follow_up", note="满意")
    task = CallbackTask.objects.get(ticket=ticket)
    assert (task.state, task.outcome) == ("done", "satisfied")
    assert callback_state(ticket) == "met"


def test_archiving_a_ticket_cancels_its_open_callback(people):
    ticket = resolved_complaint(people, klass="not_responsible")
    task = followups.create_callback(
        ticket.serial, actor=people["agent"], purpose="complaint", method="phone", note="主管要求"
    )
    complaints.record_lessons(
        ticket.serial, actor=people["agent"], cause="政策解释不到位", corrective_action="完善话术"
    )
    tickets.transition_ticket(ticket.serial, actor=people["agent"], action="close")
    task.refresh_from_db()
    assert (task.state, task.note) == ("cancelled", "工单已结束,回访任务取消")


def test_a_callback_given_up_stops_the_clock(people, time_machine):
    time_machine.move_to(dt.datetime(2025, 3, 17, 10, 0, tzinfo=SH), tick=False)
    ticket = resolved_complaint(people)
    task = CallbackTask.objects.get(ticket=ticket, state="open")
    for hour in (11, 14, 17):
        time_machine.move_to(dt.datetime(2025, 3, 17, hour, 0, tzinfo=SH), tick=False)
        followups.record_attempt(task.id, actor=people["agent"], outcome="unreachable")
    task.refresh_from_db()
    assert task.state == "given_up"
    assert callback_state(ticket) == "cancelled"
