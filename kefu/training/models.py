"""Training (培训考核): a question bank, exams drawn from it, attempts, and the operating
procedures (作业指导书) staff must read and confirm.

A question is never edited in place nor deleted: a revision is a new row with the same
``code`` and the next ``version`` (the old one becomes superseded), and a question taken out
of use is retired. An attempt points at the very version it asked, so a finished exam shows the
question as the candidate saw it. A procedure's published version is immutable too; a new
version supersedes it and needs its own confirmation by every member of staff.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    CONDUCT = "conduct", _("服务规范与文明用语")
    COMPLAINT = "complaint", _("投诉处理")
    TIME_LIMIT = "time_limit", _("时限")
    DISPATCH = "dispatch", _("派工")
    SCRIPT = "script", _("话术")
    CONFIDENTIAL = "confidential", _("保密")
    CALLBACK = "callback", _("回访")
    INTAKE = "intake", _("受理")
    FRONT_DESK = "front_desk", _("前台服务")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("容易")
    MEDIUM = 2, _("中等")
    HARD = 3, _("困难")


class Question(models.Model):
    class Kind(models.TextChoices):
        JUDGE = "judge", _("判断题")
        SINGLE = "single", _("单选题")
        MULTI = "multi", _("多选题")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在用")
        SUPERSEDED = "superseded", _("已修订")
        RETIRED = "retired", _("已停用")

    # One question across its versions: the code stays, the version counts up.
    code = models.CharField(_("题号"), max_length=20)
    version = models.PositiveIntegerField(_("版本"), default=1)
    kind = models.CharField(_("题型"), max_length=8, choices=Kind.choices)
    topic = models.CharField(_("知识点"), max_length=16, choices=Topic.choices)
    difficulty = models.PositiveSmallIntegerField(_("难度"), choices=Difficulty.choices)
    text = models.TextField(_("题目"))
    # The options' texts in order; a true/false question has ["正确", "错误"].
    options = models.JSONField(_("选项"), default=list)
    # The right options' indexes (0-based), sorted: one for judge and single, one or more for multi.
    answer = models.JSONField(_("答案"), default=list)
    explanation = models.TextField(_("解析"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="question_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="active"), name="question_one_active"
            ),
        ]
        indexes = [models.Index(fields=["status", "topic", "difficulty"], name="question_draw")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Exam(models.Model):
    title = models.CharField(_("考试名称"), max_length=100)
    topics = models.JSONField(_("知识点"), default=list)
    easy = models.PositiveSmallIntegerField(_("容易题数"), default=0)
    medium = models.PositiveSmallIntegerField(_("中等题数"), default=0)
    hard = models.PositiveSmallIntegerField(_("困难题数"), default=0)
    minutes = models.PositiveSmallIntegerField(_("时限(分钟)"))
    pass_mark = models.PositiveSmallIntegerField(_("及格分"), default=60)
    # Whose exam it is: empty for the whole center, else one branch's staff.
    branch = models.ForeignKey(
        "accounts.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分支机构"),
    )
    is_open = models.BooleanField(_("开放中"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("考试")
        verbose_name_plural = _("考试")

    def __str__(self) -> str:
        return self.title

    @property
    def size(self) -> int:
        return self.easy + self.medium + self.hard


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("答题中")
        SUBMITTED = "submitted", _("已交卷")
        EXPIRED = "expired", _("超时自动交卷")

    FINISHED = (Status.SUBMITTED, Status.EXPIRED)

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The draw's seed: the same exam, bank and seed draw the same paper again.
    seed = models.BigIntegerField()
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"))
    finished_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    correct = models.PositiveSmallIntegerField(_("答对题数"), null=True, blank=True)
    total = models.PositiveSmallIntegerField(_("题数"))
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    passed = models.BooleanField(_("及格"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("考试记录")
        verbose_name_plural = _("考试记录")
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "candidate"],
                condition=Q(status="in_progress"),
                name="attempt_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="attempt_sweep"),
            models.Index(fields=["candidate", "finished_at"], name="attempt_person"),
        ]

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class AttemptAnswer(models.Model):
    """One question of an attempt's paper, with what the candidate chose."""

    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="answers")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    chosen = models.JSONField(default=list)
    answered_at = models.DateTimeField(null=True, blank=True)
    is_correct = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="answer_position")
        ]


class Procedure(models.Model):
    """作业指导书: one operating procedure; its text lives in its versions."""

    code = models.CharField(_("编号"), max_length=30, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    current = models.ForeignKey(
        "ProcedureVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("现行版本"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("作业指导书")
        verbose_name_plural = _("作业指导书")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ProcedureVersion(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        ordering = ["procedure", "-number"]
        verbose_name = _("作业指导书版本")
        verbose_name_plural = _("作业指导书版本")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version")
        ]


class Confirmation(models.Model):
    """我已阅读并理解: one person confirmed one version."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.PROTECT, related_name="confirmations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"))

    class Meta:
        ordering = ["-confirmed_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="confirmation_once")
        ]
