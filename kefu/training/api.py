"""Training over the API (/api/v1/training): the question bank, exams, attempts (start,
answer, submit), results per person and per question, and the operating procedures."""

from __future__ import annotations

from ninja import Query, Router
from ninja.responses import Status

from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.training import access, selectors, services
from kefu.training.models import Confirmation
from kefu.training.schemas import (
    BankQuestionIn,
    BankQuestionOut,
    BankQuestionQuery,
    ExamAttemptDetailOut,
    ExamAttemptOut,
    ExamAttemptQuery,
    ExamIn,
    ExamOut,
    ExamQuery,
    PaperAnswerIn,
    PaperQuestionOut,
    PaperSubmitIn,
    PersonResultOut,
    ProcedureConfirmIn,
    ProcedureDetailOut,
    ProcedureIn,
    ProcedureOut,
    QuestionStatOut,
    QuestionStatQuery,
    UnconfirmedStaffOut,
    attempt_out,
    exam_out,
    paper_question_out,
    person_out,
    procedure_out,
    question_out,
    staff_out,
    stat_out,
)

router = Router(tags=["training"])


@router.get("/questions", response=PageOut[BankQuestionOut])
def list_questions(request, filters: Query[BankQuestionQuery]):
    """The question bank (supervisors and admins): active questions unless ``status`` says."""
    rows = selectors.list_questions(
        request.user,
        topic=filters.topic,
        kind=filters.kind,
        difficulty=filters.difficulty,
        status=filters.status,
        code=filters.code,
    )
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), question_out)


@router.post("/questions", response={201: BankQuestionOut})
def create_question(request, payload: BankQuestionIn):
    return Status(201, question_out(services.create_question(request.user, **payload.dict())))


@router.get("/questions/{question_id}", response=BankQuestionOut)
def get_question(request, question_id: int):
    return question_out(access.access_question(request.user, question_id))


@router.post("/questions/{question_id}/revise", response={201: BankQuestionOut})
def revise_question(request, question_id: int, payload: BankQuestionIn):
    """A new version of the question; the old one is kept as it was (superseded)."""
    return Status(
        201, question_out(services.revise_question(request.user, question_id, **payload.dict()))
    )


@router.post("/questions/{question_id}/retire", response=BankQuestionOut)
def retire_question(request, question_id: int):
    return question_out(services.retire_question(request.user, question_id))


@router.get("/exams", response=PageOut[ExamOut])
def list_exams(request, filters: Query[ExamQuery]):
    rows = selectors.list_exams(request.user, open_only=filters.open_only)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), exam_out)


@router.post("/exams", response={201: ExamOut})
def create_exam(request, payload: ExamIn):
    data = payload.dict()
    data["branch_id"] = data.pop("branch")
    return Status(201, exam_out(services.create_exam(request.user, **data)))


@router.get("/exams/{exam_id}", response=ExamOut)
def get_exam(request, exam_id: int):
    return exam_out(access.access_exam(request.user, exam_id))


@router.post("/exams/{exam_id}/close", response=ExamOut)
def close_exam(request, exam_id: int):
    return exam_out(services.close_exam(request.user, exam_id))


@router.get("/exams/{exam_id}/results", response=PageOut[PersonResultOut])
def exam_results(request, exam_id: int, filters: Query[PageQuery]):
    """Per person: attempts, finished attempts, best score, passed (result readers)."""
    exam = access.access_exam(request.user, exam_id)
    rows = selectors.results_by_person(request.user, exam)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), person_out)


@router.post("/exams/{exam_id}/attempts", response={201: ExamAttemptDetailOut})
def start_attempt(request, exam_id: int):
    """Start (or resume) the caller's own paper of the exam."""
    attempt = services.start_attempt(request.user, exam_id)
    return Status(201, _detail(attempt))


@router.get("/stats/questions", response=PageOut[QuestionStatOut])
def question_stats(request, filters: Query[QuestionStatQuery]):
    """Per question asked in finished attempts (of one exam, or all): the most missed first."""
    rows = selectors.question_stats(request.user, exam_id=filters.exam)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), stat_out)


def _detail(attempt) -> dict:
    finished = attempt.is_finished
    return attempt_out(attempt) | {
        "questions": [
            paper_question_out(row, finished=finished) for row in selectors.paper_of(attempt)
        ]
    }


@router.get("/attempts", response=PageOut[ExamAttemptOut])
def list_attempts(request, filters: Query[ExamAttemptQuery]):
    """The caller's attempts; a result reader's: every attempt of the exams they see."""
    rows = selectors.list_attempts(request.user, exam_id=filters.exam, mine=filters.mine)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), attempt_out)


@router.get("/attempts/{attempt_id}", response=ExamAttemptDetailOut)
def get_attempt(request, attempt_id: int):
    """The paper: answers and explanations only once it is finished. Read past its deadline,
    a paper still open is marked with what was saved."""
    attempt = access.access_attempt(request.user, attempt_id)
    if services.finish_if_overdue(attempt.pk):
        attempt = access.access_attempt(request.user, attempt_id)
    return _detail(attempt)


@router.put("/attempts/{attempt_id}/answers/{position}", response=PaperQuestionOut)
def save_answer(request, attempt_id: int, position: int, payload: PaperAnswerIn):
    row = services.save_answer(request.user, attempt_id, position=position, chosen=payload.chosen)
    return paper_question_out(row, finished=False)


@router.post("/attempts/{attempt_id}/submit", response=ExamAttemptDetailOut)
def submit_attempt(request, attempt_id: int, payload: PaperSubmitIn | None = None):
    answers = payload.answers if payload is not None else None
    attempt = services.submit_attempt(request.user, attempt_id, answers=answers)
    return _detail(attempt)


@router.get("/procedures", response=PageOut[ProcedureOut])
def list_procedures(request, filters: Query[PageQuery]):
    """Published procedures, each with whether the caller confirmed its current version."""
    rows = selectors.list_procedures(request.user)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    return page_out(page, lambda p: procedure_out(p, confirmed=p.confirmed))


@router.post("/procedures", response={201: ProcedureDetailOut})
def publish_procedure(request, payload: ProcedureIn):
    """Publish a new procedure, or the next version of an existing code."""
    version = services.publish_procedure(request.user, **payload.dict())
    return Status(201, _procedure(request, version.procedure_id))


def _procedure(request, procedure_id: int) -> dict:
    procedure = access.access_procedure(request.user, procedure_id)
    current = procedure.current
    assert current is not None
    confirmed = Confirmation.objects.filter(version=current, user_id=request.user.pk).exists()
    return procedure_out(procedure, confirmed=confirmed) | {
        "body": current.body,
        "note": current.note,
        "versions": list(procedure.versions.values_list("number", flat=True)),
    }


@router.get("/procedures/{procedure_id}", response=ProcedureDetailOut)
def get_procedure(request, procedure_id: int):
    return _procedure(request, procedure_id)


@router.post("/procedures/{procedure_id}/confirm", response=ProcedureDetailOut)
def confirm_procedure(request, procedure_id: int, payload: ProcedureConfirmIn | None = None):
    """我已阅读并理解: the caller confirms the current version."""
    number = payload.number if payload is not None else None
    services.confirm_procedure(request.user, procedure_id, number=number)
    return _procedure(request, procedure_id)


@router.get("/procedures/{procedure_id}/unconfirmed", response=PageOut[UnconfirmedStaffOut])
def unconfirmed(request, procedure_id: int, filters: Query[PageQuery]):
    """Who of the lead's staff has not confirmed the current version (leads and up)."""
    procedure = access.access_procedure(request.user, procedure_id)
    rows = selectors.unconfirmed(request.user, procedure)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), staff_out)
