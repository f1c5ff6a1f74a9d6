"""Training pages: the paper, its result, the bank editor, results and the procedures."""

from __future__ import annotations

import pytest

from kefu.training import services
from kefu.training.models import Attempt, Confirmation, Question
from tests.training.factories import clear_bank, exam, three_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(people):
    return people["supervisor"]


@pytest.fixture(autouse=True)
def bank():
    clear_bank()


def test_taking_an_exam_on_the_page(supervisor, agent, web_as):
    three_kinds(supervisor)
    e = exam(supervisor)
    web = web_as(agent)
    home = web.get("/training/")
    assert home.status_code == 200 and "服务规范月考" in home.content.decode()
    started = web.post(f"/training/exams/{e.pk}/start")
    attempt = Attempt.objects.get()
    assert started.url == f"/training/attempts/{attempt.pk}/"
    paper = web.get(started.url).content.decode()
    assert 'data-testid="timer"' in paper
    # Before handing in: no explanation, no right answer on the page.
    assert "电话三声之内接起" not in paper and "解析" not in paper
    rows = {r.question.kind: r for r in attempt.answers.select_related("question")}
    saved = web.post(
        f"/training/attempts/{attempt.pk}/answer",
        {"position": rows["multi"].position, f"q{rows['multi'].position}": ["0", "2"]},
    )
    assert saved.status_code == 204
    bad = web.post(f"/training/attempts/{attempt.pk}/answer", {"position": "x"})
    assert bad.status_code == 422
    submitted = web.post(
        f"/training/attempts/{attempt.pk}/submit",
        {f"q{rows['judge'].position}": "0", f"q{rows['multi'].position}": ["0", "2"]},
    )
    assert submitted.status_code == 302
    result = web.get(f"/training/attempts/{attempt.pk}/").content.decode()
    assert "电话三声之内接起" in result and "67" in result
    attempt.refresh_from_db()
    assert (attempt.status, attempt.correct) == ("submitted", 2)
    again = web.post(f"/training/attempts/{attempt.pk}/submit", follow=True)
    assert "不能重复交卷" in again.content.decode()


def test_a_paper_under_way_is_the_candidates_own(supervisor, agent, lead, web_as):
    three_kinds(supervisor)
    attempt = services.start_attempt(agent, exam(supervisor).pk)
    assert web_as(lead).get(f"/training/attempts/{attempt.pk}/").status_code == 403


def test_the_bank_editor_writes_versions(supervisor, agent, web_as):
    web = web_as(supervisor)
    assert web.get("/training/questions/").status_code == 200
    assert web.get("/training/questions/new").status_code == 200
    made = web.post(
        "/training/questions/new",
        {
            "kind": "single",
            "topic": "dispatch",
            "difficulty": "2",
            "text": "派工短信最多几个字?",
            "options": ["50", "70", ""],
            "answer": ["1"],
            "explanation": "不超过70个字。",
        },
    )
    assert made.status_code == 302
    q = Question.objects.get(status="active")
    assert (q.options, q.answer) == (["50", "70"], [1])
    assert web.get(f"/training/questions/{q.pk}/edit").status_code == 200
    web.post(
        f"/training/questions/{q.pk}/edit",
        {
            "kind": "single",
            "topic": "dispatch",
            "difficulty": "2",
            "text": "派工短信最多多少字?",
            "options": ["50", "70"],
            "answer": ["1"],
            "explanation": "70个字。",
        },
    )
    assert list(Question.objects.filter(code=q.code).values_list("version", "status")) == [
        (2, "active"),
        (1, "superseded"),
    ]
    refused = web.post(
        "/training/questions/new",
        {
            "kind": "single",
            "topic": "dispatch",
            "difficulty": "2",
            "text": "",
            "options": ["50", "70"],
            "answer": ["1"],
        },
    )
    assert refused.status_code == 422 and "请填写题目" in refused.content.decode()
    assert web_as(agent).get("/training/questions/").status_code == 403


def test_results_page_shows_people_and_the_most_missed_questions(supervisor, agent, lead, web_as):
    three_kinds(supervisor)
    e = exam(supervisor)
    services.submit_attempt(agent, services.start_attempt(agent, e.pk).pk)
    page = web_as(lead).get(f"/training/exams/{e.pk}/").content.decode()
    assert 'data-testid="results-people"' in page and "李娜" in page and "100.0%" in page
    assert (
        'data-testid="results-people"'
        not in web_as(agent).get(f"/training/exams/{e.pk}/").content.decode()
    )


def test_procedures_are_published_read_and_confirmed(supervisor, agent, lead, web_as):
    published = web_as(supervisor).post(
        "/training/procedures/new",
        {"code": "ZY-01", "title": "来电受理", "body": "三声之内接听。"},
    )
    assert published.status_code == 302
    pid = int(published.url.rstrip("/").split("/")[-1])
    listing = web_as(agent).get("/training/procedures/").content.decode()
    assert "阅读并确认" in listing
    assert 'data-testid="to-confirm"' in web_as(agent).get("/training/").content.decode()
    web_as(agent).post(f"/training/procedures/{pid}/confirm", {"number": "1"})
    assert Confirmation.objects.filter(user=agent).count() == 1
    assert 'data-testid="to-confirm"' not in web_as(agent).get("/training/").content.decode()
    assert "您已确认此版本" in web_as(agent).get(f"/training/procedures/{pid}/").content.decode()
    lead_view = web_as(lead).get("/training/procedures/").content.decode()
    assert "王芳" in lead_view  # the lead has not confirmed yet
    assert web_as(agent).get("/training/procedures/new").status_code == 403
    bad = web_as(supervisor).post(
        "/training/procedures/new", {"code": "", "title": "x", "body": "y"}
    )
    assert bad.status_code == 422
