"""Recording callbacks: satisfied follows the ticket up, unsatisfied sends it back, unreachable
retries then gives up, refused ends it; only center callers may record; manual tasks."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.core.errors import ServiceError
from kefu.followups import services
from kefu.followups.models import Attempt, CallbackTask, Survey
from kefu.sla.models import Deadline
from kefu.tickets.models import TicketEvent
from tests.followups.factories import resolved_complaint, resolved_repair

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def callback_lines(ticket):
    return [
        (e.action, e.note, e.actor.username if e.actor else "")
        for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")
        if e.action.startswith(("callback", "survey", "follow_up", "reopen", "unsatisfied"))
    ]


def test_a_satisfied_customer_meets_the_callback_deadline_and_the_ticket_is_followed_up(
    people, time_machine
):
    # given a responsibility complaint resolved on 30 September (callback due 10 October)
    time_machine.move_to(at("2025-09-30 10:00"), tick=False)
    ticket = resolved_complaint(people, klass="responsible", caller_number="13812345678")
    task = CallbackTask.objects.get(ticket=ticket)
    # when the agent calls on 9 October and the customer is satisfied, giving 5 points
    time_machine.move_to(at("2025-10-09 09:15"), tick=False)
    services.record_attempt(
        task.id, actor=people["agent"], outcome="satisfied", note="水表已换,客户满意", score=5
    )
    # then the task is done in time, the ticket followed up, its callback deadline met
    task.refresh_from_db()
    ticket.refresh_from_db()
    assert (task.state, task.outcome, task.attempts, task.in_time) == (
        "done",
        "satisfied",
        1,
        True,
    )
    assert ticket.status == "followed_up"
    callback = Deadline.objects.get(ticket=ticket, code="callback")
    assert (callback.state, callback.met_at) == ("met", at("2025-10-09 09:15"))
    assert callback_lines(ticket)[-2:] == [
        ("callback_satisfied", "第 1 次电话回访:满意\n水表已换,客户满意", "agent"),
        ("follow_up", "水表已换,客户满意", "agent"),
    ]
    # and the pending SMS survey is answered by the agent's record (its link is used up)
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.state, survey.channel, survey.score, survey.task_id) == (
        "answered",
        "callback",
        5,
        task.id,
    )


def test_an_unsatisfied_complaint_goes_back_to_its_department(people):
    ticket = resolved_complaint(people, klass="responsible")
    task = CallbackTask.objects.get(ticket=ticket)
    services.record_attempt(
        task.id, actor=people["lead"], outcome="unsatisfied", note="水表还是走得快"
    )
    ticket.refresh_from_db()
    task.refresh_from_db()
    assert (task.state, task.outcome) == ("done", "unsatisfied")
    assert (ticket.status, ticket.department.code) == ("dispatched", "repair")
    assert ticket.complaint.unsatisfied_count == 1
    reopen = ticket.events.filter(action="reopen").get()
    assert (reopen.from_status, reopen.to_status, reopen.note) == (
        "resolved",
        "dispatched",
        "客户不满意:水表还是走得快",
    )
    # when the department resolves it again, a new callback is owed
    handler = people["dept_handler"]
    from kefu.complaints import services as complaints
    from kefu.tickets import services as tickets

    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.propose_plan(ticket.serial, actor=handler, text="重新校验水表")
    complaints.decide_plan(ticket.serial, actor=people["dept_head"], approve=True)
    complaints.record_confirmation(
        ticket.serial, actor=people["agent"], method="phone", note="同意"
    )
    tickets.transition_ticket(ticket.serial, actor=handler, action="resolve")
    assert list(CallbackTask.objects.filter(ticket=ticket).values_list("state", flat=True)) == [
        "done",
        "open",
    ]


def test_an_unsatisfied_repair_customer_reopens_the_ticket_with_their_words(people):
    from kefu.followups.models import CallbackRule
    from kefu.tickets.models import TicketType

    CallbackRule.objects.create(
        name="报修回访",
        ticket_type=TicketType.objects.get(code="repair"),
        purpose="after_sales",
        method="phone",
    )
    ticket = resolved_repair(people)
    task = CallbackTask.objects.get(ticket=ticket)
    services.record_attempt(task.id, actor=people["agent"], outcome="unsatisfied", note="还在漏")
    ticket.refresh_from_db()
    assert ticket.status == "dispatched"
    assert ticket.events.filter(action="reopen").get().note == "客户不满意:还在漏"


def test_unsatisfied_needs_the_customers_words(people):
    ticket = resolved_complaint(people, klass="responsible")
    task = CallbackTask.objects.get(ticket=ticket)
    with pytest.raises(ServiceError) as err:
        services.record_attempt(task.id, actor=people["agent"], outcome="unsatisfied")
    assert (err.value.code, err.value.field, err.value.detail) == (
        "invalid",
        "note",
        "请记录客户的原话",
    )
    assert Attempt.objects.count() == 0


def test_an_unreachable_customer_is_tried_again_then_given_up(people, time_machine):
    time_machine.move_to(at("2025-11-24 09:00"), tick=False)
    ticket = resolved_complaint(people, klass="responsible")
    task = CallbackTask.objects.get(ticket=ticket)
    agent = people["agent"]
    services.record_attempt(task.id, actor=agent, outcome="unreachable", note="无人接听")
    task.refresh_from_db()
    assert (task.state, task.attempts, task.next_attempt_at) == ("open", 1, at("2025-11-24 11:00"))
    # a second try before the retry time is refused, and changes nothing
    time_machine.move_to(at("2025-11-24 10:30"), tick=False)
    with pytest.raises(ServiceError) as err:
        services.record_attempt(task.id, actor=agent, outcome="unreachable")
    assert (err.value.code, err.value.detail) == (
        "invalid_transition",
        "请于 2025-11-24 11:00 后再次联系",
    )
    time_machine.move_to(at("2025-11-24 11:00"), tick=False)
    services.record_attempt(task.id, actor=agent, outcome="unreachable", note="关机")
    time_machine.move_to(at("2025-11-24 13:05"), tick=False)
    services.record_attempt(task.id, actor=agent, outcome="unreachable", note="空号")
    task.refresh_from_db()
    ticket.refresh_from_db()
    assert (task.state, task.attempts, task.finished_at, task.next_attempt_at) == (
        "given_up",
        3,
        at("2025-11-24 13:05"),
        None,
    )
    assert task.note == "联系 3 次均未联系上,结束回访"
    assert [(a.number, a.at, a.outcome, a.note) for a in task.attempt_rows.all()] == [
        (1, at("2025-11-24 09:00"), "unreachable", "无人接听"),
        (2, at("2025-11-24 11:00"), "unreachable", "关机"),
        (3, at("2025-11-24 13:05"), "unreachable", "空号"),
    ]
    assert ticket.status == "resolved"
    assert [line for line in callback_lines(ticket) if line[0] == "callback_unreachable"] == [
        (
            "callback_unreachable",
            "第 1 次电话回访:无法联系 · 2025-11-24 11:00 后再次联系\n无人接听",
            "agent",
        ),
        (
            "callback_unreachable",
            "第 2 次电话回访:无法联系 · 2025-11-24 13:00 后再次联系\n关机",
            "agent",
        ),
        (
            "callback_unreachable",
            "第 3 次电话回访:无法联系 · 联系 3 次均未联系上,结束回访\n空号",
            "agent",
        ),
    ]
    with pytest.raises(ServiceError) as err:
        services.record_attempt(task.id, actor=agent, outcome="satisfied")
    assert err.value.detail == "回访任务已结束"


def test_a_customer_who_refuses_the_callback_is_counted_as_refused(people):
    ticket = resolved_complaint(people, klass="responsible")
    task = CallbackTask.objects.get(ticket=ticket)
    services.record_attempt(task.id, actor=people["agent"], outcome="refused", note="不需要回访")
    task.refresh_from_db()
    ticket.refresh_from_db()
    assert (task.state, task.outcome, ticket.status) == ("refused", "", "resolved")


@pytest.mark.parametrize("persona", ["dept_handler", "dept_head", "quality", "gm"])
def test_only_center_callers_record_callbacks(people, persona):
    ticket = resolved_complaint(people, klass="responsible")
    task = CallbackTask.objects.get(ticket=ticket)
    before = list(TicketEvent.objects.values_list("id", flat=True))
    with pytest.raises(ServiceError) as err:
        services.record_attempt(task.id, actor=people[persona], outcome="satisfied")
    assert err.value.code == "forbidden"
    task.refresh_from_db()
    ticket.refresh_from_db()
    assert (task.state, task.attempts, ticket.status) == ("open", 0, "resolved")
    assert list(TicketEvent.objects.values_list("id", flat=True)) == before
    assert Attempt.objects.count() == 0


def test_an_agent_makes_an_after_sales_callback_task_by_hand(people, time_machine):
    time_machine.move_to(at("2025-09-30 15:00"), tick=False)
    ticket = resolved_repair(people, caller_number="13900001111")
    task = services.create_callback(ticket.serial, actor=people["lead"], note="回访维修质量")
    assert (task.purpose, task.method, task.state, task.assignee, task.rule) == (
        "after_sales",
        "phone",
        "open",
        people["lead"],
        None,
    )
    assert task.due_at == at("2025-10-10 17:30")
    assert ticket.events.filter(action="callback_planned").get().note == (
        "售后回访:电话回访,2025-10-10 17:30 前完成(回访维修质量)"
    )
    with pytest.raises(ServiceError) as err:
        services.create_callback(ticket.serial, actor=people["agent"])
    assert (err.value.code, err.value.detail) == ("conflict", "该工单已有待回访任务")
    with pytest.raises(ServiceError) as err:
        services.create_callback(ticket.serial, actor=people["dept_handler"])
    assert err.value.code == "forbidden"
