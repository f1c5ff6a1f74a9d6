"""Reads of the knowledge base: search, the editors' list, one article, a version diff."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import refcache
from kefu.core.center import center as center_profile
from kefu.core.errors import Code, ServiceError
from kefu.core.paging import Page, clamp_page, clamp_per_page, paginate
from kefu.customers.access import visible_customers
from kefu.knowledge import search
from kefu.knowledge.access import access_article, can_read, can_write
from kefu.knowledge.greetings import customer_title, render
from kefu.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleVersion,
    Audience,
    Category,
    Question,
    Script,
    State,
    SynonymGroup,
)
from kefu.tickets.access import visible_tickets

# A search reads at most this many matches to count them; the pages go as far.
SEARCH_CAP = 1000


@dataclass
class Hit:
    article: Article
    title_html: str
    snippet_html: str


@dataclass
class Results:
    page: Page[Hit]
    match: str  # "all", "any", "pinyin", or "" (nothing typed / nothing found)
    words: list[str]


def _live(*, public_only: bool) -> QuerySet[Article]:
    today = timezone.localdate()
    rows = Article.objects.filter(live_version__isnull=False).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
    )
    return rows.filter(audience=Audience.PUBLIC) if public_only else rows


def _applies(rows: QuerySet[Article], *, ticket_type: str, area: str) -> QuerySet[Article]:
    """Articles for this request type and area: those naming it, and those naming none."""
    if ticket_type:
        types = Article.ticket_types.through.objects.filter(article_id=OuterRef("pk"))
        rows = rows.filter(~Exists(types) | Exists(types.filter(tickettype__code=ticket_type)))
    if area:
        areas = Article.areas.through.objects.filter(article_id=OuterRef("pk"))
        rows = rows.filter(~Exists(areas) | Exists(areas.filter(servicearea__code=area)))
    return rows


def search_articles(
    actor,
    query: str,
    *,
    ticket_type: str = "",
    area: str = "",
    category: str = "",
    public_only: bool = False,
    page: int = 1,
    per_page: int = 10,
) -> Results:
    """Live, valid articles for ``query``, best first (see kefu.knowledge.search), one page.
    With nothing typed, the freshest. Staff see internal articles too; ``public_only`` (or
    no staff login) only the public ones."""
    public_only = public_only or not can_read(actor)
    rows = _applies(_live(public_only=public_only), ticket_type=ticket_type, area=area)
    if category:
        rows = rows.filter(category__name=category)
    rows = rows.select_related("category")
    page, per_page = clamp_page(page), clamp_per_page(per_page)
    concepts = search.parse(query)
    if not concepts:
        found = paginate(rows.order_by("-updated_at", "-id"), page=page, per_page=per_page)
        return Results(_hits(found, []), "", [])
    words = [w for c in concepts for w in c.shown]
    for level in search.levels(concepts):
        ranked = _ranked(rows, level, page=page, per_page=per_page)
        if ranked.count:
            return Results(
                _hits(ranked, words, concepts if level.name == "pinyin" else None),
                level.name,
                words,
            )
    empty: Page[Hit] = Page([], page, per_page, 0, False, False)
    return Results(empty, "", words)


def _ranked(
    rows: QuerySet[Article], level: search.Level, *, page: int, per_page: int
) -> Page[Article]:
    """One page of the articles the level finds among ``rows``: those with concepts in the
    title first (more concepts first), then the others; the freshest first within each. The
    titled ones are few and ranked whole; the others are read in freshness order, a page at a
    time, so a common word costs about what a rare one does. Counted up to SEARCH_CAP."""
    ix = search.index()
    start = (page - 1) * per_page
    titled: list[int] = []
    if level.titles:
        sql, params = ix.titled(level)
        score, score_params = search.title_score(level)
        titled = list(
            rows.extra(
                where=[sql], params=params, select={"score": score}, select_params=score_params
            )
            .order_by("-score", "-updated_at", "-id")
            .values_list("id", flat=True)[: SEARCH_CAP + 1]
        )
        sql, params = ix.untitled(level, walk=ix.many(level))
    else:
        sql, params = ix.found(level, walk=ix.many(level))
    rest = rows.extra(where=[sql], params=params)
    counted = len(titled) + rest.order_by()[: max(0, SEARCH_CAP + 1 - len(titled))].count()
    wanted = titled[start : start + per_page + 1]
    if len(wanted) <= per_page and counted > len(titled):
        offset = max(0, start - len(titled))
        wanted += list(
            rest.order_by("-updated_at", "-id").values_list("id", flat=True)[
                offset : offset + per_page + 1 - len(wanted)
            ]
        )
    by_id = Article.objects.select_related("category").in_bulk(wanted[:per_page])
    items = [by_id[i] for i in wanted[:per_page]]
    count = min(counted, SEARCH_CAP)
    if items:
        count = max(count, start + len(items))
    return Page(items, page, per_page, count, counted > SEARCH_CAP, len(wanted) > per_page)


def _hits(
    found: Page[Article], words: list[str], pinyin: list[search.Concept] | None = None
) -> Page[Hit]:
    items = []
    for article in found.items:
        marked = words + (search.pinyin_hits(article.title, pinyin) if pinyin else [])
        items.append(
            Hit(
                article,
                search.highlight(article.title, marked),
                search.highlight(article.body, marked, width=120),
            )
        )
    return Page(items, found.page, found.per_page, found.count, found.count_capped, found.more)


def list_articles(
    actor, *, state: str = "", query: str = "", page: int = 1, per_page: int = 20
) -> Page[Article]:
    """The editors' list: every article (every state), by last change; readers see the live
    ones. ``query`` narrows by title."""
    if not can_read(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查看知识库"))
    rows = Article.objects.select_related("category")
    if not can_write(actor):
        rows = rows.filter(live_version__isnull=False)
    if state:
        rows = rows.filter(state=state)
    if query.strip():
        rows = rows.filter(title__icontains=query.strip())
    return paginate(rows.order_by("-updated_at", "-id"), page=page, per_page=per_page)


def review_queue(actor) -> list[Article]:
    """Articles waiting for a team lead."""
    return list(
        Article.objects.filter(state=State.REVIEW).order_by("updated_at", "id")[:100]
        if can_write(actor)
        else []
    )


def get_article(actor, article_id: int) -> Article:
    return access_article(actor, article_id)


def versions(article: Article) -> list[ArticleVersion]:
    return list(article.versions.select_related("created_by", "reviewed_by").order_by("-number"))


def _version(article: Article, number: int) -> ArticleVersion:
    found = article.versions.filter(number=number).first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("版本不存在"))
    return found


@dataclass
class DiffLine:
    op: str  # " " same, "+" added, "-" removed
    text: str


def diff(actor, article_id: int, old: int, new: int) -> list[DiffLine]:
    """What changed from version ``old`` to ``new``: the title, the fields, the body's lines.
    Those who may not write see only the live version, so no diff."""
    if not can_write(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查看历史版本"))
    article = access_article(actor, article_id)
    a, b = _version(article, old), _version(article, new)
    lines: list[DiffLine] = []
    for label, before, after in (
        (_("标题"), a.title, b.title),
        (_("类型"), a.get_kind_display(), b.get_kind_display()),
        (_("范围"), a.get_audience_display(), b.get_audience_display()),
        (_("分类"), str(a.category or ""), str(b.category or "")),
        (_("标签"), "、".join(a.tags), "、".join(b.tags)),
        (_("适用诉求类型"), "、".join(a.ticket_types), "、".join(b.ticket_types)),
        (_("适用片区"), "、".join(a.areas), "、".join(b.areas)),
        (_("生效日期"), str(a.valid_from or ""), str(b.valid_from or "")),
        (_("失效日期"), str(a.valid_until or ""), str(b.valid_until or "")),
    ):
        if before != after:
            lines.append(DiffLine("-", f"{label}:{before}"))
            lines.append(DiffLine("+", f"{label}:{after}"))
    for row in difflib.ndiff(a.body.splitlines(), b.body.splitlines()):
        if row[:1] in (" ", "+", "-"):
            lines.append(DiffLine(row[:1], row[2:]))
    return lines


def categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True))


def list_synonyms(actor) -> list[SynonymGroup]:
    if not can_read(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查看知识库"))
    return list(SynonymGroup.objects.order_by("-is_active", "id"))


def attachment(actor, attachment_id: int) -> ArticleAttachment:
    """A file of an article ``actor`` may read (removed files to those who may write)."""
    found = ArticleAttachment.objects.filter(pk=attachment_id).first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("附件不存在"))
    access_article(actor, found.article_id)
    if found.removed_at is not None and not can_write(actor):
        raise ServiceError(Code.NOT_FOUND, _("附件不存在"))
    return found


# ------------------------------------------------------------------------------ scripts


@dataclass(frozen=True)
class ScriptText:
    scene: str
    name: str
    text: str


def scripts_for(
    actor,
    *,
    customer_id: int | None = None,
    contact_name: str = "",
    moment: dt.datetime | None = None,
) -> tuple[str, list[ScriptText]]:
    """The center's standard scripts as this agent says them now: the greeting for the time
    of day and the festival, the customer's title from the archive (else from the contact
    name typed at intake, "王先生"), the agent's number, the company and the hotline. Returns
    the title used ("" when unknown: the scripts then say 您好/您) and the scripts."""
    if not can_read(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查看"))
    title = ""
    if customer_id is not None:
        customer = visible_customers(actor).filter(pk=customer_id).first()
        if customer is None:
            raise ServiceError(Code.INVALID, _("客户不存在"), field="customer_id")
        if customer.kind == customer.Kind.PERSON:
            title = customer_title(customer.name, customer.gender)
    if not title and contact_name:
        title = customer_title(contact_name.strip()[:40], "")
    profile = getattr(actor, "staff", None)
    center = center_profile()  # 中心信息 (kefu.core.center)
    when = timezone.localtime(moment or timezone.now())
    rows = refcache.get(
        ("scripts",),
        lambda: list(Script.objects.filter(is_active=True).values_list("scene", "name", "text")),
    )
    return title, [
        ScriptText(
            scene,
            name,
            render(
                text,
                moment=when,
                title=title,
                agent_no=profile.employee_no if profile is not None else "",
                company=center.name,
                hotline=center.hotline,
            ),
        )
        for scene, name, text in rows
    ]


# ------------------------------------------------------------------------------ questions


def list_questions(
    actor, *, state: str = "", mine: bool = False, page: int = 1, per_page: int = 20
) -> Page[Question]:
    """Questions on the tickets the actor may see, the soonest promised first (``mine``: those
    the actor asked)."""
    if not can_read(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查看"))
    rows = Question.objects.filter(ticket__in=visible_tickets(actor)).select_related(
        "ticket", "asked_by__staff", "answered_by__staff", "article"
    )
    if state:
        rows = rows.filter(state=state)
    if mine:
        rows = rows.filter(asked_by=actor)
    # The open ones first ("open" sorts after "answered").
    return paginate(rows.order_by("-state", "promised_at", "id"), page=page, per_page=per_page)
