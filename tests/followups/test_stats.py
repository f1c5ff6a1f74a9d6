"""Callback and satisfaction rates per agent and per department: exact numbers, fixed queries;
the same numbers in the API and on the page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.accounts.services import staff_of
from kefu.followups import selectors, services
from kefu.followups.models import CallbackTask, Survey
from tests.followups.factories import resolved_complaint, resolved_repair

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def month(people, time_machine):
    """November 2025: five responsibility complaints and a repair, all taken by the agent and
    resolved on Monday 24th (callbacks due Wednesday 26th, 17:30)."""
    time_machine.move_to(at("2025-11-24 10:00"), tick=False)
    agent, lead = people["agent"], people["lead"]
    tickets = {
        "satisfied": resolved_complaint(people, caller_number="13812345678", content="水表走快"),
        "unreachable": resolved_complaint(people, content="维修工迟到两小时"),
        "declined": resolved_complaint(people, callback_declined=True, content="营业厅态度差"),
        "refused": resolved_complaint(people, content="抄表员未出示证件"),
        "unsatisfied": resolved_complaint(people, content="管道抢修后路面未恢复"),
        "repair": resolved_repair(people, caller_number="13900001111"),
    }
    task = {k: CallbackTask.objects.filter(ticket=t).first() for k, t in tickets.items()}
    time_machine.move_to(at("2025-11-25 09:00"), tick=False)
    services.record_attempt(task["satisfied"].id, actor=lead, outcome="satisfied", score=5)
    services.record_attempt(task["refused"].id, actor=agent, outcome="refused")
    for hour in ("09:00", "11:00", "13:00"):
        time_machine.move_to(at(f"2025-11-25 {hour}"), tick=False)
        services.record_attempt(task["unreachable"].id, actor=agent, outcome="unreachable")
    time_machine.move_to(at("2025-11-27 10:00"), tick=False)  # a day late
    services.record_attempt(
        task["unsatisfied"].id, actor=agent, outcome="unsatisfied", note="路面还是坑洼"
    )
    survey = Survey.objects.get(ticket=tickets["repair"])
    services.answer_survey(survey.token, score=3)
    return tickets


EXPECTED = {
    "due": 4,
    "done": 2,
    "in_time": 1,
    "open": 0,
    "excluded": 1,
    "not_sampled": 0,
    "given_up": 1,
    "refused": 1,
    "satisfied": 1,
    "unsatisfied": 1,
    "invited": 2,
    "surveys": 2,
    "callback_rate": 0.6667,  # 2 done of 4 due, less the 1 refused
    "satisfaction_rate": 0.5,
    "average_score": 4.0,
}


def test_rates_per_agent_and_department_are_exact_in_four_queries(
    people, month, django_assert_num_queries
):
    supervisor = people["supervisor"]
    staff_of(supervisor)  # the role, read once per request elsewhere
    with django_assert_num_queries(4):
        report = selectors.callback_rates(
            supervisor, date_from=dt.date(2025, 11, 1), date_to=dt.date(2025, 11, 30)
        )
    agent_id = people["agent"].id
    assert [(r.key, r.name) for r in report.agents] == [(agent_id, "李娜")]
    assert [r.name for r in report.departments] == ["维修部"]
    for rates in (report.agents[0], report.departments[0], report.total):
        row = rates.as_dict()
        assert {k: row[k] for k in EXPECTED} == EXPECTED


def test_another_month_has_nothing(people, month):
    report = selectors.callback_rates(
        people["supervisor"], date_from=dt.date(2025, 10, 1), date_to=dt.date(2025, 10, 31)
    )
    assert (report.agents, report.departments, report.total.due) == ([], [], 0)


def test_the_api_and_the_page_show_the_same_rates(people, month, api_as, web_as):
    body = api_as(people["supervisor"]).get(
        "/followups/stats", {"date_from": "2025-11-01", "date_to": "2025-11-30"}
    )
    assert body.status_code == 200
    data = body.json()
    assert {k: data["total"][k] for k in EXPECTED} == EXPECTED
    assert data["agents"][0]["name"] == "李娜"
    page = web_as(people["lead"]).get("/followups/stats?date_from=2025-11-01&date_to=2025-11-30")
    assert page.status_code == 200
    text = page.content.decode()
    assert "李娜" in text and "维修部" in text and "67%" in text and "50%" in text


def test_a_reversed_range_is_refused(people, api_as):
    body = api_as(people["supervisor"]).get(
        "/followups/stats", {"date_from": "2025-11-30", "date_to": "2025-11-01"}
    )
    assert (body.status_code, body.json()["field"], body.json()["detail"]) == (
        422,
        "date_from",
        "开始日期不能晚于结束日期",
    )


def test_agents_and_handlers_may_not_read_the_rates(people, month, api_as, web_as):
    for who in ("agent", "dept_handler"):
        assert api_as(people[who]).get("/followups/stats").status_code == 403
    page = web_as(people["agent"]).get("/followups/stats")
    assert page.status_code == 403
    assert "无权查看回访统计" in page.content.decode()
