"""The knowledge base (知识库): articles and Q&A the agents look up while the caller talks.

An article's every edit is a new ``ArticleVersion``; nothing is ever deleted. The article row
holds what readers see: the version a team lead approved (``live_version``), or, before the
first approval, the latest draft, which only the editors see. Its search columns are that
content cut into words (``kefu.knowledge.search``).

Life of an article: draft (草稿) → review (待审核) → published (已发布) → retired (已下线). An
edit of a published article is a new draft version; the approved one stays live until the new
one is approved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import ServiceArea
from kefu.core.models import Tag
from kefu.tickets.models import TicketType


class Category(models.Model):
    name = models.CharField(_("名称"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("知识分类")
        verbose_name_plural = _("知识分类")

    def __str__(self) -> str:
        return self.name


class ArticleKind(models.TextChoices):
    QA = "qa", _("问答")
    ARTICLE = "article", _("文章")


Kind = ArticleKind  # ArticleKind names it in the API schema


class Audience(models.TextChoices):
    INTERNAL = "internal", _("内部")
    PUBLIC = "public", _("公开")


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已下线")


State = ArticleState  # ArticleState names it in the API schema


class Article(models.Model):
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.QA)
    audience = models.CharField(
        _("范围"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("标签"))
    ticket_types = models.ManyToManyField(
        TicketType, blank=True, related_name="+", verbose_name=_("适用诉求类型")
    )
    areas = models.ManyToManyField(
        ServiceArea, blank=True, related_name="+", verbose_name=_("适用片区")
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    live_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version_count = models.PositiveIntegerField(default=0)
    # The readers' content cut into words: the title's, the body's with the tags, and the
    # title words' pinyin and initials (kefu.knowledge.search).
    search_title = models.TextField(default="", editable=False)
    search_body = models.TextField(default="", editable=False)
    search_pinyin = models.TextField(default="", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("知识条目")
        verbose_name_plural = _("知识条目")
        indexes = [
            models.Index(fields=["state", "-updated_at"], name="knowledge_state_updated"),
            models.Index(
                fields=["-updated_at", "-id"],
                name="knowledge_live_updated",
                condition=models.Q(live_version__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """One saved edit of an article, kept for ever: its whole content and its review."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEW = "review", _("待审核")
        REJECTED = "rejected", _("已退回")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被新版本替代")
        RETIRED = "retired", _("已下线")
        EDITED = "edited", _("已被后续修改替代")

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    kind = models.CharField(max_length=10, choices=Kind.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=100)
    body = models.TextField()
    tags = models.JSONField(default=list)
    ticket_types = models.JSONField(default=list)
    areas = models.JSONField(default=list)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("知识版本")
        verbose_name_plural = _("知识版本")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


def attachment_path(instance: ArticleAttachment, filename: str) -> str:
    return f"knowledge/{instance.article_id}/{filename}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Taken off the article, kept on disk and in the history.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("知识附件")
        verbose_name_plural = _("知识附件")


class SynonymGroup(models.Model):
    """Words customers use for one thing (停水 没水 断水 不出水): a search for any of them
    finds the others. The first word is the one the center writes."""

    words = models.CharField(_("同义词"), max_length=300, help_text=_("用空格或逗号分隔"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("同义词组")
        verbose_name_plural = _("同义词组")

    def __str__(self) -> str:
        return self.words


class Script(models.Model):
    """A standard script (标准话术) for one scene of a call, in the center's own words, with
    variables: {greeting} (早上好/下午好/晚上好, and the festival's wishes), {title} (王先生,
    李女士 from the archive), {agent_no}, {company}, {hotline} (kefu.knowledge.greetings)."""

    scene = models.SlugField(_("场景编码"), max_length=30, unique=True)
    name = models.CharField(_("场景"), max_length=30)
    text = models.TextField(_("话术"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("标准话术")
        verbose_name_plural = _("标准话术")

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A caller's question the agent could not answer (待答疑问): the answer time promised to
    the customer runs as a time limit on the ticket; the team leads answer it, the answer
    becomes a callback for the agent, and it may become a Q&A article in one step."""

    class State(models.TextChoices):
        OPEN = "open", _("待答复")
        ANSWERED = "answered", _("已答复")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="questions")
    text = models.TextField(_("疑问"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField()
    promised_at = models.DateTimeField(_("承诺答复时间"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    callback = models.ForeignKey(
        "followups.CallbackTask", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )

    class Meta:
        ordering = ["promised_at", "id"]
        indexes = [models.Index(fields=["state", "promised_at"])]
        verbose_name = _("待答疑问")
        verbose_name_plural = _("待答疑问")

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def deadline_code(self) -> str:
        """The code of its time limit on the ticket (kefu.sla)."""
        return f"question-{self.pk}"
