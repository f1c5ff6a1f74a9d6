"""Callback tasks made by rule when a ticket is resolved: who is called back, how, by when;
who is left out and counted; the sample of assist complaints."""

import datetime as dt
from zoneinfo import ZoneInfo

from kefu.followups.models import CallbackRule, CallbackTask, Survey
from kefu.sla.models import Policy
from kefu.tickets.models import TicketType
from tests.followups.factories import resolved_complaint, resolved_repair

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def local(value: dt.datetime) -> str:
    return value.astimezone(SH).strftime("%Y-%m-%d %H:%M:%S")


def planned_lines(ticket):
    return [e.note for e in ticket.events.order_by("id") if e.action == "callback_planned"]


def test_a_responsibility_complaint_resolved_before_national_day_is_called_back_after_it(
    people, time_machine
):
    # given a general responsibility complaint resolved on the last working day of September
    time_machine.move_to(at("2025-09-30 10:00"), tick=False)
    ticket = resolved_complaint(people, klass="responsible", caller_number="13812345678")
    # then one phone callback is due at the close of the 2nd working day after the holiday
    # (1–8 October off; the 9th and 10th are the working days)
    task = CallbackTask.objects.get(ticket=ticket)
    assert (task.state, task.method, task.purpose, task.rule.name) == (
        "open",
        "phone",
        "complaint",
        "责任投诉·一般",
    )
    assert local(task.due_at) == "2025-10-10 17:30:00"
    assert task.due_at == ticket.deadlines.get(code="callback").due_at
    assert task.assignee == people["agent"]
    assert planned_lines(ticket) == ["电话回访,2025-10-10 17:30 前完成"]


def test_a_major_responsibility_complaint_is_called_back_in_person(people, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = resolved_complaint(people, klass="responsible", loss_or_injury=True)
    task = CallbackTask.objects.get(ticket=ticket)
    assert ticket.complaint.severity == "major"
    assert (task.state, task.method, task.rule.name) == ("open", "visit", "责任投诉·重大")
    assert local(task.due_at) == "2025-03-19 17:30:00"


def test_an_assist_complaint_picked_for_the_sample_is_due_in_three_calendar_days(
    people, time_machine
):
    # given the first assist complaint of the rule (the quota picks it: 30% of 1 rounds to 0,
    # so the hash decides) — force a pick with a 100% rate to test the time only
    CallbackRule.objects.filter(complaint_class="assist").update(sample_percent=100)
    time_machine.move_to(at("2025-09-30 10:00"), tick=False)
    ticket = resolved_complaint(people, klass="assist")
    task = CallbackTask.objects.get(ticket=ticket)
    assert (task.state, task.method, task.rule.name) == ("open", "phone", "协助处理投诉·抽样")
    assert local(task.due_at) == "2025-10-03 23:59:59"  # holidays count: calendar days


def test_without_a_callback_deadline_the_rule_computes_the_due_time(people, time_machine):
    # given a rule for repairs, and repairs' time limits without a callback target
    policy = Policy.objects.get(name="报修·一般")
    policy.is_active = False
    policy.save()
    CallbackRule.objects.create(
        name="报修回访",
        ticket_type=TicketType.objects.get(code="repair"),
        purpose="after_sales",
        method="phone",
        within=1,
        clock="working_days",
    )
    time_machine.move_to(at("2025-09-30 16:00"), tick=False)
    ticket = resolved_repair(people)
    task = CallbackTask.objects.get(ticket=ticket)
    assert (task.purpose, local(task.due_at)) == ("after_sales", "2025-10-09 17:30:00")


def test_other_classes_and_types_get_no_callback_task(people):
    not_responsible = resolved_complaint(people, klass="not_responsible")
    repair = resolved_repair(people)
    assert CallbackTask.objects.filter(ticket__in=[not_responsible, repair]).count() == 0


def test_declined_and_anonymous_customers_are_left_out_and_counted(people):
    declined = resolved_complaint(people, klass="responsible", callback_declined=True)
    anonymous = resolved_complaint(
        people, klass="responsible", anonymous=True, content="营业厅排队太久"
    )
    rows = {
        t.ticket_id: (t.state, t.excluded_reason)
        for t in CallbackTask.objects.filter(ticket__in=[declined, anonymous])
    }
    assert rows == {
        declined.id: ("excluded", "declined"),
        anonymous.id: ("excluded", "anonymous"),
    }
    assert planned_lines(declined) == ["不回访:客户拒绝回访"]
    assert planned_lines(anonymous) == ["不回访:匿名"]
    assert Survey.objects.filter(ticket__in=[declined, anonymous]).count() == 0


def test_at_least_thirty_of_a_hundred_assist_complaints_are_sampled(people):
    # given 100 assist complaints resolved one after another
    for n in range(100):
        resolved_complaint(people, klass="assist", content=f"小区停电第{n}次,电梯停运")
    rows = CallbackTask.objects.filter(rule__complaint_class="assist")
    # then each has one decision, and at least 30 were picked, never fewer along the way
    assert rows.count() == 100
    picked = [t.state == "open" for t in rows.order_by("id")]
    assert sum(picked) >= 30
    assert all(sum(picked[: n + 1]) >= 30 * (n + 1) // 100 for n in range(100))
    assert {t.excluded_reason for t in rows if t.state == "excluded"} == {"not_sampled"}


def test_the_sample_hash_depends_only_on_the_rule_and_the_serial(people):
    from kefu.followups.services import _hash_fraction

    rule = CallbackRule.objects.get(complaint_class="assist")
    first = _hash_fraction(rule, "250930001")
    assert 0 <= first < 1
    assert _hash_fraction(rule, "250930001") == first
    assert _hash_fraction(rule, "250930002") != first
