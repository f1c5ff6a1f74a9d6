"""Training pages (培训考核): the exams open to me and my results, taking a paper (a timer,
answers saved as I go), the result with explanations, the question bank editor, an exam's
results per person and per question, and the procedures to read and confirm. Thin: parse,
call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core.errors import ServiceError, refuse_page, show_refusal
from kefu.core.numbers import whole
from kefu.core.paging import page_number, paginate
from kefu.training import access, selectors, services
from kefu.training.models import Difficulty, Question, Topic
from kefu.training.schemas import paper_question_out, person_out, stat_out

TOPIC_LABELS = dict(Topic.choices)
LETTERS = "ABCDEFGH"


def _number(raw: str | None, field: str) -> int:
    return whole(raw, field=field, low=-999_999, high=999_999, message=_("请填写整数"))


@login_required
@require_GET
def home(request):
    """培训考核: the exams open to me, my papers, and the way to the bank and the procedures."""
    try:
        exams = list(selectors.list_exams(request.user, open_only=True)[:50])
    except ServiceError as exc:
        refuse_page(exc)
        raise
    mine = paginate(selectors.list_attempts(request.user, mine=True), page=page_number(request))
    return render(
        request,
        "training/home.html",
        {
            "exams": exams,
            "page": mine,
            "to_confirm": selectors.list_procedures(request.user).filter(confirmed=False).count(),
            "topics": TOPIC_LABELS,
            "may_bank": access.may_keep_bank(request.user),
            "may_set": access.may_set_exams(request.user),
            "may_results": access.may_read_results(request.user),
            "all_exams": list(selectors.list_exams(request.user)[:50])
            if access.may_read_results(request.user)
            else [],
        },
    )


def _exam_form(request) -> dict[str, Any]:
    post = request.POST
    return {
        "title": post.get("title", ""),
        "topics": post.getlist("topics"),
        "easy": _number(post.get("easy") or "0", "easy"),
        "medium": _number(post.get("medium") or "0", "medium"),
        "hard": _number(post.get("hard") or "0", "hard"),
        "minutes": _number(post.get("minutes"), "minutes"),
        "pass_mark": _number(post.get("pass_mark") or "60", "pass_mark"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def exam_create(request):
    """设置考试."""
    if not access.may_set_exams(request.user):
        raise PermissionDenied(_("只有班长、主管和管理员可以设置考试"))
    status = 200
    if request.method == "POST":
        try:
            exam = services.create_exam(request.user, **_exam_form(request))
        except ServiceError as exc:
            show_refusal(request, exc)
            status = 422
        else:
            messages.success(request, _("考试已设置"))
            return redirect("training-exam", exam_id=exam.pk)
    return render(
        request,
        "training/exam_form.html",
        {"topics": Topic.choices, "form": request.POST},
        status=status,
    )


@login_required
@require_GET
def exam(request, exam_id: int):
    """An exam: start (or resume) my paper; for result readers, the results per person and
    the questions most often answered wrong."""
    try:
        found = access.access_exam(request.user, exam_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    readers = access.may_read_results(request.user)
    return render(
        request,
        "training/exam.html",
        {
            "exam": found,
            "topics": [TOPIC_LABELS.get(t, t) for t in found.topics],
            "may_close": found.is_open and access.manages_exam(request.user, found),
            "people": [person_out(r) for r in selectors.results_by_person(request.user, found)]
            if readers
            else None,
            "stats": [
                stat_out(r) for r in selectors.question_stats(request.user, exam_id=found.pk)[:50]
            ]
            if readers
            else None,
            "attempts": list(
                selectors.list_attempts(request.user, exam_id=found.pk, mine=True)[:20]
            ),
        },
    )


@login_required
@require_POST
def exam_start(request, exam_id: int):
    try:
        attempt = services.start_attempt(request.user, exam_id)
    except ServiceError as exc:
        show_refusal(request, exc)
        return redirect("training-exam", exam_id=exam_id)
    return redirect("training-attempt", attempt_id=attempt.pk)


@login_required
@require_POST
def exam_close(request, exam_id: int):
    try:
        services.close_exam(request.user, exam_id)
    except ServiceError as exc:
        show_refusal(request, exc)
    return redirect("training-exam", exam_id=exam_id)


@login_required
@require_GET
def attempt(request, attempt_id: int):
    """The paper while it is under way (my own), the result with explanations once handed in."""
    try:
        found = access.access_attempt(request.user, attempt_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    if services.finish_if_overdue(found.pk):
        found = access.access_attempt(request.user, attempt_id)
    finished = found.is_finished
    if not finished and found.candidate_id != request.user.pk:
        raise PermissionDenied(_("答题中的试卷只有考生本人可以查看"))
    questions = [paper_question_out(r, finished=finished) for r in selectors.paper_of(found)]
    for q in questions:
        q["choices"] = [(n, LETTERS[n], text) for n, text in enumerate(q["options"])]
    return render(
        request,
        "training/attempt.html" if not finished else "training/result.html",
        {"attempt": found, "questions": questions, "topics": TOPIC_LABELS},
    )


def _chosen(request, position: int) -> list[int]:
    raw = request.POST.getlist(f"q{position}")
    return [_number(v, f"q{position}") for v in raw]


@login_required
@require_POST
def attempt_answer(request, attempt_id: int):
    """One answer saved as the candidate goes (the page's script): 204, or the error's status."""
    try:
        position = _number(request.POST.get("position"), "position")
        services.save_answer(
            request.user, attempt_id, position=position, chosen=_chosen(request, position)
        )
    except ServiceError as exc:
        return HttpResponse(exc.detail, status=exc.status, content_type="text/plain")
    return HttpResponse(status=204)


@login_required
@require_POST
def attempt_submit(request, attempt_id: int):
    """交卷: every answer on the page saved, then the paper marked."""
    try:
        found = access.access_attempt(request.user, attempt_id)
        positions = list(found.answers.values_list("position", flat=True))
        answers = {p: _chosen(request, p) for p in positions}
        services.submit_attempt(request.user, attempt_id, answers=answers)
    except ServiceError as exc:
        show_refusal(request, exc)
    return redirect("training-attempt", attempt_id=attempt_id)


@login_required
@require_GET
def bank(request):
    """题库: questions by topic, kind, difficulty and status."""
    topic = request.GET.get("topic", "")
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "active")
    level = request.GET.get("difficulty", "")
    try:
        rows = selectors.list_questions(
            request.user,
            topic=topic if topic in Topic.values else "",
            kind=kind if kind in Question.Kind.values else "",
            difficulty=int(level) if level in ("1", "2", "3") else None,
            status=status,
        )
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return render(
        request,
        "training/bank.html",
        {
            "page": paginate(rows, page=page_number(request)),
            "topic": topic,
            "kind": kind,
            "status": status,
            "difficulty": level,
            "topics": Topic.choices,
            "kinds": Question.Kind.choices,
            "levels": Difficulty.choices,
            "statuses": Question.Status.choices,
            "topic_labels": TOPIC_LABELS,
        },
    )


def _question_form(request) -> dict[str, Any]:
    post = request.POST
    kind = post.get("kind", "")
    options = [o for o in post.getlist("options") if o.strip()]
    return {
        "kind": kind,
        "topic": post.get("topic", ""),
        "difficulty": _number(post.get("difficulty"), "difficulty"),
        "text": post.get("text", ""),
        "options": options,
        "answer": [_number(v, "answer") for v in post.getlist("answer")],
        "explanation": post.get("explanation", ""),
    }


def _question_page(request, question: Question | None, status: int = 200):
    if request.method == "POST":
        post = request.POST
        values = {
            "kind": post.get("kind", ""),
            "topic": post.get("topic", ""),
            "difficulty": post.get("difficulty", ""),
            "text": post.get("text", ""),
            "explanation": post.get("explanation", ""),
            "answer": post.getlist("answer"),
            "options": post.getlist("options"),
        }
    elif question is not None:
        values = {
            "kind": question.kind,
            "topic": question.topic,
            "difficulty": str(question.difficulty),
            "text": question.text,
            "explanation": question.explanation,
            "answer": [str(a) for a in question.answer],
            "options": [] if question.kind == Question.Kind.JUDGE else question.options,
        }
    else:
        values = {
            "kind": "single",
            "topic": "",
            "difficulty": "1",
            "text": "",
            "explanation": "",
            "answer": [],
            "options": [],
        }
    slots = list(values["options"]) + [""] * (6 - len(values["options"]))
    return render(
        request,
        "training/question_form.html",
        {
            "question": question,
            "v": values,
            "slots": [(str(n), text) for n, text in enumerate(slots[:8])],
            "topics": Topic.choices,
            "kinds": Question.Kind.choices,
            "levels": [(str(v), t) for v, t in Difficulty.choices],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_create(request):
    """新增试题. A true/false question's options are 正确 (0) and 错误 (1)."""
    if not access.may_keep_bank(request.user):
        raise PermissionDenied(_("只有客服主管和管理员可以维护题库"))
    if request.method == "POST":
        try:
            services.create_question(request.user, **_question_form(request))
        except ServiceError as exc:
            show_refusal(request, exc)
            return _question_page(request, None, status=422)
        messages.success(request, _("试题已保存"))
        return redirect("training-bank")
    return _question_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, question_id: int):
    """修订试题: saved as the question's next version."""
    try:
        question = access.access_question(request.user, question_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    if request.method == "POST":
        try:
            services.revise_question(request.user, question_id, **_question_form(request))
        except ServiceError as exc:
            show_refusal(request, exc)
            return _question_page(request, question, status=422)
        messages.success(request, _("已保存为新版本"))
        return redirect("training-bank")
    return _question_page(request, question)


@login_required
@require_POST
def question_retire(request, question_id: int):
    try:
        services.retire_question(request.user, question_id)
    except ServiceError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("试题已停用"))
    return redirect("training-bank")


@login_required
@require_GET
def procedures(request):
    """作业指导书: the current versions, each with my confirmation (or its button)."""
    try:
        rows = list(selectors.list_procedures(request.user))
    except ServiceError as exc:
        refuse_page(exc)
        raise
    leads = access.may_set_exams(request.user)
    missing = {p.pk: list(selectors.unconfirmed(request.user, p)) for p in rows} if leads else {}
    return render(
        request,
        "training/procedures.html",
        {
            "rows": [(p, missing.get(p.pk)) for p in rows],
            "may_publish": access.may_publish(request.user),
            "leads": leads,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedure_publish(request):
    """发布作业指导书 (a new code, or an existing one's next version)."""
    if not access.may_publish(request.user):
        raise PermissionDenied(_("只有客服主管和管理员可以发布作业指导书"))
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            version = services.publish_procedure(
                request.user,
                code=post.get("code", ""),
                title=post.get("title", ""),
                body=post.get("body", ""),
                note=post.get("note", ""),
            )
        except ServiceError as exc:
            show_refusal(request, exc)
            status = 422
        else:
            messages.success(request, _("已发布"))
            return redirect("training-procedure", procedure_id=version.procedure_id)
    initial = request.POST or request.GET
    return render(request, "training/procedure_form.html", {"form": initial}, status=status)


@login_required
@require_GET
def procedure(request, procedure_id: int):
    try:
        found = access.access_procedure(request.user, procedure_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    current = found.current
    assert current is not None
    leads = access.may_set_exams(request.user)
    return render(
        request,
        "training/procedure.html",
        {
            "procedure": found,
            "current": current,
            "confirmed": selectors.confirmations_of(found).filter(user_id=request.user.pk).exists(),
            "versions": list(found.versions.order_by("-number")),
            "missing": list(selectors.unconfirmed(request.user, found)) if leads else None,
            "confirmations": list(selectors.confirmations_of(found)[:200]) if leads else None,
            "may_publish": access.may_publish(request.user),
        },
    )


@login_required
@require_POST
def procedure_confirm(request, procedure_id: int):
    """我已阅读并理解 (the version the reader saw)."""
    try:
        number = _number(request.POST.get("number"), "number")
        services.confirm_procedure(request.user, procedure_id, number=number)
    except ServiceError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已确认"))
    return redirect("training-procedure", procedure_id=procedure_id)
