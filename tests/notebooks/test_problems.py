"""The problem log: recorded by the agent, collected on Monday to the team lead (once, however
many runs), answered once, forwarded, closed as a duplicate; every change audited."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.notebooks import services
from kefu.notebooks.models import Problem, WeeklyCollection
from kefu.notebooks.tasks import collect_weekly_problems
from kefu.notify.models import Notification
from tests.accounts.factories import make_person
from tests.notebooks.factories import problem
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH)
MONDAY = dt.datetime(2026, 11, 30, 8, 0, tzinfo=SH)


def test_agent_records_a_problem_from_a_ticket_they_see(agent):
    ticket = make_ticket(agent, type="inquiry", content="咨询阶梯水价")
    row = problem(agent, ticket_serial=ticket.serial)
    assert (row.status, row.ticket_id, row.created_by_id) == ("open", ticket.pk, agent.pk)
    assert AuditLog.objects.filter(
        action="notebooks.problem.record", object_id=str(row.pk)
    ).exists()


def test_a_ticket_the_agent_cannot_see_or_that_does_not_exist_is_refused(agent, people):
    with pytest.raises(ServiceError) as refused:
        problem(agent, ticket_serial="P000000000")
    assert (refused.value.code, refused.value.field) == ("invalid", "ticket")
    hq_ticket = make_ticket(agent, content="总公司片区的报修", area="yhy")
    with pytest.raises(ServiceError) as unseen:
        problem(people["sz_agent"], ticket_serial=hq_ticket.serial)
    assert unseen.value.field == "ticket"
    assert not Problem.objects.exists()


def test_bad_input_names_the_field_and_writes_nothing(agent):
    for fields, field in (({"category": "weather"}, "category"), ({"text": "  "}, "text")):
        with pytest.raises(ServiceError) as refused:
            problem(agent, **fields)
        assert refused.value.field == field
    assert not Problem.objects.exists()


def test_department_and_field_staff_keep_no_notebook(people):
    with pytest.raises(ServiceError) as refused:
        problem(people["dept_handler"])
    assert refused.value.code == "forbidden"


def test_monday_collection_goes_to_the_lead_once_however_many_runs(agent, lead, people):
    with time_machine.travel(WEDNESDAY, tick=False):
        first = problem(agent)
        second = problem(agent, category="system", text="工单打印按钮无反应")
    with time_machine.travel(MONDAY, tick=False):
        third = problem(agent, text="周一早上才登记的问题")
        made = services.collect_week()
        again = services.collect_week()
        task_again = collect_weekly_problems.call_local()
    assert again == [] and task_again == 0
    assert [c.lead for c in made] == [lead]
    collection = WeeklyCollection.objects.get()
    assert collection.week_start == dt.date(2026, 11, 23)
    assert sorted(collection.problems.values_list("pk", flat=True)) == [first.pk, second.pk]
    statuses = dict(Problem.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "collected", second.pk: "collected", third.pk: "open"}
    assert Notification.objects.filter(user=lead).count() == 1
    assert AuditLog.objects.filter(action="notebooks.problem.collected").count() == 2


def test_a_branch_problem_goes_to_its_branch_lead_and_the_center_lead(agent, lead, people, org):
    sz_lead = make_person("sz-lead", "team_lead", number="8501", branch=org["sz"])
    with time_machine.travel(WEDNESDAY, tick=False):
        sz_problem = problem(people["sz_agent"], text="深圳营业厅的流程问题")
        hq_problem = problem(agent)
    with time_machine.travel(MONDAY, tick=False):
        services.collect_week()
    by_lead = {
        c.lead_id: sorted(c.problems.values_list("pk", flat=True))
        for c in WeeklyCollection.objects.all()
    }
    assert by_lead == {lead.pk: sorted([sz_problem.pk, hq_problem.pk]), sz_lead.pk: [sz_problem.pk]}


def _collected(agent):
    with time_machine.travel(WEDNESDAY, tick=False):
        row = problem(agent)
    with time_machine.travel(MONDAY, tick=False):
        services.collect_week()
    return row


def test_lead_answers_once_and_the_agent_is_told(agent, lead):
    row = _collected(agent)
    answered = services.answer_problem(lead, row.pk, text="新政策见知识库第 12 条")
    assert (answered.status, answered.answered_by_id) == ("answered", lead.pk)
    assert Notification.objects.filter(user=agent).count() == 1
    with pytest.raises(ServiceError) as twice:
        services.answer_problem(lead, row.pk, text="再答一次")
    assert twice.value.code == "invalid_transition" and twice.value.status == 409
    assert Problem.objects.get(pk=row.pk).answer == "新政策见知识库第 12 条"
    assert AuditLog.objects.filter(action="notebooks.problem.answer").count() == 1


def test_an_open_problem_is_answered_only_after_the_collection(agent, lead):
    row = problem(agent)
    with pytest.raises(ServiceError) as early:
        services.answer_problem(lead, row.pk, text="答复")
    assert early.value.code == "invalid_transition"


def test_an_agent_may_not_answer_forward_or_close(agent):
    row = _collected(agent)
    with pytest.raises(ServiceError) as refused:
        services.answer_problem(agent, row.pk, text="自己答复")
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError):
        services.close_problem(agent, row.pk, duplicate_of=row.pk)
    assert Problem.objects.get(pk=row.pk).status == "collected"


def test_forwarded_problem_is_answered_by_the_supervisor(agent, lead, people):
    row = _collected(agent)
    supervisor = people["supervisor"]
    forwarded = services.forward_problem(lead, row.pk, to_user_id=supervisor.pk, note="涉及系统")
    assert (forwarded.forwarded_to_id, forwarded.status) == (supervisor.pk, "collected")
    assert Notification.objects.filter(user=supervisor).count() == 1
    with pytest.raises(ServiceError) as bad:
        services.forward_problem(lead, row.pk, to_user_id=agent.pk)
    assert bad.value.field == "to"
    services.answer_problem(supervisor, row.pk, text="已报信息部修复")
    assert Problem.objects.get(pk=row.pk).answered_by_id == supervisor.pk


def test_duplicate_is_closed_with_its_reference(agent, lead):
    original = problem(agent)
    duplicate = problem(agent, text="同一个阶梯水价问题")
    with pytest.raises(ServiceError) as itself:
        services.close_problem(lead, duplicate.pk, duplicate_of=duplicate.pk)
    assert itself.value.field == "duplicate_of"
    closed = services.close_problem(lead, duplicate.pk, duplicate_of=original.pk)
    assert (closed.status, closed.duplicate_of_id) == ("closed", original.pk)
    with pytest.raises(ServiceError) as again:
        services.answer_problem(lead, duplicate.pk, text="答复")
    assert again.value.code == "invalid_transition"
