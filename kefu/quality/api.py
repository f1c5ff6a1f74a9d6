"""Quality over the API (/api/v1/quality): scorecards, the sampling settings, sample draws
and samples, inspections, send-backs (整改), appeals and the agents' evaluation (绩效)."""

from __future__ import annotations

from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from kefu.core.excel import xlsx_response
from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.quality import access, selectors, services
from kefu.quality.schemas import (
    QcAppealIn,
    QcAppealOut,
    QcAppealQuery,
    QcDecideIn,
    QcDrawIn,
    QcDrawOut,
    QcEvaluationOut,
    QcEvaluationQuery,
    QcFixIn,
    QcInspectIn,
    QcInspectionDetailOut,
    QcInspectionOut,
    QcInspectionQuery,
    QcMonthQuery,
    QcSampleOut,
    QcSampleQuery,
    QcScorecardIn,
    QcScorecardOut,
    QcScorecardQuery,
    QcSendBackIn,
    QcSendBackOut,
    QcSendBackQuery,
    QcSettingsIn,
    QcSettingsOut,
    appeal_out,
    draw_out,
    evaluation_out,
    inspection_detail_out,
    inspection_out,
    sample_out,
    scorecard_out,
    send_back_out,
    settings_out,
)

router = Router(tags=["quality"])


@router.get("/scorecards", response=PageOut[QcScorecardOut])
def list_scorecards(request, filters: Query[QcScorecardQuery]):
    rows = selectors.list_scorecards(request.user, status=filters.status).prefetch_related("items")
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), scorecard_out)


@router.post("/scorecards", response={201: QcScorecardOut})
def create_scorecard(request, payload: QcScorecardIn):
    data = payload.dict()
    card = services.create_scorecard(request.user, name=data["name"], items=data["items"])
    return Status(201, scorecard_out(card))


@router.get("/scorecards/{scorecard_id}", response=QcScorecardOut)
def get_scorecard(request, scorecard_id: int):
    return scorecard_out(access.access_scorecard(request.user, scorecard_id))


@router.post("/scorecards/{scorecard_id}/revise", response={201: QcScorecardOut})
def revise_scorecard(request, scorecard_id: int, payload: QcScorecardIn):
    """The scorecard's next version; inspections keep the items they were scored on."""
    data = payload.dict()
    card = services.revise_scorecard(
        request.user, scorecard_id, name=data["name"], items=data["items"]
    )
    return Status(201, scorecard_out(card))


@router.post("/scorecards/{scorecard_id}/retire", response=QcScorecardOut)
def retire_scorecard(request, scorecard_id: int):
    return scorecard_out(services.retire_scorecard(request.user, scorecard_id))


@router.get("/settings", response=QcSettingsOut)
def get_settings(request):
    access.require_inspect(request.user)
    return settings_out(services.current_settings())


@router.put("/settings", response=QcSettingsOut)
def update_settings(request, payload: QcSettingsIn):
    return settings_out(services.update_settings(request.user, **payload.dict()))


@router.get("/draws", response=PageOut[QcDrawOut])
def list_draws(request, filters: Query[PageQuery]):
    rows = selectors.list_draws(request.user)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), draw_out)


@router.post("/draws", response={200: QcDrawOut, 201: QcDrawOut})
def draw_sample(request, payload: QcDrawIn | None = None):
    """Draw the sample of a period (201), or answer the one drawn before (200)."""
    day = payload.day if payload is not None else None
    draw, created = services.draw_sample(request.user, day=day)
    return Status(201 if created else 200, draw_out(draw, created=created))


@router.get("/samples", response=PageOut[QcSampleOut])
def list_samples(request, filters: Query[QcSampleQuery]):
    rows = selectors.list_samples(
        request.user, draw_id=filters.draw, status=filters.status, reason=filters.reason
    ).select_related("inspection")
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), sample_out)


@router.get("/samples/{sample_id}", response=QcSampleOut)
def get_sample(request, sample_id: int):
    return sample_out(access.access_sample(request.user, sample_id))


@router.post("/samples/{sample_id}/inspect", response={201: QcInspectionDetailOut})
def inspect_sample(request, sample_id: int, payload: QcInspectIn):
    """Score the sample: per item pass/fail or points, weights and 一票否决 applied."""
    data = payload.dict()
    row = services.inspect_sample(
        request.user,
        sample_id,
        scorecard_id=data["scorecard"],
        marks=data["marks"],
        comment=data["comment"],
    )
    return Status(201, _detail(request, row.pk))


def _detail(request, inspection_id: int) -> dict:
    row = access.access_inspection(request.user, inspection_id)
    return inspection_detail_out(row, selectors.marks_of(row), viewer=request.user)


@router.get("/inspections", response=PageOut[QcInspectionOut])
def list_inspections(request, filters: Query[QcInspectionQuery]):
    """The inspections the caller reads (an agent: their own)."""
    rows = selectors.list_inspections(request.user, agent_id=filters.agent, status=filters.status)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), inspection_out)


@router.get("/inspections/{inspection_id}", response=QcInspectionDetailOut)
def get_inspection(request, inspection_id: int):
    return _detail(request, inspection_id)


@router.post("/inspections/{inspection_id}/send-back", response={201: QcSendBackOut})
def send_back(request, inspection_id: int, payload: QcSendBackIn):
    """业务稽查 整改: back to the agent or a department with the fix required and a due time."""
    row = services.send_back(
        request.user,
        inspection_id,
        to=payload.to,
        department_id=payload.department,
        required_fix=payload.required_fix,
        due_at=payload.due_at,
    )
    return Status(201, send_back_out(row, now=timezone.now()))


@router.post("/inspections/{inspection_id}/appeal", response={201: QcAppealOut})
def file_appeal(request, inspection_id: int, payload: QcAppealIn):
    """The agent's one appeal of their inspection."""
    return Status(
        201, appeal_out(services.file_appeal(request.user, inspection_id, reason=payload.reason))
    )


@router.get("/send-backs", response=PageOut[QcSendBackOut])
def list_send_backs(request, filters: Query[QcSendBackQuery]):
    """Those sent to the caller (or their department) and, for readers, their agents'."""
    now = timezone.now()
    rows = selectors.list_send_backs(request.user, status=filters.status, overdue=filters.overdue)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    return page_out(page, lambda r: send_back_out(r, now=now))


@router.get("/send-backs/{send_back_id}", response=QcSendBackOut)
def get_send_back(request, send_back_id: int):
    return send_back_out(access.access_send_back(request.user, send_back_id), now=timezone.now())


@router.post("/send-backs/{send_back_id}/fix", response=QcSendBackOut)
def record_fix(request, send_back_id: int, payload: QcFixIn):
    row = services.record_fix(request.user, send_back_id, note=payload.note)
    return send_back_out(row, now=timezone.now())


@router.get("/appeals", response=PageOut[QcAppealOut])
def list_appeals(request, filters: Query[QcAppealQuery]):
    rows = selectors.list_appeals(request.user, status=filters.status)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), appeal_out)


@router.get("/appeals/{appeal_id}", response=QcAppealOut)
def get_appeal(request, appeal_id: int):
    return appeal_out(access.access_appeal(request.user, appeal_id))


@router.post("/appeals/{appeal_id}/decide", response=QcAppealOut)
def decide_appeal(request, appeal_id: int, payload: QcDecideIn):
    row = services.decide_appeal(
        request.user, appeal_id, outcome=payload.outcome, score=payload.score, note=payload.note
    )
    return appeal_out(row)


@router.get("/evaluation", response=PageOut[QcEvaluationOut])
def list_evaluations(request, filters: Query[QcEvaluationQuery]):
    """绩效: the month's evaluation of each agent the caller reads (an agent: themself)."""
    month = filters.month or timezone.localdate()
    access.require_use(request.user)
    rows = selectors.evaluable_agents(request.user).order_by("staff__employee_no", "pk")
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    found = {e.user_id: e for e in selectors.evaluate(list(page.items), month)}
    return page_out(page, lambda u: evaluation_out(found[u.pk]))


@router.get("/evaluation.xlsx", response={200: None})
def evaluation_workbook(request, filters: Query[QcMonthQuery]):
    """The month's evaluations of every agent the caller reads, as an Excel workbook."""
    month = filters.month or timezone.localdate()
    content, filename = selectors.evaluation_workbook(request.user, month)
    return xlsx_response(content, filename)


@router.get("/evaluation/{agent_id}", response=QcEvaluationOut)
def get_evaluation(request, agent_id: int, filters: Query[QcMonthQuery]):
    """One agent's month (``month``: any day of it; default this month)."""
    month = filters.month or timezone.localdate()
    return evaluation_out(selectors.evaluation(request.user, agent_id, month))
