"""Knowledge API: search, the articles and their life (submit, approve, reject, retire),
versions and their diff, attachments, synonyms. Thin: each calls one service or selector."""

from __future__ import annotations

from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from kefu.core.paging import PageOut, page_out
from kefu.knowledge import selectors, services
from kefu.knowledge.models import SynonymGroup
from kefu.knowledge.outputs import (
    article_detail_out,
    article_out,
    attachment_out,
    hit_out,
    question_out,
)
from kefu.knowledge.schemas import (
    AnswerIn,
    ArticleDetailOut,
    ArticleIn,
    ArticleOut,
    AttachmentOut,
    DiffOut,
    HitOut,
    ListQuery,
    QuestionIn,
    QuestionOut,
    QuestionQuery,
    ReviewIn,
    ScriptQuery,
    ScriptsOut,
    SearchQuery,
    SynonymIn,
    SynonymOut,
    ToArticleIn,
)

router = Router(tags=["knowledge"])


def _detail(request, article_id: int) -> dict:
    return article_detail_out(request.user, selectors.get_article(request.user, article_id))


@router.get("/search", response=PageOut[HitOut])
def search(request, filters: Query[SearchQuery]):
    """Live articles for ``q`` (jieba words, the center's synonyms, pinyin initials), best
    first, with highlighted title and snippet; narrowed to a request type, an area, a
    category, or the public ones."""
    results = selectors.search_articles(
        request.user,
        filters.q,
        ticket_type=filters.type,
        area=filters.area,
        category=filters.category,
        public_only=filters.audience == "public",
        page=filters.page,
        per_page=filters.per_page,
    )
    return page_out(results.page, lambda hit: hit_out(hit, results.match))


@router.get("/scripts", response=ScriptsOut)
def scripts(request, filters: Query[ScriptQuery]):
    """The standard scripts as the agent says them now: greeting for the time of day and the
    festival, the customer's title from the archive (``customer_id``) or the contact name."""
    title, rows = selectors.scripts_for(
        request.user, customer_id=filters.customer_id, contact_name=filters.contact_name
    )
    return {"title": title, "scripts": [vars(r) for r in rows]}


@router.post("/questions", response={201: QuestionOut})
def ask(request, payload: QuestionIn):
    """Record a caller's question the agent could not answer, with the answer time promised
    to the customer: a time limit on the ticket, sent to the team leads."""
    question = services.ask_question(
        payload.serial, actor=request.user, text=payload.text, promised_at=payload.promised_at
    )
    return Reply(201, question_out(question))


@router.get("/questions", response=PageOut[QuestionOut])
def questions(request, filters: Query[QuestionQuery]):
    """Questions on the tickets you may see, the soonest promised first; overdue flagged."""
    page = selectors.list_questions(
        request.user,
        state=filters.state or "",
        mine=filters.mine,
        page=filters.page,
        per_page=filters.per_page,
    )
    return page_out(page, question_out)


@router.post("/questions/{question_id}/answer", response=QuestionOut)
def answer(request, question_id: int, payload: AnswerIn):
    """A team lead answers: a callback task for the agent who asked."""
    return question_out(
        services.answer_question(question_id, actor=request.user, answer=payload.answer)
    )


@router.post("/questions/{question_id}/article", response={201: ArticleDetailOut})
def to_article(request, question_id: int, payload: ToArticleIn):
    """An answered question becomes a published Q&A article in one step."""
    article = services.question_to_article(
        question_id, actor=request.user, category=payload.category
    )
    return Reply(201, _detail(request, article.pk))


@router.get("/categories", response=list[str])
def categories(request):
    return [c.name for c in selectors.categories()]


@router.get("/articles", response=PageOut[ArticleOut])
def list_articles(request, filters: Query[ListQuery]):
    """Every article for those who may write (by state), the live ones for the others."""
    page = selectors.list_articles(
        request.user,
        state=filters.state or "",
        query=filters.q,
        page=filters.page,
        per_page=filters.per_page,
    )
    return page_out(page, article_out)


@router.post("/articles", response={201: ArticleDetailOut})
def create(request, payload: ArticleIn):
    """A new draft (version 1)."""
    article = services.create_article(payload, actor=request.user)
    return Reply(201, _detail(request, article.pk))


@router.get("/articles/{int:article_id}", response=ArticleDetailOut)
def detail(request, article_id: int):
    return _detail(request, article_id)


@router.put("/articles/{int:article_id}", response=ArticleDetailOut)
def edit(request, article_id: int, payload: ArticleIn):
    """A new version, as a draft; a live article stays live until it is approved."""
    services.edit_article(article_id, payload, actor=request.user)
    return _detail(request, article_id)


@router.post("/articles/{int:article_id}/submit", response=ArticleDetailOut)
def submit(request, article_id: int):
    """draft → review."""
    services.submit_article(article_id, actor=request.user)
    return _detail(request, article_id)


@router.post("/articles/{int:article_id}/approve", response=ArticleDetailOut)
def approve(request, article_id: int, payload: ReviewIn):
    """review → published (team lead, supervisor, admin)."""
    services.approve_article(article_id, actor=request.user, note=payload.note)
    return _detail(request, article_id)


@router.post("/articles/{int:article_id}/reject", response=ArticleDetailOut)
def reject(request, article_id: int, payload: ReviewIn):
    """review → draft, with the reason."""
    services.reject_article(article_id, actor=request.user, note=payload.note)
    return _detail(request, article_id)


@router.post("/articles/{int:article_id}/retire", response=ArticleDetailOut)
def retire(request, article_id: int, payload: ReviewIn):
    """Take a live article off search; its versions stay."""
    services.retire_article(article_id, actor=request.user, note=payload.note)
    return _detail(request, article_id)


@router.get("/articles/{int:article_id}/diff", response=DiffOut)
def diff(request, article_id: int, old: int, new: int):
    """What changed from version ``old`` to version ``new``."""
    lines = selectors.diff(request.user, article_id, old, new)
    return {"old": old, "new": new, "lines": [{"op": x.op, "text": x.text} for x in lines]}


@router.post("/articles/{int:article_id}/attachments", response={201: AttachmentOut})
def attach(request, article_id: int, file: File[UploadedFile]):
    attachment = services.add_attachment(article_id, actor=request.user, upload=file)
    return Reply(201, attachment_out(attachment))


@router.post(
    "/articles/{int:article_id}/attachments/{int:attachment_id}/remove", response=AttachmentOut
)
def detach(request, article_id: int, attachment_id: int):
    """Take a file off the article (it is kept in the history)."""
    attachment = services.remove_attachment(article_id, attachment_id, actor=request.user)
    return attachment_out(attachment)


def _synonym_out(group: SynonymGroup) -> dict:
    return {"id": group.pk, "words": group.words.split(), "is_active": group.is_active}


@router.get("/synonyms", response=list[SynonymOut])
def synonyms(request):
    return [_synonym_out(g) for g in selectors.list_synonyms(request.user)]


@router.post("/synonyms", response={201: SynonymOut})
def add_synonyms(request, payload: SynonymIn):
    return Reply(201, _synonym_out(services.save_synonyms(payload.words, actor=request.user)))


@router.put("/synonyms/{int:group_id}", response=SynonymOut)
def edit_synonyms(request, group_id: int, payload: SynonymIn):
    group = services.save_synonyms(payload.words, actor=request.user, group_id=group_id)
    return _synonym_out(group)


@router.post("/synonyms/{int:group_id}/deactivate", response=SynonymOut)
def deactivate_synonyms(request, group_id: int):
    return _synonym_out(services.deactivate_synonyms(group_id, actor=request.user))
