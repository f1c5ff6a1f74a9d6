"""Knowledge pages: search, the editors' list, an article with its versions, the edit form,
the review steps, files, synonyms. Thin: parse, call one service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core.downloads import attachment_response
from kefu.core.errors import Code, ServiceError
from kefu.core.paging import page_args
from kefu.knowledge import access, selectors, services
from kefu.knowledge.forms import ArticleForm, AttachmentForm, ReviewForm, SynonymForm
from kefu.knowledge.models import State
from kefu.tickets.models import TicketType


@login_required
@require_GET
def search_page(request):
    query = request.GET.get("q", "")[:200]
    category = request.GET.get("category", "")[:40]
    ticket_type = request.GET.get("type", "")[:20]
    results = selectors.search_articles(
        request.user, query, category=category, ticket_type=ticket_type, **page_args(request.GET)
    )
    return render(
        request,
        "knowledge/search.html",
        {
            "q": query,
            "category": category,
            "ticket_type": ticket_type,
            "results": results,
            "categories": selectors.categories(),
            "types": TicketType.objects.filter(is_active=True),
            "can_write": access.can_write(request.user),
            "review_queue": selectors.review_queue(request.user),
        },
    )


@login_required
@require_GET
def suggest(request):
    """The workbench's panel: the best three articles for what the agent is typing."""
    results = selectors.search_articles(
        request.user,
        request.GET.get("content", "")[:200],
        ticket_type=request.GET.get("type", "")[:20],
        per_page=3,
    )
    return render(request, "knowledge/partials/suggest.html", {"results": results})


@login_required
@require_GET
def scripts_partial(request):
    """The workbench's standard scripts (标准话术) for the caller on the line."""
    raw = request.GET.get("customer_id", "")
    customer_id = int(raw) if raw.isdigit() else None
    contact = request.GET.get("contact_name", "")[:40]
    try:
        title, rows = selectors.scripts_for(
            request.user, customer_id=customer_id, contact_name=contact
        )
    except ServiceError:
        title, rows = selectors.scripts_for(request.user, contact_name=contact)
    return render(request, "knowledge/partials/scripts.html", {"title": title, "scripts": rows})


@login_required
@require_GET
def manage(request):
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    page = selectors.list_articles(
        request.user, state=state, query=request.GET.get("q", "")[:200], **page_args(request.GET)
    )
    return render(
        request,
        "knowledge/manage.html",
        {"page": page, "state": state, "states": State.choices, "q": request.GET.get("q", "")},
    )


def _add_error(form, exc: ServiceError) -> None:
    if exc.field in form.fields:
        form.add_error(exc.field, exc.detail)
    else:
        form.add_error(None, exc.detail)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, article_id: int | None = None):
    """The new-article form, or the edit form of ``article_id`` (a new version)."""
    if not access.can_write(request.user):
        raise Http404
    article = None
    if article_id is not None:
        try:
            article = selectors.get_article(request.user, article_id)
        except ServiceError:
            raise Http404 from None
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                if article is None:
                    article = services.create_article(form.input, actor=request.user)
                else:
                    services.edit_article(article.pk, form.input, actor=request.user)
                return redirect("knowledge-article", article_id=article.pk)
            except ServiceError as exc:
                _add_error(form, exc)
        status = 422
    else:
        form = ArticleForm(initial=_initial(article) if article else {})
        status = 200
    return render(request, "knowledge/edit.html", {"form": form, "article": article}, status=status)


def _initial(article) -> dict:
    latest = selectors.versions(article)[0]
    return {
        "title": latest.title,
        "kind": latest.kind,
        "audience": latest.audience,
        "category": latest.category.name if latest.category else "",
        "body": latest.body,
        "tags": " ".join(latest.tags),
        "ticket_types": latest.ticket_types,
        "areas": latest.areas,
        "valid_from": latest.valid_from,
        "valid_until": latest.valid_until,
    }


def _detail(request, article_id: int, *, error: str = "", status: int = 200, forms=None):
    try:
        article = selectors.get_article(request.user, article_id)
    except ServiceError:
        raise Http404 from None
    can_write = access.can_write(request.user)
    versions = selectors.versions(article) if can_write else []
    diff = []
    old, new = request.GET.get("old"), request.GET.get("new")
    if can_write and old and new:
        try:
            diff = selectors.diff(request.user, article.pk, int(old), int(new))
        except (ServiceError, ValueError):
            diff = []
    context = {
        "article": article,
        "versions": versions,
        "latest": versions[0] if versions else None,
        "diff": diff,
        "old": old,
        "new": new,
        "attachments": article.attachments.filter(removed_at__isnull=True),
        "can_write": can_write,
        "can_review": access.can_review(request.user),
        "review_form": ReviewForm(),
        "attachment_form": AttachmentForm(),
        "error": error,
    }
    context.update(forms or {})
    return render(request, "knowledge/article.html", context, status=status)


@login_required
@require_GET
def article(request, article_id: int):
    return _detail(request, article_id)


@login_required
@require_POST
def action(request, article_id: int, name: str):
    """submit / approve / reject / retire / attach / detach, each one service call."""
    user = request.user
    try:
        match name:
            case "submit":
                services.submit_article(article_id, actor=user)
            case "approve" | "reject" | "retire":
                form = ReviewForm(request.POST)
                note = form.cleaned_data["note"] if form.is_valid() else ""
                if name == "approve":
                    services.approve_article(article_id, actor=user, note=note)
                elif name == "reject":
                    services.reject_article(article_id, actor=user, note=note)
                else:
                    services.retire_article(article_id, actor=user, note=note)
            case "attach":
                services.add_attachment(article_id, actor=user, upload=request.FILES.get("file"))
            case "detach":
                services.remove_attachment(
                    article_id, int(request.POST.get("attachment", 0) or 0), actor=user
                )
            case _:
                raise Http404
    except ServiceError as exc:
        if exc.code == Code.NOT_FOUND and exc.field is None and name != "detach":
            raise Http404 from None
        return _detail(request, article_id, error=exc.detail, status=exc.status)
    return redirect("knowledge-article", article_id=article_id)


@login_required
@require_GET
def file(request, attachment_id: int):
    try:
        found = selectors.attachment(request.user, attachment_id)
    except ServiceError:
        raise Http404 from None
    return attachment_response(found.file, found.name)


@login_required
@require_http_methods(["GET", "POST"])
def synonyms(request):
    """The center's synonym groups; team leads add, change and switch them off."""
    try:
        groups = selectors.list_synonyms(request.user)
    except ServiceError:
        raise Http404 from None
    form = SynonymForm()
    error = ""
    status = 200
    if request.method == "POST":
        form = SynonymForm(request.POST)
        raw_id = request.POST.get("group", "")
        try:
            if request.POST.get("off") and raw_id.isdigit():
                services.deactivate_synonyms(int(raw_id), actor=request.user)
                return redirect("knowledge-synonyms")
            if form.is_valid():
                services.save_synonyms(
                    form.cleaned_data["words"],
                    actor=request.user,
                    group_id=int(raw_id) if raw_id.isdigit() else None,
                )
                return redirect("knowledge-synonyms")
            error, status = str(_("输入有误")), 422
        except ServiceError as exc:
            error, status = exc.detail, exc.status
    return render(
        request,
        "knowledge/synonyms.html",
        {
            "groups": groups,
            "form": form,
            "error": error,
            "can_edit": access.can_review(request.user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def questions(request):
    """The questions callers were promised an answer to: team leads answer them here and turn
    an answer into an article; agents see their own."""
    error = ""
    if request.method == "POST":
        raw = request.POST.get("question", "")
        question_id = int(raw) if raw.isdigit() else 0
        try:
            if request.POST.get("step") == "article":
                article = services.question_to_article(question_id, actor=request.user)
                return redirect("knowledge-article", article_id=article.pk)
            services.answer_question(
                question_id, actor=request.user, answer=request.POST.get("answer", "")
            )
            return redirect("knowledge-questions")
        except ServiceError as exc:
            if exc.code == Code.NOT_FOUND:
                raise Http404 from exc
            error = exc.detail
    state = request.GET.get("state", "open")
    state = state if state in ("open", "answered") else "open"
    page = selectors.list_questions(
        request.user,
        state=state,
        mine=not access.can_review(request.user),
        **page_args(request.GET),
    )
    return render(
        request,
        "knowledge/questions.html",
        {
            "page": page,
            "state": state,
            "error": error,
            "can_answer": access.can_review(request.user),
            "now": timezone.now(),
        },
        status=422 if error else 200,
    )


@login_required
@require_POST
def ask(request, serial: str):
    """The ticket page's form: record a caller's question and the promised answer time."""
    raw = request.POST.get("promised_at", "")
    try:
        promised = dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        promised = None
    if promised is not None and timezone.is_naive(promised):
        promised = timezone.make_aware(promised)
    try:
        services.ask_question(
            serial, actor=request.user, text=request.POST.get("text", ""), promised_at=promised
        )
    except ServiceError as exc:
        if exc.code == Code.NOT_FOUND:
            raise Http404 from exc
        messages.error(request, exc.detail)
    return redirect("ticket", serial=serial)
