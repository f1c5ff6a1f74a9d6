"""A small known question bank, exams and papers for the training tests."""

from __future__ import annotations

from kefu.training import services
from kefu.training.models import Question


def clear_bank() -> None:
    """Only the questions a test writes (the starter bank is retired, as a supervisor may)."""
    Question.objects.update(status=Question.Status.RETIRED)


def judge(actor, *, topic="time_limit", difficulty=1, right=True, text="三声之内接听电话"):
    return services.create_question(
        actor,
        kind="judge",
        topic=topic,
        difficulty=difficulty,
        text=text,
        options=[],
        answer=[0 if right else 1],
        explanation="电话三声之内接起。",
    )


def single(actor, *, topic="complaint", difficulty=2, text="一般投诉的结果时限?"):
    return services.create_question(
        actor,
        kind="single",
        topic=topic,
        difficulty=difficulty,
        text=text,
        options=["2小时", "1天", "2天"],
        answer=[0],
        explanation="一般投诉2小时内出结果。",
    )


def multi(actor, *, topic="conduct", difficulty=3, text="哪些是禁用语?"):
    return services.create_question(
        actor,
        kind="multi",
        topic=topic,
        difficulty=difficulty,
        text=text,
        options=["这是公司的规定", "请您稍等", "我不知道"],
        answer=[0, 2],
        explanation="“这是公司的规定”和“我不知道”是禁用语。",
    )


def three_kinds(actor):
    """One question of each kind: judge (easy), single (medium), multi (hard)."""
    return judge(actor), single(actor), multi(actor)


def exam(actor, **over):
    fields = dict(
        title="服务规范月考",
        topics=["time_limit", "complaint", "conduct"],
        easy=1,
        medium=1,
        hard=1,
        minutes=30,
        pass_mark=60,
    )
    fields.update(over)
    return services.create_exam(actor, **fields)


def right_answers(attempt) -> dict[int, list[int]]:
    return {
        row.position: list(row.question.answer)
        for row in attempt.answers.select_related("question")
    }
