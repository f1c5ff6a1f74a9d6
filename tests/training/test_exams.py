"""The question bank, drawing a paper, the clock, marking, results and statistics."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from kefu.core.errors import Code, ServiceError
from kefu.core.models import AuditLog
from kefu.training import selectors, services
from kefu.training.models import Attempt, AttemptAnswer, Question
from kefu.training.tasks import sweep_overdue_attempts
from tests.training.factories import (
    clear_bank,
    exam,
    judge,
    multi,
    right_answers,
    single,
    three_kinds,
)

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SH)


@pytest.fixture
def supervisor(people):
    return people["supervisor"]


@pytest.fixture(autouse=True)
def bank():
    clear_bank()


def test_the_starter_bank_is_loaded_for_every_center():
    rows = Question.objects.filter(version=1, created_by=None)
    assert rows.count() >= 40
    assert set(rows.values_list("kind", flat=True)) == {"judge", "single", "multi"}
    assert set(rows.values_list("difficulty", flat=True)) == {1, 2, 3}


def test_a_revision_is_a_new_version_and_the_old_one_stays(supervisor):
    q = single(supervisor)
    new = services.revise_question(
        supervisor,
        q.pk,
        kind="single",
        topic="complaint",
        difficulty=2,
        text="一般投诉应在多长时间内给出处理结果?",
        options=["2小时", "1天"],
        answer=[0],
        explanation="2小时。",
    )
    q.refresh_from_db()
    assert (q.status, q.version, q.text) == ("superseded", 1, "一般投诉的结果时限?")
    assert (new.code, new.version, new.status) == (q.code, 2, "active")
    with pytest.raises(ServiceError) as refused:
        services.revise_question(
            supervisor,
            q.pk,
            kind="judge",
            topic="complaint",
            difficulty=1,
            text="x",
            options=[],
            answer=[0],
            explanation="",
        )
    assert refused.value.code == Code.INVALID_TRANSITION
    retired = services.retire_question(supervisor, new.pk)
    assert retired.status == "retired"
    assert AuditLog.objects.filter(action__startswith="training.question").count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "essay"}, "kind"),
        ({"topic": "cooking"}, "topic"),
        ({"difficulty": 4}, "difficulty"),
        ({"text": "  "}, "text"),
        ({"options": ["只有一个"]}, "options"),
        ({"answer": [5]}, "answer"),
        ({"answer": [0, 1]}, "answer"),  # single choice: one right answer
        ({"answer": []}, "answer"),
    ],
)
def test_a_bad_question_is_refused_naming_the_field(supervisor, fields, field):
    base = dict(
        kind="single",
        topic="complaint",
        difficulty=2,
        text="题目",
        options=["甲", "乙"],
        answer=[0],
        explanation="",
    )
    with pytest.raises(ServiceError) as refused:
        services.create_question(supervisor, **(base | fields))
    assert (refused.value.code, refused.value.field) == (Code.INVALID, field)
    assert not Question.objects.filter(status="active").exists()


def test_only_supervisors_and_admins_keep_the_bank(agent, lead):
    for who in (agent, lead):
        with pytest.raises(ServiceError) as refused:
            judge(who)
        assert refused.value.code == Code.FORBIDDEN


def test_the_paper_is_drawn_by_topic_and_difficulty(supervisor, agent):
    easy = [judge(supervisor, text=f"判断{n}") for n in range(4)]
    judge(supervisor, topic="dispatch", text="不在考试知识点内")
    hard = [multi(supervisor, text=f"多选{n}") for n in range(2)]
    e = exam(supervisor, topics=["time_limit", "conduct"], easy=2, medium=0, hard=2)
    attempt = services.start_attempt(agent, e.pk)
    asked = {row.question_id for row in attempt.answers.all()}
    assert attempt.total == 4 and len(asked) == 4
    assert len(asked & {q.pk for q in easy}) == 2
    assert asked & {q.pk for q in hard} == {q.pk for q in hard}
    # The seed is stored: the same seed draws the same paper again.
    again = [q.pk for q in services.draw(e, attempt.seed)]
    assert again == list(attempt.answers.order_by("position").values_list("question_id", flat=True))


def test_too_few_questions_is_a_clear_error(supervisor, agent):
    judge(supervisor)
    with pytest.raises(ServiceError) as refused:
        exam(supervisor, easy=2, medium=0, hard=0)
    assert refused.value.field == "easy"
    assert refused.value.detail == "题库中所选知识点“容易”难度的题目不足:需要 2 道,现有 1 道"
    # Enough when the exam was set, too few when it is taken (a question retired since).
    e = exam(supervisor, easy=1, medium=0, hard=0)
    Question.objects.update(status="retired")
    with pytest.raises(ServiceError) as refused:
        services.start_attempt(agent, e.pk)
    assert refused.value.code == Code.INVALID
    assert not Attempt.objects.exists()


def test_each_kind_is_marked_and_multiple_choice_is_all_or_nothing(supervisor, agent):
    three_kinds(supervisor)
    e = exam(supervisor)
    attempt = services.start_attempt(agent, e.pk)
    rows = {r.question.kind: r for r in attempt.answers.select_related("question")}
    services.save_answer(agent, attempt.pk, position=rows["judge"].position, chosen=[0])
    services.save_answer(agent, attempt.pk, position=rows["single"].position, chosen=[1])
    services.save_answer(agent, attempt.pk, position=rows["multi"].position, chosen=[0])
    done = services.submit_attempt(agent, attempt.pk)
    marks = {r.question.kind: r.is_correct for r in done.answers.select_related("question")}
    assert marks == {"judge": True, "single": False, "multi": False}
    assert (done.status, done.correct, done.score, done.passed) == ("submitted", 1, 33, False)


def test_full_marks_pass_and_a_second_submit_is_refused(supervisor, agent):
    three_kinds(supervisor)
    attempt = services.start_attempt(agent, exam(supervisor).pk)
    done = services.submit_attempt(agent, attempt.pk, answers=right_answers(attempt))
    assert (done.score, done.passed) == (100, True)
    with pytest.raises(ServiceError) as refused:
        services.submit_attempt(agent, attempt.pk)
    assert refused.value.code == Code.INVALID_TRANSITION
    with pytest.raises(ServiceError):
        services.save_answer(agent, attempt.pk, position=1, chosen=[1])
    assert AttemptAnswer.objects.filter(attempt=attempt, is_correct=True).count() == 3


def test_a_bad_answer_is_refused_and_saves_nothing(supervisor, agent, lead):
    three_kinds(supervisor)
    attempt = services.start_attempt(agent, exam(supervisor).pk)
    single_row = attempt.answers.get(question__kind="single")
    for position, chosen, field in [
        (99, [0], "position"),
        (single_row.position, [7], "chosen"),
        (single_row.position, [0, 1], "chosen"),
    ]:
        with pytest.raises(ServiceError) as refused:
            services.save_answer(agent, attempt.pk, position=position, chosen=chosen)
        assert (refused.value.code, refused.value.field) == (Code.INVALID, field)
    assert not AttemptAnswer.objects.filter(attempt=attempt).exclude(chosen=[]).exists()
    # Nobody answers another's paper (a lead sees it, but may not write on it).
    with pytest.raises(ServiceError) as refused:
        services.save_answer(lead, attempt.pk, position=1, chosen=[0])
    assert refused.value.code == Code.FORBIDDEN


def test_the_server_keeps_the_time(supervisor, agent):
    three_kinds(supervisor)
    e = exam(supervisor, minutes=20)
    with time_machine.travel(T0, tick=False):
        attempt = services.start_attempt(agent, e.pk)
    rows = right_answers(attempt)
    judge_pos = attempt.answers.get(question__kind="judge").position
    single_pos = attempt.answers.get(question__kind="single").position
    with time_machine.travel(T0 + dt.timedelta(minutes=19), tick=False):
        services.save_answer(agent, attempt.pk, position=judge_pos, chosen=rows[judge_pos])
    with time_machine.travel(T0 + dt.timedelta(minutes=21), tick=False):
        with pytest.raises(ServiceError) as refused:
            services.save_answer(agent, attempt.pk, position=single_pos, chosen=rows[single_pos])
        assert refused.value.code == Code.CONFLICT
    attempt.refresh_from_db()
    # Marked with what was saved before the deadline: one of three.
    assert (attempt.status, attempt.correct, attempt.score) == ("expired", 1, 33)
    assert attempt.finished_at == T0 + dt.timedelta(minutes=20)
    assert attempt.answers.get(position=single_pos).chosen == []


def test_the_worker_marks_papers_past_their_deadline_once(supervisor, agent, lead):
    three_kinds(supervisor)
    e = exam(supervisor, minutes=10)
    with time_machine.travel(T0, tick=False):
        late = services.start_attempt(agent, e.pk)
        fresh_exam = exam(supervisor, minutes=60, title="另一场")
        fresh = services.start_attempt(lead, fresh_exam.pk)
    with time_machine.travel(T0 + dt.timedelta(minutes=11), tick=False):
        # What the worker runs every minute, twice: the late paper is marked once.
        assert sweep_overdue_attempts.call_local() == 1
        assert sweep_overdue_attempts.call_local() == 0
        assert not services.finish_if_overdue(late.pk)
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert (late.status, late.score, fresh.status) == ("expired", 0, "in_progress")
    assert AuditLog.objects.filter(action="training.attempt.expire").count() == 1


def test_a_started_paper_is_resumed_not_drawn_again(supervisor, agent):
    three_kinds(supervisor)
    e = exam(supervisor)
    first = services.start_attempt(agent, e.pk)
    assert services.start_attempt(agent, e.pk).pk == first.pk
    services.submit_attempt(agent, first.pk)
    second = services.start_attempt(agent, e.pk)
    assert second.pk != first.pk  # a retake after handing in
    services.close_exam(supervisor, e.pk)
    services.submit_attempt(agent, second.pk)
    with pytest.raises(ServiceError) as refused:
        services.start_attempt(agent, e.pk)
    assert refused.value.code == Code.INVALID_TRANSITION


def test_statistics_per_person_and_per_question_come_from_real_attempts(
    supervisor, agent, lead, people
):
    j, s, m = three_kinds(supervisor)
    e = exam(supervisor)
    for who, wrong_kinds in ((agent, {"multi"}), (lead, {"multi", "single"})):
        attempt = services.start_attempt(who, e.pk)
        answers = {}
        for row in attempt.answers.select_related("question"):
            answers[row.position] = [] if row.question.kind in wrong_kinds else row.question.answer
        services.submit_attempt(who, attempt.pk, answers=answers)
    services.start_attempt(people["sz_agent"], e.pk)  # under way: not counted yet
    stats = list(selectors.question_stats(supervisor, exam_id=e.pk))
    assert [(r["question_id"], r["answered"], r["wrong"], r["wrong_rate"]) for r in stats] == [
        (m.pk, 2, 2, 100.0),
        (s.pk, 2, 1, 50.0),
        (j.pk, 2, 0, 0.0),
    ]
    people_rows = {r["candidate_id"]: r for r in selectors.results_by_person(supervisor, e)}
    assert people_rows[agent.pk]["best"] == 67 and people_rows[agent.pk]["passes"] == 1
    assert people_rows[lead.pk]["best"] == 33 and people_rows[lead.pk]["passes"] == 0
    assert people_rows[people["sz_agent"].pk]["finished"] == 0
    with pytest.raises(ServiceError):
        selectors.question_stats(agent)


def test_a_persons_results_for_a_period(supervisor, agent):
    three_kinds(supervisor)
    e = exam(supervisor)
    with time_machine.travel(T0, tick=False):
        a = services.start_attempt(agent, e.pk)
        services.submit_attempt(agent, a.pk, answers=right_answers(a))
    with time_machine.travel(T0 + dt.timedelta(days=40), tick=False):
        b = services.start_attempt(agent, e.pk)
        services.submit_attempt(agent, b.pk)
    march = selectors.results_for(
        agent.pk, start=dt.datetime(2026, 3, 1, tzinfo=SH), end=dt.datetime(2026, 4, 1, tzinfo=SH)
    )
    assert [(r.attempt_id, r.score, r.passed, r.exam_title) for r in march] == [
        (a.pk, 100, True, "服务规范月考")
    ]


def test_who_sets_exams(supervisor, lead, agent, people):
    three_kinds(supervisor)
    with pytest.raises(ServiceError) as refused:
        exam(agent)
    assert refused.value.code == Code.FORBIDDEN
    mine = exam(lead, title="班组测验")
    assert services.close_exam(lead, mine.pk).is_open is False
    with pytest.raises(ServiceError) as refused:
        exam(people["dept_handler"])
    assert refused.value.code == Code.FORBIDDEN


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": ""}, "title"),
        ({"topics": []}, "topics"),
        ({"topics": ["cooking"]}, "topics"),
        ({"easy": 0, "medium": 0, "hard": 0}, "easy"),
        ({"minutes": 0}, "minutes"),
        ({"pass_mark": 101}, "pass_mark"),
        ({"hard": -1}, "hard"),
    ],
)
def test_a_bad_exam_is_refused_naming_the_field(supervisor, over, field):
    three_kinds(supervisor)
    with pytest.raises(ServiceError) as refused:
        exam(supervisor, **over)
    assert (refused.value.code, refused.value.field) == (Code.INVALID, field)
