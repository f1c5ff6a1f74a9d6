"""The knowledge base's changes: write, submit, approve, reject, retire, attach; synonyms.

Each change is one transaction on the locked article, audited. Every edit is a new version
(nothing is overwritten); the article row shows its readers the approved version, or the
latest draft before the first approval (``_show``), and its search columns follow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from kefu.accounts import org
from kefu.accounts.models import Role, ServiceArea, StaffProfile
from kefu.accounts.scope import scope_of
from kefu.accounts.services import display_name
from kefu.core.actor import user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.said import said
from kefu.core.services import clean_text, get_or_create_tags, record_audit
from kefu.core.uploads import checked_upload
from kefu.core.wording import check_outbound
from kefu.followups.models import CallbackTask, Purpose
from kefu.followups.services import create_callback
from kefu.knowledge import search
from kefu.knowledge.access import access_article, can_review, can_write
from kefu.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleVersion,
    Category,
    Question,
    State,
    SynonymGroup,
)
from kefu.knowledge.schemas import BODY_MAX, TITLE_MAX, ArticleIn
from kefu.notify.services import notify_users
from kefu.sla import services as sla
from kefu.tickets.access import access_ticket, visible_tickets
from kefu.tickets.models import Status, TicketEvent, TicketType
from kefu.tickets.timeline import record_event

VersionStatus = ArticleVersion.Status

# The steps of an article's life, from the state it is in.
ALLOWED: dict[str, set[str]] = {
    "submit": {State.DRAFT, State.RETIRED},
    "approve": {State.REVIEW},
    "reject": {State.REVIEW},
    "retire": {State.DRAFT, State.REVIEW, State.PUBLISHED},  # retiring needs a live version
}


def _require_writer(actor) -> None:
    if not can_write(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权编辑知识库"))


def _require_reviewer(actor) -> None:
    if not can_review(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、客服主管或系统管理员可以审核知识"))


# ---------------------------------------------------------------------------------- content


def _clean(data: ArticleIn) -> dict[str, Any]:
    """The version's fields from ``data``, checked: all of them, before anything is written."""
    title = clean_text(data.title, "title", limit=TITLE_MAX, required=True, message=_("请填写标题"))
    body = clean_text(data.body, "body", limit=BODY_MAX, required=True, message=_("请填写正文"))
    category = None
    if data.category.strip():
        category = Category.objects.filter(name=data.category.strip(), is_active=True).first()
        if category is None:
            raise ServiceError(
                Code.INVALID, _("知识分类不存在:%s") % data.category.strip(), field="category"
            )
    tags = sorted({t.strip() for t in data.tags if t and t.strip()})
    codes = sorted({c.strip() for c in data.ticket_types if c and c.strip()})
    known = set(TicketType.objects.filter(code__in=codes).values_list("code", flat=True))
    if unknown := [c for c in codes if c not in known]:
        raise ServiceError(
            Code.INVALID, _("诉求类型不存在:%s") % "、".join(unknown), field="ticket_types"
        )
    areas = sorted({c.strip() for c in data.areas if c and c.strip()})
    if unknown := [c for c in areas if org.area_by_code(c) is None]:
        raise ServiceError(Code.INVALID, _("片区不存在:%s") % "、".join(unknown), field="areas")
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise ServiceError(Code.INVALID, _("失效日期不能早于生效日期"), field="valid_until")
    return {
        "kind": data.kind,
        "audience": data.audience,
        "category": category,
        "title": title,
        "body": body,
        "tags": tags,
        "ticket_types": codes,
        "areas": areas,
        "valid_from": data.valid_from,
        "valid_until": data.valid_until,
        "note": clean_text(data.note, "note", limit=200),
    }


def _show(article: Article, version: ArticleVersion) -> None:
    """Make ``version`` what the article row shows (and what search finds once it is live)."""
    for name in ("kind", "audience", "category", "title", "body", "valid_from", "valid_until"):
        setattr(article, name, getattr(version, name))
    for name, value in search.index_columns(version.title, version.body, version.tags).items():
        setattr(article, name, value)
    article.updated_at = timezone.now()
    article.save()
    article.tags.set(get_or_create_tags(version.tags))
    article.ticket_types.set(TicketType.objects.filter(code__in=version.ticket_types))
    article.areas.set(ServiceArea.objects.filter(code__in=version.areas))


def _new_version(article: Article, fields: dict[str, Any], *, actor) -> ArticleVersion:
    article.version_count += 1
    return ArticleVersion.objects.create(
        article=article,
        number=article.version_count,
        created_by=user_of(actor),
        **fields,
    )


def _latest(article: Article) -> ArticleVersion:
    return article.versions.order_by("-number").first()  # type: ignore[return-value]


@transaction.atomic
def create_article(data: ArticleIn, *, actor) -> Article:
    """A new article as a draft (version 1). Raises FORBIDDEN / INVALID."""
    _require_writer(actor)
    fields = _clean(data)
    now = timezone.now()
    article = Article.objects.create(
        title=fields["title"], body=fields["body"], created_by=actor, updated_at=now
    )
    version = _new_version(article, fields, actor=actor)
    _show(article, version)
    record_audit(actor=actor, action="knowledge.create", obj=article, detail={"version": 1})
    return article


@transaction.atomic
def edit_article(article_id: int, data: ArticleIn, *, actor) -> Article:
    """A new version of the article, as a draft. A live article stays live with its approved
    version until this one is approved; one under review goes back to draft. Raises
    FORBIDDEN / NOT_FOUND / INVALID."""
    _require_writer(actor)
    article = access_article(actor, article_id, for_update=True)
    fields = _clean(data)
    latest = _latest(article)
    same = all(getattr(latest, k) == v for k, v in fields.items() if k != "note")
    if same:
        raise ServiceError(Code.INVALID, _("内容没有变化"), field="body")
    if latest.status in (VersionStatus.DRAFT, VersionStatus.REVIEW):
        latest.status = VersionStatus.EDITED
        latest.save(update_fields=["status"])
    version = _new_version(article, fields, actor=actor)
    article.state = State.DRAFT
    if article.live_version_id is None:
        _show(article, version)
    else:
        article.save(update_fields=["state", "version_count"])
    record_audit(
        actor=actor, action="knowledge.edit", obj=article, detail={"version": version.number}
    )
    return article


def _step(article_id: int, step: str, *, actor) -> tuple[Article, ArticleVersion]:
    article = access_article(actor, article_id, for_update=True)
    if article.state not in ALLOWED[step]:
        raise ServiceError(
            Code.INVALID_TRANSITION,
            _("「%(title)s」当前为%(state)s,不能%(step)s")
            % {
                "title": article.title,
                "state": article.get_state_display(),
                "step": STEP_NAMES[step],
            },
        )
    return article, _latest(article)


STEP_NAMES = {
    "submit": gettext_lazy("提交审核"),
    "approve": gettext_lazy("审核通过"),
    "reject": gettext_lazy("退回"),
    "retire": gettext_lazy("下线"),
}


@transaction.atomic
def submit_article(article_id: int, *, actor) -> Article:
    """draft (or retired) → review: a team lead is to check the latest version."""
    _require_writer(actor)
    article, latest = _step(article_id, "submit", actor=actor)
    latest.status = VersionStatus.REVIEW
    latest.submitted_at = timezone.now()
    latest.save(update_fields=["status", "submitted_at"])
    article.state = State.REVIEW
    article.save(update_fields=["state"])
    record_audit(
        actor=actor, action="knowledge.submit", obj=article, detail={"version": latest.number}
    )
    return article


@transaction.atomic
def approve_article(article_id: int, *, actor, note: str = "") -> Article:
    """review → published: the latest version becomes what every agent finds."""
    _require_reviewer(actor)
    article, latest = _step(article_id, "approve", actor=actor)
    now = timezone.now()
    if article.live_version_id is not None:
        ArticleVersion.objects.filter(pk=article.live_version_id).update(
            status=VersionStatus.SUPERSEDED
        )
    latest.status = VersionStatus.PUBLISHED
    latest.reviewed_by = actor
    latest.reviewed_at = now
    latest.review_note = clean_text(note, "note", limit=500)
    latest.save()
    article.state = State.PUBLISHED
    article.live_version = latest
    article.published_at = now
    _show(article, latest)
    record_audit(
        actor=actor, action="knowledge.approve", obj=article, detail={"version": latest.number}
    )
    return article


@transaction.atomic
def reject_article(article_id: int, *, actor, note: str) -> Article:
    """review → draft, with the reason (required) for the author."""
    _require_reviewer(actor)
    note = clean_text(note, "note", limit=500, required=True, message=_("请填写退回原因"))
    article, latest = _step(article_id, "reject", actor=actor)
    latest.status = VersionStatus.REJECTED
    latest.reviewed_by = actor
    latest.reviewed_at = timezone.now()
    latest.review_note = note
    latest.save()
    article.state = State.DRAFT
    article.save(update_fields=["state"])
    record_audit(
        actor=actor,
        action="knowledge.reject",
        obj=article,
        detail={"version": latest.number, "note": note},
    )
    return article


@transaction.atomic
def retire_article(article_id: int, *, actor, note: str = "") -> Article:
    """Take a live article off search (下线); every version stays, and it can be submitted
    again."""
    _require_reviewer(actor)
    article, _latest_version = _step(article_id, "retire", actor=actor)
    if article.live_version_id is None:
        raise ServiceError(Code.INVALID_TRANSITION, _("该条目尚未发布,无需下线"))
    ArticleVersion.objects.filter(pk=article.live_version_id).update(status=VersionStatus.RETIRED)
    article.state = State.RETIRED
    article.live_version = None
    article.updated_at = timezone.now()
    article.save(update_fields=["state", "live_version", "updated_at"])
    record_audit(
        actor=actor,
        action="knowledge.retire",
        obj=article,
        detail={"note": clean_text(note, "note", limit=500)},
    )
    return article


# ---------------------------------------------------------------------------------- files


@transaction.atomic
def add_attachment(
    article_id: int, *, actor, upload: UploadedFile[bytes] | None
) -> ArticleAttachment:
    """Attach a file (a tariff table, a form, a map). Raises TOO_LARGE past the limit."""
    _require_writer(actor)
    article = access_article(actor, article_id, for_update=True)
    upload, name, size = checked_upload(upload)
    attachment = ArticleAttachment(
        article=article,
        name=name,
        size=size,
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    record_audit(actor=actor, action="knowledge.attach", obj=article, detail={"name": name})
    return attachment


@transaction.atomic
def remove_attachment(article_id: int, attachment_id: int, *, actor) -> ArticleAttachment:
    """Take a file off the article; it is kept, with who removed it and when."""
    _require_writer(actor)
    article = access_article(actor, article_id, for_update=True)
    attachment = article.attachments.filter(pk=attachment_id, removed_at__isnull=True).first()
    if attachment is None:
        raise ServiceError(Code.NOT_FOUND, _("附件不存在"))
    attachment.removed_at = timezone.now()
    attachment.removed_by = actor
    attachment.save(update_fields=["removed_at", "removed_by"])
    record_audit(
        actor=actor, action="knowledge.detach", obj=article, detail={"name": attachment.name}
    )
    return attachment


# ---------------------------------------------------------------------------------- synonyms


def _clean_words(words: str) -> str:
    text = clean_text(words, "words", limit=300, required=True, message=_("请填写同义词"))
    cleaned = list(dict.fromkeys(search.split_words(text.lower())))
    if len(cleaned) < 2:
        raise ServiceError(Code.INVALID, _("同义词组至少需要两个词"), field="words")
    if any(len(w) > 20 for w in cleaned):
        raise ServiceError(Code.INVALID, _("每个词最多 20 个字符"), field="words")
    return " ".join(cleaned)


@transaction.atomic
def save_synonyms(words: str, *, actor, group_id: int | None = None) -> SynonymGroup:
    """A new synonym group, or new words for ``group_id``. Reviewers only."""
    _require_reviewer(actor)
    cleaned = _clean_words(words)
    if group_id is None:
        group = SynonymGroup.objects.create(words=cleaned)
    else:
        found = SynonymGroup.objects.select_for_update().filter(pk=group_id).first()
        if found is None:
            raise ServiceError(Code.NOT_FOUND, _("同义词组不存在"))
        group = found
        before = group.words
        group.words = cleaned
        group.is_active = True
        group.save()
        record_audit(actor=actor, action="knowledge.synonyms", obj=group, detail={"before": before})
        return group
    record_audit(actor=actor, action="knowledge.synonyms", obj=group, detail={"before": ""})
    return group


@transaction.atomic
def deactivate_synonyms(group_id: int, *, actor) -> SynonymGroup:
    """Stop using a synonym group (kept, can be saved again)."""
    _require_reviewer(actor)
    group = SynonymGroup.objects.select_for_update().filter(pk=group_id).first()
    if group is None:
        raise ServiceError(Code.NOT_FOUND, _("同义词组不存在"))
    group.is_active = False
    group.save(update_fields=["is_active", "updated_at"])
    record_audit(actor=actor, action="knowledge.synonyms_off", obj=group, detail={})
    return group


# ------------------------------------------------------------------------------ questions

QUESTION_MAX = 1000
# The answer time promised to a customer: soon enough to be kept track of.
PROMISE_WITHIN = dt.timedelta(days=30)


def _team_leads(ticket) -> list:
    """Who answers a question: the active team leads of the ticket's branch and of the center."""
    people = StaffProfile.objects.filter(role=Role.TEAM_LEAD, user__is_active=True).filter(
        Q(branch__isnull=True) | Q(branch_id=ticket.branch_id)
    )
    return [p.user for p in people.select_related("user").order_by("user_id")]


def ask_question(serial: str, *, actor, text: str, promised_at: dt.datetime | None) -> Question:
    """Record a caller's question the agent could not answer and the time the customer was
    promised an answer. It runs as a time limit on the ticket (warned, breached and escalated
    like its others, kefu.sla) and goes to the team leads."""
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权记录疑问"))
    text = clean_text(
        text, "text", limit=QUESTION_MAX, required=True, message=_("请填写客户的疑问")
    )
    if promised_at is None or timezone.is_naive(promised_at):
        raise ServiceError(Code.INVALID, _("请填写承诺答复时间(带时区)"), field="promised_at")
    now = timezone.now()
    if not now < promised_at <= now + PROMISE_WITHIN:
        raise ServiceError(
            Code.INVALID, _("承诺答复时间应在现在之后 30 天以内"), field="promised_at"
        )
    with transaction.atomic():
        ticket = access_ticket(actor, serial, for_update=True)
        if ticket.status in (Status.CANCELLED, Status.MERGED):
            raise ServiceError(Code.INVALID_TRANSITION, _("工单已撤销或已合并"))
        question = Question.objects.create(
            ticket=ticket, text=text, asked_by=actor, asked_at=now, promised_at=promised_at
        )
        sla.start_promise(
            ticket,
            code=question.deadline_code,
            name=gettext_noop("答复客户疑问"),
            due=promised_at,
            at=now,
        )
        when = f"{timezone.localtime(promised_at):%m-%d %H:%M}"
        record_event(
            ticket,
            actor=actor,
            kind=TicketEvent.Kind.NOTE,
            action="question",
            note=said(gettext_noop("待答疑问:%(q)s(承诺 %(at)s 前答复)"), q=text, at=when),
            data={"question": question.pk},
        )
        notify_users(
            "question.asked",
            users=_team_leads(ticket),
            context={"question": text[:100], "asker": display_name(actor), "promised": when},
            key=f"question:{question.pk}:asked",
            ticket=ticket,
        )
    return question


def answer_question(question_id: int, *, actor, answer: str) -> Question:
    """A team lead answers: its time limit is met (or late), the agent who asked gets a
    callback task to tell the customer, due at the promised time (now, if that has passed)."""
    _require_reviewer(actor)
    answer = clean_text(
        answer, "answer", limit=BODY_MAX, required=True, message=_("请填写答复内容")
    )
    # The answer is what the agent will tell the customer (kefu.core.wording).
    access_question(actor, question_id)
    check_outbound(answer, actor=actor, path="answer", field="answer")
    with transaction.atomic():
        question = access_question(actor, question_id, for_update=True)
        if question.state != Question.State.OPEN:
            raise ServiceError(Code.INVALID_TRANSITION, _("该疑问已答复"))
        now = timezone.now()
        ticket = question.ticket
        question.state, question.answer = Question.State.ANSWERED, answer
        question.answered_by, question.answered_at = actor, now
        sla.fulfil_target(ticket, question.deadline_code, now)
        question.callback = CallbackTask.objects.filter(
            ticket=ticket, state=CallbackTask.State.OPEN
        ).first() or create_callback(
            ticket.serial,
            actor=actor,
            purpose=Purpose.ANSWER,
            due_at=max(question.promised_at, now + dt.timedelta(minutes=10)),
            note=_("答复客户疑问:%s") % question.text[:100],
            assignee=question.asked_by,
        )
        question.save()
        record_event(
            ticket,
            actor=actor,
            kind=TicketEvent.Kind.NOTE,
            action="answered",
            note=said(gettext_noop("疑问“%(q)s”已答复:%(a)s"), q=question.text[:100], a=answer),
            data={"question": question.pk},
        )
        notify_users(
            "question.answered",
            users=[question.asked_by],
            context={
                "question": question.text[:100],
                "answer": answer[:200],
                "answerer": display_name(actor),
            },
            key=f"question:{question.pk}:answered",
            ticket=ticket,
        )
    return question


def question_to_article(question_id: int, *, actor, category: str = "") -> Article:
    """An answered question becomes a Q&A article in one step: written, submitted, and —
    the team lead being a reviewer — published; internal, for the agents."""
    _require_reviewer(actor)
    question = access_question(actor, question_id)
    if question.state != Question.State.ANSWERED:
        raise ServiceError(Code.INVALID_TRANSITION, _("疑问答复后才能转为知识"))
    if question.article_id is not None:
        raise ServiceError(Code.CONFLICT, _("该疑问已转为知识"))
    title = question.text.splitlines()[0][:TITLE_MAX]
    data = ArticleIn.model_validate(
        {
            "kind": "qa",
            "audience": "internal",
            "title": title,
            "body": question.answer,
            "category": category,
        }
    )
    with transaction.atomic():
        article = create_article(data, actor=actor)
        submit_article(article.pk, actor=actor)
        article = approve_article(article.pk, actor=actor, note=_("由待答疑问转入"))
        Question.objects.filter(pk=question.pk).update(article=article)
    return article


def access_question(actor, question_id: int, *, for_update: bool = False) -> Question:
    """A question on a ticket the actor may see; NOT_FOUND otherwise."""
    rows = Question.objects.filter(ticket__in=visible_tickets(actor))
    rows = rows.select_for_update() if for_update else rows.select_related("ticket", "asked_by")
    question = rows.filter(pk=question_id).first()
    if question is None:
        raise ServiceError(Code.NOT_FOUND, _("疑问不存在"))
    return question
