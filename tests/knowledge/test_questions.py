"""A question nobody could answer: recorded with the promised answer time, which runs as a
time limit on the ticket (warned, breached, escalated); the team leads are told and answer;
the answer becomes a callback for the agent who asked and, in one step, an article."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.followups.models import CallbackTask
from kefu.knowledge.models import Article, Question
from kefu.notify.models import Delivery
from kefu.sla import services as sla
from kefu.sla.models import Deadline
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(agent):
    return make_ticket(
        agent, type="inquiry", content="问新装水表要交哪些费用", caller_number="13800138000"
    )


def _ask(api, ticket, *, hours=2, text="新装水表的开户费和材料费分别多少?"):
    promised = timezone.localtime() + dt.timedelta(hours=hours)
    return api.post(
        "/knowledge/questions",
        {"serial": ticket.serial, "text": text, "promised_at": promised.isoformat()},
    )


def test_the_whole_way_from_question_to_callback_and_article(api_as, agent, lead, ticket):
    asked = _ask(api_as(agent), ticket)
    assert asked.status_code == 201, asked.json()
    question = asked.json()
    assert (question["state"], question["overdue"], question["asked_by"]) == ("open", False, "李娜")
    # Its promised time is one more time limit of the ticket; the team lead is told.
    deadline = Deadline.objects.get(ticket=ticket, code=f"question-{question['id']}")
    assert deadline.state == "pending" and deadline.name == "答复客户疑问"
    assert Delivery.objects.filter(event="question.asked", user=lead).exists()

    # An agent does not answer; the team lead does.
    refused = api_as(agent).post(f"/knowledge/questions/{question['id']}/answer", {"answer": "x"})
    assert refused.status_code == 403
    answered = api_as(lead).post(
        f"/knowledge/questions/{question['id']}/answer",
        {"answer": "开户费 100 元(示例),材料费按表径收取,DN15 为 260 元(示例)。"},
    )
    assert answered.status_code == 200, answered.json()
    body = answered.json()
    assert body["state"] == "answered" and body["answered_by"] == "王芳"
    deadline.refresh_from_db()
    assert deadline.state == "met"
    task = CallbackTask.objects.get(pk=body["callback_id"])
    assert (task.assignee, task.purpose, task.state) == (agent, "answer", "open")
    assert Delivery.objects.filter(event="question.answered", user=agent).exists()
    again = api_as(lead).post(f"/knowledge/questions/{question['id']}/answer", {"answer": "再答"})
    assert again.status_code == 409

    # One step to a published Q&A article the agents find.
    made = api_as(lead).post(f"/knowledge/questions/{question['id']}/article", {})
    assert made.status_code == 201, made.json()
    article = Article.objects.get(pk=made.json()["id"])
    assert (article.kind, article.state, article.title) == (
        "qa",
        "published",
        "新装水表的开户费和材料费分别多少?",
    )
    assert api_as(agent).get("/knowledge/search", {"q": "开户费"}).json()["count"] == 1
    assert (
        api_as(lead).post(f"/knowledge/questions/{question['id']}/article", {}).status_code == 409
    )


def test_an_overdue_answer_follows_the_time_limits(api_as, agent, ticket, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    question = _ask(api_as(agent), ticket, hours=1).json()
    time_machine.shift(dt.timedelta(minutes=50))
    warned, breached = sla.sweep()
    assert warned >= 1
    time_machine.shift(dt.timedelta(minutes=15))
    sla.sweep()
    row = Deadline.objects.get(ticket=ticket, code=f"question-{question['id']}")
    assert row.state == "breached"
    listed = api_as(agent).get("/knowledge/questions", {"state": "open"}).json()
    assert [q["overdue"] for q in listed["items"]] == [True]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"hours": -1}, "promised_at"),
        ({"hours": 24 * 31}, "promised_at"),
    ],
)
def test_bad_questions_are_refused_and_nothing_is_written(api_as, agent, ticket, change, field):
    hours = change.get("hours", 2)
    answer = _ask(api_as(agent), ticket, hours=hours, text=change.get("text", "问题"))
    assert answer.status_code == 422 and field in str(answer.json())
    assert (
        not Question.objects.exists()
        and not Deadline.objects.filter(code__startswith="question").exists()
    )


def test_who_sees_and_asks(api_as, people, ticket):
    assert _ask(api_as(people["sz_agent"]), ticket).status_code == 404  # another branch's ticket
    assert _ask(api_as(people["dept_handler"]), ticket).status_code == 403
    _ask(api_as(people["agent"]), ticket)
    assert api_as(people["sz_agent"]).get("/knowledge/questions").json()["count"] == 0
    assert api_as(people["lead"]).get("/knowledge/questions").json()["count"] == 1


def test_an_answer_with_a_forbidden_phrase_is_refused(api_as, agent, lead, ticket):
    question = _ask(api_as(agent), ticket).json()
    refused = api_as(lead).post(
        f"/knowledge/questions/{question['id']}/answer", {"answer": "这是公司的规定"}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "answer"
    assert Question.objects.get().state == "open"


def test_the_pages(web_as, agent, lead, ticket):
    agent_page = web_as(agent)
    promised = (timezone.localtime() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    agent_page.post(
        f"/tickets/{ticket.serial}/question", {"text": "阶梯水价怎么算?", "promised_at": promised}
    )
    html = agent_page.get(f"/tickets/{ticket.serial}/").content.decode()
    assert 'data-testid="questions"' in html and "阶梯水价怎么算?" in html
    bad = agent_page.post(
        f"/tickets/{ticket.serial}/question", {"text": "", "promised_at": promised}, follow=True
    )
    assert "请填写客户的疑问" in bad.content.decode()
    lead_page = web_as(lead)
    listed = lead_page.get("/knowledge/questions/").content.decode()
    assert "阶梯水价怎么算?" in listed and 'data-testid="answer-text"' in listed
    question = Question.objects.get()
    lead_page.post(
        "/knowledge/questions/", {"question": question.pk, "answer": "按年用水量分三档(示例)。"}
    )
    question.refresh_from_db()
    assert question.state == "answered"
    to_article = lead_page.post(
        "/knowledge/questions/", {"question": question.pk, "step": "article"}
    )
    assert to_article.status_code == 302 and "/knowledge/" in to_article["Location"]
