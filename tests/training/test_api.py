"""Training over the API (/api/v1/training): the same services, the one error shape, roles."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kefu.training.models import Attempt, Confirmation, ProcedureVersion
from tests.training.factories import clear_bank, exam, three_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(people):
    return people["supervisor"]


@pytest.fixture(autouse=True)
def bank():
    clear_bank()


def test_answers_are_hidden_until_the_paper_is_handed_in(supervisor, agent, api_as):
    three_kinds(supervisor)
    e = exam(supervisor)
    api = api_as(agent)
    started = api.post(f"/training/exams/{e.pk}/attempts")
    assert started.status_code == 201, started.json()
    paper = started.json()
    assert [q["answer"] for q in paper["questions"]] == [None, None, None]
    assert [q["explanation"] for q in paper["questions"]] == [None, None, None]
    first = paper["questions"][0]
    saved = api.put(f"/training/attempts/{paper['id']}/answers/1", {"chosen": [0]})
    assert saved.status_code == 200 and saved.json()["chosen"] == [0]
    assert saved.json()["answer"] is None
    read = api.get(f"/training/attempts/{paper['id']}").json()
    assert read["questions"][0]["chosen"] == [0] and read["questions"][0]["answer"] is None
    done = api.post(f"/training/attempts/{paper['id']}/submit")
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "submitted" and body["score"] is not None
    assert all(q["answer"] and q["explanation"] for q in body["questions"])
    assert body["questions"][0]["text"] == first["text"]
    again = api.post(f"/training/attempts/{paper['id']}/submit")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_bad_input_gets_the_error_shape(supervisor, agent, api_as):
    three_kinds(supervisor)
    api = api_as(supervisor)
    refused = api.post(
        "/training/questions",
        {
            "kind": "single",
            "topic": "complaint",
            "difficulty": 2,
            "text": "题",
            "options": ["甲"],
            "answer": [0],
        },
    )
    assert refused.status_code == 422
    assert {k: refused.json()[k] for k in ("code", "detail", "field")} == {
        "code": "invalid",
        "detail": "选择题需要 2 到 8 个选项",
        "field": "options",
    }
    short = api.post(
        "/training/exams",
        {"title": "大考", "topics": ["complaint"], "medium": 5, "minutes": 30},
    )
    assert short.status_code == 422 and short.json()["field"] == "medium"
    assert api.get("/training/exams/999999").status_code == 404
    e = exam(supervisor)
    attempt = api_as(agent).post(f"/training/exams/{e.pk}/attempts").json()
    wrong = api_as(agent).put(f"/training/attempts/{attempt['id']}/answers/1", {"chosen": "a"})
    assert wrong.status_code == 422
    assert (
        api_as(agent)
        .put(f"/training/attempts/{attempt['id']}/answers/9", {"chosen": [0]})
        .json()["field"]
        == "position"
    )


def test_roles_over_the_api(supervisor, agent, lead, dept_handler, api_as):
    three_kinds(supervisor)
    assert api_as(agent).get("/training/questions").status_code == 403
    assert (
        api_as(lead)
        .post(
            "/training/questions",
            {"kind": "judge", "topic": "complaint", "difficulty": 1, "text": "题", "answer": [0]},
        )
        .status_code
        == 403
    )
    assert api_as(dept_handler).get("/training/exams").status_code == 403
    made = api_as(lead).post(
        "/training/exams",
        {
            "title": "班组测验",
            "topics": ["time_limit", "complaint", "conduct"],
            "easy": 1,
            "medium": 1,
            "hard": 1,
            "minutes": 15,
        },
    )
    assert made.status_code == 201, made.json()
    eid = made.json()["id"]
    attempt = api_as(agent).post(f"/training/exams/{eid}/attempts").json()
    assert api_as(agent).get(f"/training/exams/{eid}/results").status_code == 403
    # The agent sees only their own attempts; the lead sees the team's.
    assert api_as(lead).get("/training/attempts").json()["count"] == 1
    assert api_as(supervisor).get(f"/training/attempts/{attempt['id']}").status_code == 200
    api_as(agent).post(f"/training/attempts/{attempt['id']}/submit")
    results = api_as(lead).get(f"/training/exams/{eid}/results").json()
    assert results["count"] == 1 and results["items"][0]["name"] == "李娜"
    stats = api_as(lead).get("/training/stats/questions", {"exam": eid}).json()
    assert stats["count"] == 3 and {i["answered"] for i in stats["items"]} == {1}
    assert Attempt.objects.get().status == "submitted"


def test_procedures_versions_and_confirmations(supervisor, agent, lead, api_as):
    api = api_as(supervisor)
    v1 = api.post(
        "/training/procedures",
        {
            "code": "ZY-01",
            "title": "投诉受理作业指导书",
            "body": "一、接到投诉后十分钟内启动处理流程。",
        },
    )
    assert v1.status_code == 201, v1.json()
    pid = v1.json()["id"]
    assert v1.json()["number"] == 1
    assert (
        api_as(agent)
        .post("/training/procedures", {"code": "X", "title": "x", "body": "x"})
        .status_code
        == 403
    )
    confirmed = api_as(agent).post(f"/training/procedures/{pid}/confirm", {"number": 1})
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"] is True
    twice = api_as(agent).post(f"/training/procedures/{pid}/confirm")
    assert twice.status_code == 409
    v2 = api.post(
        "/training/procedures",
        {
            "code": "ZY-01",
            "title": "投诉受理作业指导书",
            "body": "一、十分钟内启动;二、当日回复。",
            "note": "增加当日回复",
        },
    )
    assert v2.json()["number"] == 2 and v2.json()["versions"] == [2, 1]
    # The first version is kept as it was.
    assert ProcedureVersion.objects.get(procedure_id=pid, number=1).body.startswith("一、接到投诉")
    mine = api_as(agent).get("/training/procedures").json()["items"]
    assert [(p["number"], p["confirmed"]) for p in mine] == [(2, False)]
    stale = api_as(agent).post(f"/training/procedures/{pid}/confirm", {"number": 1})
    assert stale.status_code == 409 and stale.json()["field"] == "number"
    missing = api_as(lead).get(f"/training/procedures/{pid}/unconfirmed").json()
    names = {i["name"] for i in missing["items"]}
    assert "李娜" in names and "王芳" in names
    assert api_as(agent).get(f"/training/procedures/{pid}/unconfirmed").status_code == 403
    api_as(agent).post(f"/training/procedures/{pid}/confirm", {"number": 2})
    after = {
        i["name"]
        for i in api_as(lead).get(f"/training/procedures/{pid}/unconfirmed").json()["items"]
    }
    assert "李娜" not in after
    assert Confirmation.objects.filter(user=agent).count() == 2
    bad = api.post("/training/procedures", {"code": "ZY-02", "title": "", "body": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "title"


def test_a_paper_read_past_its_deadline_is_marked_with_what_was_saved(supervisor, agent, api_as):
    three_kinds(supervisor)
    e = exam(supervisor, minutes=5)
    start = timezone.now()
    api = api_as(agent)
    with time_machine.travel(start, tick=False):
        paper = api.post(f"/training/exams/{e.pk}/attempts").json()
        judge_pos = next(q["position"] for q in paper["questions"] if q["kind"] == "judge")
        api.put(f"/training/attempts/{paper['id']}/answers/{judge_pos}", {"chosen": [0]})
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        late = api.put(f"/training/attempts/{paper['id']}/answers/{judge_pos}", {"chosen": [1]})
        assert late.status_code == 409 and late.json()["code"] == "conflict"
        read = api.get(f"/training/attempts/{paper['id']}").json()
    assert (read["status"], read["correct"], read["score"]) == ("expired", 1, 33)
    assert all(q["answer"] is not None for q in read["questions"])
    assert next(q for q in read["questions"] if q["kind"] == "judge")["chosen"] == [0]


def test_the_next_read_marks_an_overdue_paper(supervisor, agent, api_as):
    three_kinds(supervisor)
    e = exam(supervisor, minutes=5)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        paper = api_as(agent).post(f"/training/exams/{e.pk}/attempts").json()
    assert Attempt.objects.get().status == "in_progress"
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        read = api_as(supervisor).get(f"/training/attempts/{paper['id']}").json()
    assert (read["status"], read["score"], read["passed"]) == ("expired", 0, False)
    assert Attempt.objects.get().finished_at == Attempt.objects.get().deadline
