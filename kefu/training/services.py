"""Training: every change to the question bank, an exam, an attempt and a procedure. Each
operation checks who may (kefu.training.access), locks what it changes, validates, writes and
audits in one transaction: refused input writes nothing.

- ``create_question`` / ``revise_question`` / ``retire_question``: the bank. A revision is a
  new version (the old one is superseded, never changed): a paper already drawn keeps the
  version it asked.
- ``create_exam`` / ``close_exam``: title, topics, questions per difficulty, time limit and
  pass mark; the bank must hold enough questions for a paper.
- ``start_attempt``: the candidate's own random paper, drawn with a stored seed.
- ``save_answer`` / ``submit_attempt``: answers saved as the candidate goes; the server keeps
  the time: after the deadline nothing more is saved, and the paper is marked with what was.
- ``finish_if_overdue`` / ``sweep_overdue_attempts``: an attempt past its deadline is marked
  (by the worker, or when it is next read). Run twice, nothing is marked twice.
- ``publish_procedure`` / ``confirm_procedure``: 作业指导书 versions and 我已阅读并理解.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Branch
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor, signed_in
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit, whole_in
from kefu.training import access
from kefu.training.models import (
    Attempt,
    AttemptAnswer,
    Confirmation,
    Difficulty,
    Exam,
    Procedure,
    ProcedureVersion,
    Question,
    Topic,
)

if TYPE_CHECKING:
    pass

Kind = Question.Kind
JUDGE_OPTIONS = ["正确", "错误"]
MAX_OPTIONS = 8
MAX_PER_LEVEL = 100
MAX_MINUTES = 600
SWEEP_BATCH = 200
LEVELS = (("easy", Difficulty.EASY), ("medium", Difficulty.MEDIUM), ("hard", Difficulty.HARD))


# ------------------------------------------------------------------------------ the bank


def _question_fields(
    *,
    kind: str,
    topic: str,
    difficulty: int,
    text: str,
    options: list[str],
    answer: list[int],
    explanation: str,
) -> dict[str, Any]:
    if kind not in Kind.values:
        raise ServiceError(Code.INVALID, _("请选择题型"), field="kind")
    if topic not in Topic.values:
        raise ServiceError(Code.INVALID, _("请选择知识点"), field="topic")
    difficulty = whole_in(difficulty, "difficulty", low=1, high=3)
    text = clean_text(text, "text", limit=500, required=True, message=_("请填写题目"))
    if kind == Kind.JUDGE:
        options = list(JUDGE_OPTIONS)
    else:
        if not isinstance(options, list):
            raise ServiceError(Code.INVALID, _("请填写选项"), field="options")
        options = [
            clean_text(o if isinstance(o, str) else "", "options", limit=200) for o in options
        ]
        options = [o for o in options if o]
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise ServiceError(
                Code.INVALID, _("选择题需要 2 到 %d 个选项") % MAX_OPTIONS, field="options"
            )
        if len(set(options)) != len(options):
            raise ServiceError(Code.INVALID, _("选项不能重复"), field="options")
    if not isinstance(answer, list) or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in answer
    ):
        raise ServiceError(Code.INVALID, _("请选择正确答案"), field="answer")
    chosen = sorted(set(answer))
    if not chosen or any(not 0 <= a < len(options) for a in chosen):
        raise ServiceError(Code.INVALID, _("正确答案必须是所列选项之一"), field="answer")
    if kind != Kind.MULTI and len(chosen) != 1:
        raise ServiceError(Code.INVALID, _("判断题和单选题只有一个正确答案"), field="answer")
    explanation = clean_text(explanation, "explanation", limit=1000)
    return {
        "kind": kind,
        "topic": topic,
        "difficulty": difficulty,
        "text": text,
        "options": options,
        "answer": chosen,
        "explanation": explanation,
    }


def _next_code() -> str:
    last = Question.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    number = last + 1
    while Question.objects.filter(code=f"Q{number:04d}").exists():
        number += 1
    return f"Q{number:04d}"


@transaction.atomic
def create_question(actor: Actor | None, **fields: Any) -> Question:
    """A new question (version 1). Supervisors and admins; INVALID naming the field."""
    access.require_bank(actor)
    data = _question_fields(**fields)
    question = Question.objects.create(code=_next_code(), created_by=signed_in(actor), **data)
    record_audit(
        actor=actor, action="training.question.create", obj=question, detail={"code": question.code}
    )
    return question


@transaction.atomic
def revise_question(actor: Actor | None, question_id: int, **fields: Any) -> Question:
    """The question's next version; the one revised becomes superseded and stays as it was
    for the papers that asked it. Only the version in use may be revised."""
    old = access.access_question(actor, question_id, for_update=True)
    if old.status != Question.Status.ACTIVE:
        raise ServiceError(Code.INVALID_TRANSITION, _("只能修订在用的试题"))
    data = _question_fields(**fields)
    old.status = Question.Status.SUPERSEDED
    old.save(update_fields=["status"])
    new = Question.objects.create(
        code=old.code, version=old.version + 1, created_by=signed_in(actor), **data
    )
    record_audit(
        actor=actor,
        action="training.question.revise",
        obj=new,
        detail={"code": new.code, "from": old.pk, "version": new.version},
    )
    return new


@transaction.atomic
def retire_question(actor: Actor | None, question_id: int) -> Question:
    question = access.access_question(actor, question_id, for_update=True)
    if question.status != Question.Status.ACTIVE:
        raise ServiceError(Code.INVALID_TRANSITION, _("只能停用在用的试题"))
    question.status = Question.Status.RETIRED
    question.save(update_fields=["status"])
    record_audit(
        actor=actor, action="training.question.retire", obj=question, detail={"code": question.code}
    )
    return question


# ------------------------------------------------------------------------------ exams


def _pools(topics: list[str]) -> dict[int, list[Question]]:
    rows = Question.objects.filter(status=Question.Status.ACTIVE, topic__in=topics).order_by("code")
    pools: dict[int, list[Question]] = {d.value: [] for d in Difficulty}
    for question in rows:
        pools[question.difficulty].append(question)
    return pools


def _check_enough(pools: dict[int, list[Question]], counts: dict[str, int]) -> None:
    for field, level in LEVELS:
        need, have = counts[field], len(pools[level.value])
        if need > have:
            raise ServiceError(
                Code.INVALID,
                _("题库中所选知识点“%(level)s”难度的题目不足:需要 %(need)d 道,现有 %(have)d 道")
                % {"level": level.label, "need": need, "have": have},
                field=field,
            )


def draw(exam: Exam, seed: int) -> list[Question]:
    """The paper of ``exam`` for ``seed``: the asked number of each difficulty, drawn from the
    active questions of its topics, in a shuffled order. INVALID naming the difficulty when the
    bank holds too few."""
    pools = _pools(exam.topics)
    counts = {"easy": exam.easy, "medium": exam.medium, "hard": exam.hard}
    _check_enough(pools, counts)
    rng = random.Random(seed)
    paper: list[Question] = []
    for field, level in LEVELS:
        paper += rng.sample(pools[level.value], counts[field])
    rng.shuffle(paper)
    return paper


def _exam_branch(actor: Actor | None, branch_id: int | None) -> Branch | None:
    scope = scope_of(actor)
    if not scope.everything:
        # A branch's lead or supervisor sets exams for their branch.
        return Branch.objects.filter(pk=scope.branch_id).first() if scope.branch_id else None
    if branch_id is None:
        return None
    branch = Branch.objects.filter(pk=branch_id, is_active=True).first()
    if branch is None:
        raise ServiceError(Code.INVALID, _("分支机构不存在"), field="branch")
    return branch


@transaction.atomic
def create_exam(
    actor: Actor | None,
    *,
    title: str,
    topics: list[str],
    easy: int,
    medium: int,
    hard: int,
    minutes: int,
    pass_mark: int = 60,
    branch_id: int | None = None,
) -> Exam:
    """Team leads (for their team), supervisors and admins. INVALID naming the field; the bank
    must hold enough questions of each difficulty in the topics chosen."""
    access.require_set_exams(actor)
    title = clean_text(title, "title", limit=100, required=True, message=_("请填写考试名称"))
    if not isinstance(topics, list) or not topics or any(t not in Topic.values for t in topics):
        raise ServiceError(Code.INVALID, _("请选择至少一个知识点"), field="topics")
    counts = {
        field: whole_in(value, field, low=0, high=MAX_PER_LEVEL)
        for field, value in (("easy", easy), ("medium", medium), ("hard", hard))
    }
    if not sum(counts.values()):
        raise ServiceError(Code.INVALID, _("试卷至少要有一道题"), field="easy")
    minutes = whole_in(minutes, "minutes", low=1, high=MAX_MINUTES)
    pass_mark = whole_in(pass_mark, "pass_mark", low=0, high=100)
    topics = sorted(set(topics))
    _check_enough(_pools(topics), counts)
    exam = Exam.objects.create(
        title=title,
        topics=topics,
        minutes=minutes,
        pass_mark=pass_mark,
        branch=_exam_branch(actor, branch_id),
        created_by=signed_in(actor),
        **counts,
    )
    record_audit(
        actor=actor,
        action="training.exam.create",
        obj=exam,
        detail={"title": title, "topics": topics, **counts, "minutes": minutes},
    )
    return exam


@transaction.atomic
def close_exam(actor: Actor | None, exam_id: int) -> Exam:
    """No new attempts; those under way may still be finished."""
    exam = access.access_exam(actor, exam_id, for_update=True)
    if not access.manages_exam(actor, exam):
        raise ServiceError(Code.FORBIDDEN, _("无权管理此考试"))
    if not exam.is_open:
        raise ServiceError(Code.INVALID_TRANSITION, _("考试已关闭"))
    exam.is_open = False
    exam.closed_at = timezone.now()
    exam.save(update_fields=["is_open", "closed_at"])
    record_audit(actor=actor, action="training.exam.close", obj=exam)
    return exam


# ------------------------------------------------------------------------------ attempts


def _mark(attempt: Attempt, *, status: str, at: dt.datetime) -> None:
    answers = list(attempt.answers.select_related("question"))
    correct = 0
    for row in answers:
        # Multiple choice: all the right options and nothing else, or no mark.
        row.is_correct = sorted(row.chosen) == sorted(row.question.answer)
        correct += row.is_correct
    AttemptAnswer.objects.bulk_update(answers, ["is_correct"])
    attempt.status = status
    attempt.finished_at = at
    attempt.correct = correct
    attempt.score = round(100 * correct / attempt.total) if attempt.total else 0
    attempt.passed = attempt.score >= attempt.exam.pass_mark
    attempt.save(update_fields=["status", "finished_at", "correct", "score", "passed"])


def _expire(attempt: Attempt, *, actor: Actor | None) -> None:
    _mark(attempt, status=Attempt.Status.EXPIRED, at=attempt.deadline)
    record_audit(
        actor=actor,
        action="training.attempt.expire",
        obj=attempt,
        detail={"score": attempt.score, "passed": attempt.passed},
    )


@transaction.atomic
def start_attempt(actor: Actor | None, exam_id: int) -> Attempt:
    """The candidate's paper: the one under way if there is one (its clock kept running),
    else a new draw. INVALID_TRANSITION for a closed exam; INVALID when the bank is short."""
    access.require_train(actor)
    me = signed_in(actor)
    exam = access.access_exam(actor, exam_id, for_update=True)
    now = timezone.now()
    open_one = (
        Attempt.objects.select_for_update()
        .filter(exam=exam, candidate=me, status=Attempt.Status.IN_PROGRESS)
        .first()
    )
    if open_one is not None:
        if open_one.deadline > now:
            return open_one
        open_one.exam = exam
        _expire(open_one, actor=None)
    if not exam.is_open:
        raise ServiceError(Code.INVALID_TRANSITION, _("考试已关闭"))
    seed = secrets.randbits(48)
    paper = draw(exam, seed)
    attempt = Attempt.objects.create(
        exam=exam,
        candidate=me,
        seed=seed,
        started_at=now,
        deadline=now + dt.timedelta(minutes=exam.minutes),
        total=len(paper),
    )
    AttemptAnswer.objects.bulk_create(
        AttemptAnswer(attempt=attempt, position=n, question=q) for n, q in enumerate(paper, 1)
    )
    record_audit(
        actor=actor,
        action="training.attempt.start",
        obj=attempt,
        detail={"exam": exam.pk, "seed": seed},
    )
    return attempt


def _own_open(actor: Actor | None, attempt_id: int) -> Attempt:
    attempt = access.access_attempt(actor, attempt_id, for_update=True)
    if actor is None or attempt.candidate_id != actor.pk:
        raise ServiceError(Code.FORBIDDEN, _("只能作答自己的试卷"))
    if attempt.is_finished:
        raise ServiceError(Code.INVALID_TRANSITION, _("试卷已提交,不能重复交卷或再作答"))
    return attempt


def _chosen(row: AttemptAnswer, chosen: Any, field: str) -> list[int]:
    if not isinstance(chosen, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in chosen
    ):
        raise ServiceError(Code.INVALID, _("答案格式不正确"), field=field)
    picked = sorted(set(chosen))
    if any(not 0 <= c < len(row.question.options) for c in picked):
        raise ServiceError(Code.INVALID, _("所选答案不在选项中"), field=field)
    if row.question.kind != Kind.MULTI and len(picked) > 1:
        raise ServiceError(Code.INVALID, _("判断题和单选题只能选一个答案"), field=field)
    return picked


def _late() -> ServiceError:
    return ServiceError(Code.CONFLICT, _("考试时间已到,此答案未保存;试卷已按已保存的答案自动评分"))


def save_answer(
    actor: Actor | None, attempt_id: int, *, position: int, chosen: list[int]
) -> AttemptAnswer:
    """Save one answer (an empty list clears it). After the deadline nothing is saved: the
    paper is marked with what was, and CONFLICT is raised."""
    late = False
    row: AttemptAnswer | None = None
    with transaction.atomic():
        attempt = _own_open(actor, attempt_id)
        now = timezone.now()
        if now > attempt.deadline:
            _expire(attempt, actor=None)
            late = True
        else:
            row = (
                attempt.answers.select_related("question").filter(position=position).first()
                if isinstance(position, int) and 0 < position < 2**15
                else None
            )
            if row is None:
                raise ServiceError(Code.INVALID, _("试题序号不存在"), field="position")
            row.chosen = _chosen(row, chosen, "chosen")
            row.answered_at = now
            row.save(update_fields=["chosen", "answered_at"])
    if late or row is None:
        raise _late()
    return row


def submit_attempt(
    actor: Actor | None, attempt_id: int, *, answers: dict[int, list[int]] | None = None
) -> Attempt:
    """Hand the paper in and mark it; ``answers`` (position → chosen), when given, are saved
    first. Past the deadline the paper is marked with what was saved before it (``answers``
    are then refused: CONFLICT). A paper is handed in once: INVALID_TRANSITION after."""
    late = False
    with transaction.atomic():
        attempt = _own_open(actor, attempt_id)
        now = timezone.now()
        if now > attempt.deadline:
            _expire(attempt, actor=None)
            late = bool(answers)
        else:
            if answers:
                rows = {r.position: r for r in attempt.answers.select_related("question")}
                changed = []
                for position, chosen in answers.items():
                    row = rows.get(position)
                    if row is None:
                        raise ServiceError(Code.INVALID, _("试题序号不存在"), field="answers")
                    row.chosen = _chosen(row, chosen, f"answers.{position}")
                    row.answered_at = now
                    changed.append(row)
                AttemptAnswer.objects.bulk_update(changed, ["chosen", "answered_at"])
            _mark(attempt, status=Attempt.Status.SUBMITTED, at=now)
            record_audit(
                actor=actor,
                action="training.attempt.submit",
                obj=attempt,
                detail={"score": attempt.score, "passed": attempt.passed},
            )
    if late:
        raise _late()
    return attempt


@transaction.atomic
def finish_if_overdue(attempt_id: int) -> bool:
    """Mark an attempt whose deadline has passed with what was saved. True when this call
    marked it; False when it was finished already or still has time (idempotent)."""
    attempt = (
        Attempt.objects.select_for_update()
        .select_related("exam")
        .filter(pk=attempt_id, status=Attempt.Status.IN_PROGRESS, deadline__lt=timezone.now())
        .first()
    )
    if attempt is None:
        return False
    _expire(attempt, actor=None)
    return True


def sweep_overdue_attempts() -> int:
    """The worker's pass: every attempt past its deadline marked, in batches."""
    done = 0
    while True:
        ids = list(
            Attempt.objects.filter(
                status=Attempt.Status.IN_PROGRESS, deadline__lt=timezone.now()
            ).values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not ids:
            return done
        marked = sum(finish_if_overdue(pk) for pk in ids)
        done += marked
        if not marked:
            return done


# ------------------------------------------------------------------------------ procedures


@transaction.atomic
def publish_procedure(
    actor: Actor | None, *, code: str, title: str, body: str, note: str = ""
) -> ProcedureVersion:
    """Publish a procedure: version 1 for a new code, else the next version, which supersedes
    the current one (published versions are never changed). Supervisors and admins."""
    access.require_publish(actor)
    code = clean_text(code, "code", limit=30, required=True, message=_("请填写编号"))
    title = clean_text(title, "title", limit=100, required=True, message=_("请填写标题"))
    body = clean_text(body, "body", limit=20000, required=True, message=_("请填写正文"))
    note = clean_text(note, "note", limit=200)
    procedure, created = Procedure.objects.select_for_update().get_or_create(
        code=code, defaults={"title": title}
    )
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=last + 1,
        title=title,
        body=body,
        note=note,
        published_by=signed_in(actor),
        published_at=timezone.now(),
    )
    procedure.current = version
    procedure.title = title
    procedure.save(update_fields=["current", "title"])
    record_audit(
        actor=actor,
        action="training.procedure.publish",
        obj=version,
        detail={"code": code, "number": version.number, "new": created},
    )
    return version


@transaction.atomic
def confirm_procedure(
    actor: Actor | None, procedure_id: int, *, number: int | None = None
) -> Confirmation:
    """我已阅读并理解 for the current version. ``number``: the version the reader saw — if a
    newer one was published meanwhile, CONFLICT (read it first). Once per version."""
    procedure = access.access_procedure(actor, procedure_id)
    me = signed_in(actor)
    assert procedure.current is not None
    current = procedure.current
    if number is not None and number != current.number:
        raise ServiceError(
            Code.CONFLICT, _("此作业指导书已发布新版本,请阅读新版本后再确认"), field="number"
        )
    if Confirmation.objects.filter(version=current, user=me).exists():
        raise ServiceError(Code.CONFLICT, _("您已确认过此版本"))
    confirmation = Confirmation.objects.create(
        version=current, user=me, confirmed_at=timezone.now()
    )
    record_audit(
        actor=actor,
        action="training.procedure.confirm",
        obj=current,
        detail={"code": procedure.code, "number": current.number},
    )
    return confirmation
