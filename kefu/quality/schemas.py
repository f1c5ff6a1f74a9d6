"""API shapes of quality (质检). Class names start with ``Qc`` (unique across the API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from kefu.core.masking import can_view_pii, mask_text
from kefu.core.paging import PageQuery
from kefu.core.schemas import Day, Moment
from kefu.quality.models import (
    Appeal,
    Category,
    Inspection,
    Mark,
    QualitySettings,
    Sample,
    SampleDraw,
    Scorecard,
    ScorecardItem,
    SendBack,
)

CATEGORIES = "one of " + ", ".join(Category.values)


class QcItemIn(Schema):
    name: str = Field(..., max_length=100)
    category: str = Field(..., description=CATEGORIES)
    points: int = Field(0, description="the item's weight, 0 to 100")
    is_veto: bool = Field(False, description="一票否决: failing it makes the score 0")


class QcScorecardIn(Schema):
    name: str = Field(..., max_length=60)
    items: list[QcItemIn]


class QcScorecardQuery(PageQuery):
    status: str = Field("active", description="active, superseded, retired or all")


class QcItemOut(Schema):
    position: int
    name: str
    category: str
    points: int
    is_veto: bool


class QcScorecardOut(Schema):
    id: int
    code: str
    version: int
    name: str
    status: str
    max_points: int
    items: list[QcItemOut]


class QcSettingsIn(Schema):
    period: str = Field(..., description="week or month")
    share_percent: int = Field(5, description="the random share of each agent's work, 0 to 100")
    minimum: int = Field(2, description="at least this many of each agent's work, 0 to 100")
    include_calls: bool = True
    complaints: bool = True
    breached: bool = True
    low_scores: bool = True
    low_score_max: int = Field(2, description="a survey score at or below this is low, 1 to 4")


class QcSettingsOut(QcSettingsIn):
    pass


class QcDrawIn(Schema):
    day: Day | None = Field(
        None, description="a day of the period to draw; default: the last ended"
    )


class QcDrawOut(Schema):
    id: int
    period: str
    start: dt.date
    end: dt.date
    seed: int
    share_percent: int
    minimum: int
    drawn_at: dt.datetime
    samples: int
    created: bool


class QcSampleQuery(PageQuery):
    draw: int | None = None
    status: str = Field("", description="pending or inspected")
    reason: str = Field("", description="random, complaint, breached, low_score or call")


class QcSampleOut(Schema):
    id: int
    draw: int
    agent: int
    agent_name: str
    reason: str
    status: str
    ticket: str | None
    call: int | None
    inspection: int | None


class QcMarkIn(Schema):
    position: int
    passed: bool | None = None
    points: int | None = Field(None, description="0 to the item's weight; else from passed")
    comment: str = Field("", max_length=200)


class QcInspectIn(Schema):
    scorecard: int
    marks: list[QcMarkIn]
    comment: str = Field("", max_length=1000)


class QcMarkOut(QcItemOut):
    passed: bool
    awarded: int
    comment: str


class QcInspectionQuery(PageQuery):
    agent: int | None = None
    status: str = Field("", description="scored, appealed or final")


class QcInspectionOut(Schema):
    id: int
    sample: int
    agent: int
    agent_name: str
    inspector_name: str
    ticket: str | None
    call: int | None
    scorecard: int
    status: str
    points: int
    max_points: int
    vetoed: bool
    inspector_score: int
    score: int
    comment: str
    inspected_at: dt.datetime


class QcCallOut(Schema):
    id: int
    started_at: dt.datetime
    direction: str
    recording_url: str


class QcInspectionDetailOut(QcInspectionOut):
    marks: list[QcMarkOut]
    ticket_content: str
    call_detail: QcCallOut | None
    appeal: int | None


class QcSendBackIn(Schema):
    to: str = Field(..., description="agent or department")
    department: int | None = None
    required_fix: str = Field(..., max_length=1000)
    due_at: Moment


class QcSendBackQuery(PageQuery):
    status: str = Field("", description="open or fixed")
    overdue: bool = False


class QcSendBackOut(Schema):
    id: int
    inspection: int
    agent_name: str
    ticket: str | None
    to_user: int | None
    to_department: str | None
    required_fix: str
    due_at: dt.datetime
    status: str
    overdue: bool
    fix_note: str
    fixed_at: dt.datetime | None


class QcFixIn(Schema):
    note: str = Field(..., max_length=1000)


class QcAppealIn(Schema):
    reason: str = Field(..., max_length=1000)


class QcDecideIn(Schema):
    outcome: str = Field(..., description="upheld (score stands) or accepted")
    score: int | None = Field(None, description="the decided score 0–100 (accepted)")
    note: str = Field("", max_length=1000)


class QcAppealQuery(PageQuery):
    status: str = Field("", description="pending, upheld or accepted")


class QcAppealOut(Schema):
    id: int
    inspection: int
    agent: int
    agent_name: str
    reason: str
    status: str
    filed_at: dt.datetime
    original_score: int
    decided_score: int | None
    decided_at: dt.datetime | None
    decision_note: str


class QcEvaluationQuery(PageQuery):
    month: Day | None = Field(None, description="a day of the month; default: this month")


class QcMonthQuery(Schema):
    month: Day | None = Field(None, description="a day of the month; default: this month")


class QcExamOut(Schema):
    exam_title: str
    finished_at: dt.datetime
    score: int
    passed: bool


class QcEvaluationOut(Schema):
    user: int
    name: str
    employee_no: str
    month: dt.date
    inspections: int
    quality_score: float | None
    vetoed: int
    surveys: int
    survey_average: float | None
    surveys_satisfied: int
    callbacks_satisfied: int
    callbacks_unsatisfied: int
    exams: list[QcExamOut]
    exam_average: float | None
    exams_passed: int


# ------------------------------------------------------------------------------ shaping


def _name(user: Any) -> str:
    staff = getattr(user, "staff", None)
    return staff.display_name if staff is not None else user.get_username()


def item_out(item: ScorecardItem) -> dict[str, Any]:
    return {
        "position": item.position,
        "name": item.name,
        "category": item.category,
        "points": item.points,
        "is_veto": item.is_veto,
    }


def scorecard_out(card: Scorecard) -> dict[str, Any]:
    items = [item_out(i) for i in card.items.all()]
    return {
        "id": card.pk,
        "code": card.code,
        "version": card.version,
        "name": card.name,
        "status": card.status,
        "max_points": sum(i["points"] for i in items),
        "items": items,
    }


def settings_out(row: QualitySettings) -> dict[str, Any]:
    return {
        f: getattr(row, f)
        for f in (
            "period",
            "share_percent",
            "minimum",
            "include_calls",
            "complaints",
            "breached",
            "low_scores",
            "low_score_max",
        )
    }


def draw_out(draw: SampleDraw, *, created: bool = False) -> dict[str, Any]:
    return {
        "id": draw.pk,
        "period": draw.period,
        "start": draw.start,
        "end": draw.end,
        "seed": draw.seed,
        "share_percent": draw.share_percent,
        "minimum": draw.minimum,
        "drawn_at": draw.drawn_at,
        "samples": draw.samples.count(),
        "created": created,
    }


def sample_out(sample: Sample) -> dict[str, Any]:
    inspection = getattr(sample, "inspection", None) if sample.status == "inspected" else None
    return {
        "id": sample.pk,
        "draw": sample.draw_id,
        "agent": sample.agent_id,
        "agent_name": _name(sample.agent),
        "reason": sample.reason,
        "status": sample.status,
        "ticket": sample.ticket.serial if sample.ticket is not None else None,
        "call": sample.call_id,
        "inspection": inspection.pk if inspection is not None else None,
    }


def inspection_out(row: Inspection) -> dict[str, Any]:
    sample = row.sample
    return {
        "id": row.pk,
        "sample": row.sample_id,
        "agent": row.agent_id,
        "agent_name": _name(row.agent),
        "inspector_name": _name(row.inspector),
        "ticket": sample.ticket.serial if sample.ticket is not None else None,
        "call": sample.call_id,
        "scorecard": row.scorecard_id,
        "status": row.status,
        "points": row.points,
        "max_points": row.max_points,
        "vetoed": row.vetoed,
        "inspector_score": row.inspector_score,
        "score": row.score,
        "comment": row.comment,
        "inspected_at": row.inspected_at,
    }


def mark_out(mark: Mark) -> dict[str, Any]:
    return {
        "position": mark.position,
        "name": mark.name,
        "category": mark.category,
        "points": mark.points,
        "is_veto": mark.is_veto,
        "passed": mark.passed,
        "awarded": mark.awarded,
        "comment": mark.comment,
    }


def inspection_detail_out(row: Inspection, marks: list[Mark], *, viewer: Any) -> dict[str, Any]:
    sample = row.sample
    content = sample.ticket.content if sample.ticket is not None else ""
    call = sample.call
    appeal = Appeal.objects.filter(inspection=row).values_list("pk", flat=True).first()
    return inspection_out(row) | {
        "marks": [mark_out(m) for m in marks],
        # The ticket's text may hold a number the customer typed: masked like everywhere.
        "ticket_content": content if can_view_pii(viewer) else mask_text(content),
        "call_detail": (
            {
                "id": call.pk,
                "started_at": call.started_at,
                "direction": call.direction,
                "recording_url": call.recording_url,
            }
            if call is not None
            else None
        ),
        "appeal": appeal,
    }


def send_back_out(row: SendBack, *, now: dt.datetime) -> dict[str, Any]:
    ticket = row.inspection.sample.ticket
    return {
        "id": row.pk,
        "inspection": row.inspection_id,
        "agent_name": _name(row.inspection.agent),
        "ticket": ticket.serial if ticket is not None else None,
        "to_user": row.to_user_id,
        "to_department": row.to_department.name if row.to_department else None,
        "required_fix": row.required_fix,
        "due_at": row.due_at,
        "status": row.status,
        "overdue": row.status == SendBack.Status.OPEN and row.due_at < now,
        "fix_note": row.fix_note,
        "fixed_at": row.fixed_at,
    }


def appeal_out(row: Appeal) -> dict[str, Any]:
    return {
        "id": row.pk,
        "inspection": row.inspection_id,
        "agent": row.agent_id,
        "agent_name": _name(row.agent),
        "reason": row.reason,
        "status": row.status,
        "filed_at": row.filed_at,
        "original_score": row.original_score,
        "decided_score": row.decided_score,
        "decided_at": row.decided_at,
        "decision_note": row.decision_note,
    }


def evaluation_out(e: Any) -> dict[str, Any]:
    return {
        "user": e.user_id,
        "name": e.name,
        "employee_no": e.employee_no,
        "month": e.month,
        "inspections": e.inspections,
        "quality_score": e.quality_score,
        "vetoed": e.vetoed,
        "surveys": e.surveys,
        "survey_average": e.survey_average,
        "surveys_satisfied": e.surveys_satisfied,
        "callbacks_satisfied": e.callbacks_satisfied,
        "callbacks_unsatisfied": e.callbacks_unsatisfied,
        "exams": [
            {
                "exam_title": x.exam_title,
                "finished_at": x.finished_at,
                "score": x.score,
                "passed": x.passed,
            }
            for x in e.exams
        ],
        "exam_average": e.exam_average,
        "exams_passed": e.exams_passed,
    }
