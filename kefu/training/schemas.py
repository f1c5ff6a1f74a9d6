"""API shapes of training. Choices are plain strings (their values are in the descriptions).
A paper's questions go out without their answers until it is finished."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from kefu.core.paging import PageQuery
from kefu.training.models import (
    Attempt,
    AttemptAnswer,
    Exam,
    Procedure,
    ProcedureVersion,
    Question,
    Topic,
)

TOPICS = "one of " + ", ".join(Topic.values)


class BankQuestionIn(Schema):
    kind: str = Field(..., description="judge (判断), single (单选) or multi (多选)")
    topic: str = Field(..., description=TOPICS)
    difficulty: int = Field(..., description="1 easy, 2 medium, 3 hard")
    text: str = Field(..., max_length=500)
    options: list[str] = Field(default_factory=list, description="ignored for judge")
    answer: list[int] = Field(..., description="the right options' 0-based indexes")
    explanation: str = Field("", max_length=1000)


class BankQuestionQuery(PageQuery):
    topic: str = ""
    kind: str = ""
    difficulty: int | None = None
    status: str = Field("active", description="active, superseded, retired or all")
    code: str = Field("", max_length=20)


class BankQuestionOut(Schema):
    id: int
    code: str
    version: int
    kind: str
    topic: str
    difficulty: int
    text: str
    options: list[str]
    answer: list[int]
    explanation: str
    status: str


class ExamIn(Schema):
    title: str = Field(..., max_length=100)
    topics: list[str] = Field(..., description=TOPICS)
    easy: int = 0
    medium: int = 0
    hard: int = 0
    minutes: int = Field(..., description="the time limit, 1 to 600")
    pass_mark: int = Field(60, description="0 to 100")
    branch: int | None = Field(None, description="a branch id (center-wide staff only)")


class ExamQuery(PageQuery):
    open_only: bool = False


class ExamOut(Schema):
    id: int
    title: str
    topics: list[str]
    easy: int
    medium: int
    hard: int
    minutes: int
    pass_mark: int
    branch: str | None
    is_open: bool
    created_at: dt.datetime


class ExamAttemptQuery(PageQuery):
    exam: int | None = None
    mine: bool = False


class ExamAttemptOut(Schema):
    id: int
    exam: int
    exam_title: str
    candidate: int
    candidate_name: str
    status: str
    started_at: dt.datetime
    deadline: dt.datetime
    finished_at: dt.datetime | None
    total: int
    correct: int | None
    score: int | None
    passed: bool | None


class PaperQuestionOut(Schema):
    position: int
    kind: str
    topic: str
    text: str
    options: list[str]
    chosen: list[int]
    # After the paper is finished only:
    answer: list[int] | None
    explanation: str | None
    is_correct: bool | None


class ExamAttemptDetailOut(ExamAttemptOut):
    questions: list[PaperQuestionOut]


class PaperAnswerIn(Schema):
    chosen: list[int] = Field(..., description="the chosen options' 0-based indexes; [] clears")


class PaperSubmitIn(Schema):
    answers: dict[int, list[int]] | None = Field(
        None, description="position → chosen, saved before marking (optional)"
    )


class PersonResultOut(Schema):
    candidate: int
    name: str
    employee_no: str
    attempts: int
    finished: int
    best: int | None
    passed: bool


class QuestionStatOut(Schema):
    question: int
    code: str
    version: int
    text: str
    topic: str
    kind: str
    difficulty: int
    answered: int
    wrong: int
    wrong_rate: float = Field(description="percent of the answers that were wrong")


class QuestionStatQuery(PageQuery):
    exam: int | None = None


class ProcedureIn(Schema):
    code: str = Field(..., max_length=30, description="a new code, or an existing one: new version")
    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=20000)
    note: str = Field("", max_length=200)


class ProcedureConfirmIn(Schema):
    number: int | None = Field(None, description="the version read (refused if no longer current)")


class ProcedureOut(Schema):
    id: int
    code: str
    title: str
    number: int
    published_at: dt.datetime
    confirmed: bool


class ProcedureDetailOut(ProcedureOut):
    body: str
    note: str
    versions: list[int]


class UnconfirmedStaffOut(Schema):
    id: int
    name: str
    employee_no: str


def question_out(q: Question) -> dict[str, Any]:
    return {
        "id": q.pk,
        "code": q.code,
        "version": q.version,
        "kind": q.kind,
        "topic": q.topic,
        "difficulty": q.difficulty,
        "text": q.text,
        "options": q.options,
        "answer": q.answer,
        "explanation": q.explanation,
        "status": q.status,
    }


def exam_out(e: Exam) -> dict[str, Any]:
    return {
        "id": e.pk,
        "title": e.title,
        "topics": e.topics,
        "easy": e.easy,
        "medium": e.medium,
        "hard": e.hard,
        "minutes": e.minutes,
        "pass_mark": e.pass_mark,
        "branch": e.branch.name if e.branch_id and e.branch else None,
        "is_open": e.is_open,
        "created_at": e.created_at,
    }


def _name(user: Any) -> str:
    staff = getattr(user, "staff", None)
    return staff.display_name if staff else user.username


def attempt_out(a: Attempt) -> dict[str, Any]:
    return {
        "id": a.pk,
        "exam": a.exam_id,
        "exam_title": a.exam.title,
        "candidate": a.candidate_id,
        "candidate_name": _name(a.candidate),
        "status": a.status,
        "started_at": a.started_at,
        "deadline": a.deadline,
        "finished_at": a.finished_at,
        "total": a.total,
        "correct": a.correct,
        "score": a.score,
        "passed": a.passed,
    }


def paper_question_out(row: AttemptAnswer, *, finished: bool) -> dict[str, Any]:
    q = row.question
    return {
        "position": row.position,
        "kind": q.kind,
        "topic": q.topic,
        "text": q.text,
        "options": q.options,
        "chosen": row.chosen,
        "answer": q.answer if finished else None,
        "explanation": q.explanation if finished else None,
        "is_correct": row.is_correct if finished else None,
    }


def person_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "candidate": row["candidate_id"],
        "name": row["candidate__staff__display_name"] or "",
        "employee_no": row["candidate__staff__employee_no"] or "",
        "attempts": row["attempts"],
        "finished": row["finished"],
        "best": row["best"],
        "passed": row["passes"] > 0,
    }


def stat_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "question": row["question_id"],
        "code": row["question__code"],
        "version": row["question__version"],
        "text": row["question__text"],
        "topic": row["question__topic"],
        "kind": row["question__kind"],
        "difficulty": row["question__difficulty"],
        "answered": row["answered"],
        "wrong": row["wrong"],
        "wrong_rate": round(row["wrong_rate"], 1),
    }


def procedure_out(p: Procedure, *, confirmed: bool) -> dict[str, Any]:
    current: ProcedureVersion = p.current  # type: ignore[assignment]
    return {
        "id": p.pk,
        "code": p.code,
        "title": current.title,
        "number": current.number,
        "published_at": current.published_at,
        "confirmed": confirmed,
    }


def staff_out(user: Any) -> dict[str, Any]:
    staff = getattr(user, "staff", None)
    return {
        "id": user.pk,
        "name": _name(user),
        "employee_no": staff.employee_no if staff else "",
    }
