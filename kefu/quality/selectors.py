"""Quality reads: scorecards, samples, inspections, send-backs (overdue ones flagged),
appeals, and the agent's monthly evaluation (quality score, callbacks and surveys, exams)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import one_sheet
from kefu.followups import rates
from kefu.followups.models import CallbackTask, Survey
from kefu.quality import access
from kefu.quality.models import Appeal, Inspection, Sample, SampleDraw, Scorecard, SendBack
from kefu.training.selectors import ExamResult, results_of_people

SATISFIED_FROM = 4  # a survey score of 4 or 5 counts as satisfied


def list_scorecards(actor: Actor | None, *, status: str = "active") -> QuerySet[Scorecard]:
    access.require_use(actor)
    if not scope_of(actor).is_center:
        return Scorecard.objects.none()
    rows = Scorecard.objects.annotate(item_count=Count("items")).order_by("code", "-version")
    return rows.filter(status=status) if status in Scorecard.Status.values else rows


def list_draws(actor: Actor | None) -> QuerySet[SampleDraw]:
    access.require_inspect(actor)
    return SampleDraw.objects.order_by("-start", "-id")


def list_samples(
    actor: Actor | None, *, draw_id: int | None = None, status: str = "", reason: str = ""
) -> QuerySet[Sample]:
    access.require_inspect(actor)
    rows = access.visible_samples(actor)
    if draw_id is not None:
        rows = rows.filter(draw_id=draw_id if 0 < draw_id < 2**62 else 0)
    if status in Sample.Status.values:
        rows = rows.filter(status=status)
    if reason:
        rows = rows.filter(reason=reason)
    return rows.select_related("agent__staff", "ticket", "call", "draw").order_by(
        "-draw__start", "agent__staff__employee_no", "id"
    )


def list_inspections(
    actor: Actor | None, *, agent_id: int | None = None, status: str = ""
) -> QuerySet[Inspection]:
    access.require_use(actor)
    rows = access.visible_inspections(actor)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id if 0 < agent_id < 2**62 else 0)
    if status in Inspection.Status.values:
        rows = rows.filter(status=status)
    return rows.select_related(
        "agent__staff", "inspector__staff", "sample__ticket", "scorecard"
    ).order_by("-inspected_at", "-id")


def marks_of(inspection: Inspection) -> list[Any]:
    return list(inspection.marks.order_by("position"))


def list_send_backs(
    actor: Actor | None, *, status: str = "", overdue: bool = False
) -> QuerySet[SendBack]:
    access.require_use(actor)
    rows = access.visible_send_backs(actor)
    if status in SendBack.Status.values:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(status=SendBack.Status.OPEN, due_at__lt=timezone.now())
    return rows.select_related(
        "inspection__agent__staff", "inspection__sample__ticket", "to_user__staff", "to_department"
    ).order_by("due_at", "id")


def list_appeals(actor: Actor | None, *, status: str = "") -> QuerySet[Appeal]:
    access.require_use(actor)
    rows = access.visible_appeals(actor)
    if status in Appeal.Status.values:
        rows = rows.filter(status=status)
    return rows.select_related("agent__staff", "decided_by__staff", "inspection").order_by(
        "-filed_at", "-id"
    )


# ------------------------------------------------------------------------------ evaluation


def evaluable_agents(actor: Actor | None) -> QuerySet:
    """Whose evaluation ``actor`` reads: a team lead their branch's agents (a lead of no
    branch: all), supervisors, quality, the general manager and admins all in their reach,
    an agent only themself; department staff nobody."""
    users = get_user_model().objects.filter(staff__role=Role.AGENT).select_related("staff")
    scope = scope_of(actor)
    if actor is None or actor.pk is None or not scope.is_center:
        return users.none()
    if scope.role in access.READ_ALL_ROLES:
        if scope.everything:
            return users
        return users.filter(staff__branch_id=scope.branch_id or 0)
    return users.filter(pk=actor.pk)


@dataclass(frozen=True)
class Evaluation:
    user_id: int
    name: str
    employee_no: str
    month: dt.date
    inspections: int
    quality_score: float | None  # the average of the month's inspections' scores
    vetoed: int
    surveys: int
    survey_average: float | None
    surveys_satisfied: int
    callbacks_satisfied: int
    callbacks_unsatisfied: int
    exams: list[ExamResult]
    exam_average: float | None
    exams_passed: int


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    aware = timezone.make_aware
    return (
        aware(dt.datetime.combine(start, dt.time())),
        aware(dt.datetime.combine(end, dt.time())),
    )


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def evaluation(actor: Actor | None, user_id: int, month: dt.date) -> Evaluation:
    """One agent's month (绩效): the average score of their inspections that month, their
    tickets' surveys answered and callbacks finished that month, their exams finished that
    month. NOT_FOUND for an agent the actor may not read."""
    access.require_use(actor)
    if not isinstance(user_id, int) or not 0 < user_id < 2**62:
        raise ServiceError(Code.NOT_FOUND, _("坐席不存在"))
    user = evaluable_agents(actor).filter(pk=user_id).first()
    if user is None:
        raise ServiceError(Code.NOT_FOUND, _("坐席不存在"))
    return evaluate([user], month)[0]


def evaluations(actor: Actor | None, month: dt.date) -> list[Evaluation]:
    """The month's evaluation of every agent ``actor`` reads, by 工号."""
    access.require_use(actor)
    return evaluate(list(evaluable_agents(actor).order_by("staff__employee_no", "pk")), month)


def evaluate(users: list[Any], month: dt.date) -> list[Evaluation]:
    """The month's evaluation of each of ``users`` (agents with their staff row, whom the
    caller checked may be read), in their order: four grouped queries whatever their number."""
    start, end = month_bounds(month)
    ids = [u.pk for u in users]
    checked = _by(
        "agent_id",
        Inspection.objects.filter(agent_id__in=ids, inspected_at__gte=start, inspected_at__lt=end),
        n=Count("id"),
        avg=Avg("score"),
        vetoed=Count("id", filter=Q(vetoed=True)),
    )
    surveys = _by(
        "agent_id",
        Survey.objects.filter(
            agent_id__in=ids,
            state=Survey.State.ANSWERED,
            answered_at__gte=start,
            answered_at__lt=end,
        ),
        n=Count("id"),
        avg=Avg("score"),
        ok=Count("id", filter=Q(score__gte=SATISFIED_FROM)),
    )
    callbacks = _by(
        "ticket__created_by_id",
        CallbackTask.objects.filter(
            ticket__created_by_id__in=ids, finished_at__gte=start, finished_at__lt=end
        ),
        ok=Count("id", filter=rates.SATISFIED),
        bad=Count("id", filter=Q(outcome=CallbackTask.Outcome.UNSATISFIED)),
    )
    exams_of = results_of_people(ids, start=start, end=end)
    found = []
    for user in users:
        mine, heard, called = (
            checked.get(user.pk, {}),
            surveys.get(user.pk, {}),
            callbacks.get(user.pk, {}),
        )
        exams = exams_of.get(user.pk, [])
        found.append(
            Evaluation(
                user_id=user.pk,
                name=user.staff.display_name,
                employee_no=user.staff.employee_no,
                month=month.replace(day=1),
                inspections=mine.get("n", 0),
                quality_score=_round(mine.get("avg")),
                vetoed=mine.get("vetoed", 0),
                surveys=heard.get("n", 0),
                survey_average=_round(heard.get("avg")),
                surveys_satisfied=heard.get("ok", 0),
                callbacks_satisfied=called.get("ok", 0),
                callbacks_unsatisfied=called.get("bad", 0),
                exams=exams,
                exam_average=_round(sum(e.score for e in exams) / len(exams)) if exams else None,
                exams_passed=sum(1 for e in exams if e.passed),
            )
        )
    return found


def _by(key: str, rows: QuerySet, **aggregates: Any) -> dict[int, dict[str, Any]]:
    """``aggregates`` of ``rows`` grouped by ``key``: key → {name: value}."""
    return {row.pop(key): row for row in rows.values(key).annotate(**aggregates).order_by()}


def evaluation_workbook(actor: Actor | None, month: dt.date) -> tuple[bytes, str]:
    """The month's evaluations of every agent ``actor`` reads as one sheet (绩效), numbers as
    numbers, with its file name ``evaluation-YYYY-MM.xlsx``."""
    header = [
        _("工号"),
        _("坐席"),
        _("质检次数"),
        _("质检平均分"),
        _("一票否决"),
        _("满意度评价"),
        _("平均满意度"),
        _("满意评价"),
        _("回访满意"),
        _("回访不满意"),
        _("考试次数"),
        _("考试及格"),
        _("考试平均分"),
    ]
    rows = [
        [
            e.employee_no,
            e.name,
            e.inspections,
            e.quality_score,
            e.vetoed,
            e.surveys,
            e.survey_average,
            e.surveys_satisfied,
            e.callbacks_satisfied,
            e.callbacks_unsatisfied,
            len(e.exams),
            e.exams_passed,
            e.exam_average,
        ]
        for e in evaluations(actor, month)
    ]
    title = _("坐席绩效 %s") % f"{month:%Y-%m}"
    return one_sheet(title, header, rows), f"evaluation-{month:%Y-%m}.xlsx"
