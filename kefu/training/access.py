"""Who may do what in training.

All center staff (kefu.accounts.scope ``is_center``) take exams and confirm procedures; the
department and field staff are not examined here. Supervisors and admins keep the question
bank and publish procedures; they and the team leads define exams — a team lead the exams of
their own team (their branch; a lead of no branch: the whole center) and reads their results.
The quality inspector and the general manager read every result. A branch's staff see the
exams set for the whole center and for their branch.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.training.models import Attempt, Exam, Procedure, Question

BANK_ROLES = {Role.SUPERVISOR, Role.ADMIN}
EXAM_ROLES = {Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}
RESULT_READERS = EXAM_ROLES | {Role.QUALITY, Role.GENERAL_MANAGER}


def may_train(actor: Actor | None) -> bool:
    return scope_of(actor).is_center


def may_keep_bank(actor: Actor | None) -> bool:
    return scope_of(actor).role in BANK_ROLES


def may_set_exams(actor: Actor | None) -> bool:
    return scope_of(actor).role in EXAM_ROLES


def may_read_results(actor: Actor | None) -> bool:
    return scope_of(actor).role in RESULT_READERS


def may_publish(actor: Actor | None) -> bool:
    return scope_of(actor).role in BANK_ROLES


def require_train(actor: Actor | None) -> None:
    if not may_train(actor):
        raise ServiceError(Code.FORBIDDEN, _("培训考核仅限客服中心人员"))


def require_bank(actor: Actor | None) -> None:
    if not may_keep_bank(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有客服主管和管理员可以维护题库"))


def require_set_exams(actor: Actor | None) -> None:
    if not may_set_exams(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、主管和管理员可以设置考试"))


def require_results(actor: Actor | None) -> None:
    if not may_read_results(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查看考试成绩"))


def require_publish(actor: Actor | None) -> None:
    if not may_publish(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有客服主管和管理员可以发布作业指导书"))


def visible_exams(actor: Actor | None) -> QuerySet[Exam]:
    scope = scope_of(actor)
    if not scope.is_center:
        return Exam.objects.none()
    if scope.everything:
        return Exam.objects.all()
    return Exam.objects.filter(Q(branch=None) | Q(branch_id=scope.branch_id))


def manages_exam(actor: Actor | None, exam: Exam) -> bool:
    """Supervisors and admins manage every exam they see; a team lead those of their team."""
    scope = scope_of(actor)
    if scope.role in BANK_ROLES:
        return True
    if scope.role != Role.TEAM_LEAD:
        return False
    return exam.branch_id == scope.branch_id


def _key(value: int, message: str) -> None:
    if not 0 < value < 2**62:
        raise ServiceError(Code.NOT_FOUND, message)


def access_question(actor: Actor | None, question_id: int, *, for_update: bool = False) -> Question:
    """A question of the bank, any version: the bank's keepers only (a candidate sees a
    question through an attempt, never its answer before submitting)."""
    require_bank(actor)
    _key(question_id, _("试题不存在"))
    rows = Question.objects.select_for_update() if for_update else Question.objects.all()
    found = rows.filter(pk=question_id).first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("试题不存在"))
    return found


def access_exam(actor: Actor | None, exam_id: int, *, for_update: bool = False) -> Exam:
    require_train(actor)
    _key(exam_id, _("考试不存在"))
    rows = visible_exams(actor).filter(pk=exam_id)
    if for_update:
        rows = Exam.objects.select_for_update().filter(pk__in=rows.values("pk"))
    found = rows.first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("考试不存在"))
    return found


def visible_attempts(actor: Actor | None) -> QuerySet[Attempt]:
    """A candidate's own attempts; every attempt of the exams a result reader sees."""
    scope = scope_of(actor)
    if not scope.is_center or actor is None:
        return Attempt.objects.none()
    if scope.role in RESULT_READERS:
        return Attempt.objects.filter(exam__in=visible_exams(actor))
    return Attempt.objects.filter(candidate_id=actor.pk)


def access_attempt(actor: Actor | None, attempt_id: int, *, for_update: bool = False) -> Attempt:
    require_train(actor)
    _key(attempt_id, _("考试记录不存在"))
    rows = visible_attempts(actor).filter(pk=attempt_id)
    if for_update:
        rows = Attempt.objects.select_for_update().filter(pk__in=rows.values("pk"))
    found = rows.select_related("exam").first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("考试记录不存在"))
    return found


def access_procedure(actor: Actor | None, procedure_id: int) -> Procedure:
    require_train(actor)
    _key(procedure_id, _("作业指导书不存在"))
    found = Procedure.objects.select_related("current").filter(pk=procedure_id).first()
    if found is None or found.current is None:
        raise ServiceError(Code.NOT_FOUND, _("作业指导书不存在"))
    return found
