"""Training reads: the bank, exams, attempts, results per person and per question, the
procedures and who has not confirmed them, and a person's results for a period (what the
agent's evaluation counts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
)

from kefu.accounts.models import CENTER_ROLES
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor, user_of
from kefu.training import access
from kefu.training.models import (
    Attempt,
    AttemptAnswer,
    Confirmation,
    Exam,
    Procedure,
    Question,
)

QUESTION_STATUSES = ("active", "superseded", "retired", "all")


def _key_or_none(value: int | None) -> int | None:
    """An id to filter by: out of the database's range it matches nothing (never a 500)."""
    if value is None:
        return None
    return value if 0 < value < 2**62 else 0


def list_questions(
    actor: Actor | None,
    *,
    topic: str = "",
    kind: str = "",
    difficulty: int | None = None,
    status: str = "active",
    code: str = "",
) -> QuerySet[Question]:
    access.require_bank(actor)
    rows = Question.objects.all().order_by("code", "-version")
    if status in Question.Status.values:
        rows = rows.filter(status=status)
    if topic:
        rows = rows.filter(topic=topic)
    if kind:
        rows = rows.filter(kind=kind)
    if difficulty is not None:
        rows = rows.filter(difficulty=difficulty) if 0 < difficulty < 4 else rows.none()
    if code:
        rows = rows.filter(code=code)
    return rows


def list_exams(actor: Actor | None, *, open_only: bool = False) -> QuerySet[Exam]:
    access.require_train(actor)
    rows = access.visible_exams(actor).select_related("branch").order_by("-created_at", "-id")
    return rows.filter(is_open=True) if open_only else rows


def list_attempts(
    actor: Actor | None, *, exam_id: int | None = None, mine: bool = False
) -> QuerySet[Attempt]:
    access.require_train(actor)
    rows = access.visible_attempts(actor)
    if mine and actor is not None:
        rows = rows.filter(candidate_id=actor.pk)
    exam_id = _key_or_none(exam_id)
    if exam_id is not None:
        rows = rows.filter(exam_id=exam_id)
    return rows.select_related("exam", "candidate__staff").order_by("-started_at", "-id")


def paper_of(attempt: Attempt) -> list[AttemptAnswer]:
    return list(attempt.answers.select_related("question").order_by("position"))


def results_by_person(actor: Actor | None, exam: Exam) -> QuerySet:
    """Per candidate of ``exam``: attempts, finished attempts, best score, passed at all."""
    access.require_results(actor)
    return (
        Attempt.objects.filter(exam=exam)
        .values("candidate_id", "candidate__staff__display_name", "candidate__staff__employee_no")
        .annotate(
            attempts=Count("id"),
            finished=Count("id", filter=Q(status__in=Attempt.FINISHED)),
            best=Max("score"),
            passes=Count("id", filter=Q(passed=True)),
        )
        .order_by("candidate__staff__employee_no", "candidate_id")
    )


def question_stats(actor: Actor | None, *, exam_id: int | None = None) -> QuerySet:
    """Per question version asked in finished attempts: how many answered it, how many got
    it wrong and the share wrong (%), the most missed first."""
    access.require_results(actor)
    rows = AttemptAnswer.objects.filter(
        attempt__status__in=Attempt.FINISHED,
        attempt__exam__in=access.visible_exams(actor),
    )
    exam_id = _key_or_none(exam_id)
    if exam_id is not None:
        rows = rows.filter(attempt__exam_id=exam_id)
    return (
        rows.values(
            "question_id",
            "question__code",
            "question__version",
            "question__text",
            "question__topic",
            "question__kind",
            "question__difficulty",
        )
        .annotate(answered=Count("id"), wrong=Count("id", filter=Q(is_correct=False)))
        .annotate(
            wrong_rate=ExpressionWrapper(
                F("wrong") * 100.0 / F("answered"), output_field=FloatField()
            )
        )
        .order_by("-wrong_rate", "-answered", "question__code", "question_id")
    )


@dataclass(frozen=True)
class ExamResult:
    attempt_id: int
    exam_id: int
    exam_title: str
    finished_at: dt.datetime
    score: int
    pass_mark: int
    passed: bool


def results_for(user_id: int, *, start: dt.datetime, end: dt.datetime) -> list[ExamResult]:
    """A person's finished exams with ``start`` <= finished_at < ``end``, oldest first: what
    the agent's evaluation counts."""
    return results_of_people([user_id], start=start, end=end).get(user_id, [])


def results_of_people(
    user_ids: Iterable[int], *, start: dt.datetime, end: dt.datetime
) -> dict[int, list[ExamResult]]:
    """``results_for`` of several people in one query: their ids → their results (a person
    with none is left out)."""
    rows = (
        Attempt.objects.filter(
            candidate_id__in=list(user_ids),
            status__in=Attempt.FINISHED,
            finished_at__gte=start,
            finished_at__lt=end,
        )
        .select_related("exam")
        .order_by("finished_at", "id")
    )
    found: dict[int, list[ExamResult]] = {}
    for a in rows:
        found.setdefault(a.candidate_id, []).append(
            ExamResult(
                attempt_id=a.pk,
                exam_id=a.exam_id,
                exam_title=a.exam.title,
                finished_at=a.finished_at,  # type: ignore[arg-type]
                score=a.score or 0,
                pass_mark=a.exam.pass_mark,
                passed=bool(a.passed),
            )
        )
    return found


def list_procedures(actor: Actor | None) -> QuerySet[Procedure]:
    """Published procedures with ``confirmed``: whether ``actor`` confirmed the current one."""
    access.require_train(actor)
    user = user_of(actor)
    mine = Confirmation.objects.filter(version_id=OuterRef("current_id"), user=user)
    return (
        Procedure.objects.exclude(current=None)
        .select_related("current")
        .annotate(confirmed=Exists(mine))
        .order_by("code")
    )


def staff_to_confirm(actor: Actor | None) -> QuerySet:
    """The center staff a lead answers for: their branch's, or all for the center's own."""
    scope = scope_of(actor)
    rows = get_user_model().objects.filter(is_active=True, staff__role__in=CENTER_ROLES)
    if not scope.everything:
        rows = rows.filter(staff__branch=scope.branch_id)
    return rows.select_related("staff").order_by("staff__employee_no")


def unconfirmed(actor: Actor | None, procedure: Procedure) -> QuerySet:
    """Who of the actor's staff has not confirmed the procedure's current version."""
    access.require_set_exams(actor)
    done = Confirmation.objects.filter(version_id=procedure.current_id).values("user_id")
    return staff_to_confirm(actor).exclude(pk__in=done)


def confirmations_of(procedure: Procedure) -> QuerySet[Confirmation]:
    return (
        Confirmation.objects.filter(version_id=procedure.current_id)
        .select_related("user__staff")
        .order_by("-confirmed_at")
    )
