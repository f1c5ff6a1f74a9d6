"""Quality (质检): scorecards, samples, inspections, send-backs and appeals.

A scorecard is never edited in place: a revision is a new row with the same ``code`` and the
next ``version`` (the old one becomes superseded). An inspection copies the items it was
scored on (name, category, points, veto) into its marks, so it reads as it was scored whatever
happens to the scorecard later. Nothing is deleted: a send-back is fixed, an appeal decided,
a scorecard retired; the score an appeal replaced is kept on the inspection and the appeal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ATTITUDE = "attitude", _("服务态度")
    PROCESS = "process", _("业务流程")
    TIME_LIMIT = "time_limit", _("时限")
    ACCURACY = "accuracy", _("准确性")
    SCRIPT = "script", _("话术使用")
    FORBIDDEN = "forbidden", _("禁用语")


class Scorecard(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("在用")
        SUPERSEDED = "superseded", _("已修订")
        RETIRED = "retired", _("已停用")

    code = models.CharField(_("编号"), max_length=20)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=60)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("质检评分表")
        verbose_name_plural = _("质检评分表")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="scorecard_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="active"), name="scorecard_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ScorecardItem(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("评分项"), max_length=100)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    points = models.PositiveSmallIntegerField(_("分值"), default=0)
    # 一票否决: failing it makes the whole score 0.
    is_veto = models.BooleanField(_("一票否决"), default=False)

    class Meta:
        ordering = ["scorecard", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "position"], name="scorecard_item_pos")
        ]


class Period(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")


class QualitySettings(models.Model):
    """The center's sampling rules (one row, edited by quality staff and supervisors)."""

    period = models.CharField(_("抽检周期"), max_length=8, choices=Period.choices, default="week")
    share_percent = models.PositiveSmallIntegerField(_("随机抽检比例(%)"), default=5)
    minimum = models.PositiveSmallIntegerField(_("每人至少抽检"), default=2)
    include_calls = models.BooleanField(_("抽检通话"), default=True)
    complaints = models.BooleanField(_("投诉工单全检"), default=True)
    breached = models.BooleanField(_("超时工单全检"), default=True)
    low_scores = models.BooleanField(_("低满意度工单全检"), default=True)
    low_score_max = models.PositiveSmallIntegerField(_("低满意度(不高于)"), default=2)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("质检抽样设置")
        verbose_name_plural = _("质检抽样设置")


class SampleDraw(models.Model):
    """One period's draw: made once, however often it is asked for (unique per period)."""

    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateField(_("周期开始"))
    end = models.DateField(_("周期结束"))  # exclusive
    seed = models.BigIntegerField()
    share_percent = models.PositiveSmallIntegerField()
    minimum = models.PositiveSmallIntegerField()
    drawn_at = models.DateTimeField(_("抽样时间"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("质检抽样")
        verbose_name_plural = _("质检抽样")
        constraints = [
            models.UniqueConstraint(fields=["period", "start"], name="sample_draw_period")
        ]


class Reason(models.TextChoices):
    RANDOM = "random", _("随机抽检")
    COMPLAINT = "complaint", _("投诉")
    BREACHED = "breached", _("超时")
    LOW_SCORE = "low_score", _("低满意度")
    CALL = "call", _("通话抽检")


class Sample(models.Model):
    """One ticket or call of an agent picked for inspection."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待质检")
        INSPECTED = "inspected", _("已质检")

    draw = models.ForeignKey(SampleDraw, on_delete=models.PROTECT, related_name="samples")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    call = models.ForeignKey(
        "telephony.CallRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("抽检原因"), max_length=10, choices=Reason.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )

    class Meta:
        ordering = ["draw", "agent_id", "id"]
        verbose_name = _("质检样本")
        verbose_name_plural = _("质检样本")
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "ticket"], condition=Q(ticket__isnull=False), name="sample_ticket"
            ),
            models.UniqueConstraint(
                fields=["draw", "call"], condition=Q(call__isnull=False), name="sample_call"
            ),
        ]
        indexes = [models.Index(fields=["agent", "status"], name="sample_agent")]


class Inspection(models.Model):
    class Status(models.TextChoices):
        SCORED = "scored", _("已评分")
        APPEALED = "appealed", _("申诉中")
        FINAL = "final", _("已定分")

    sample = models.OneToOneField(Sample, on_delete=models.PROTECT, related_name="inspection")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SCORED
    )
    points = models.PositiveSmallIntegerField(_("得分项合计"))
    max_points = models.PositiveSmallIntegerField(_("满分"))
    vetoed = models.BooleanField(_("一票否决"), default=False)
    # The inspector's score (0–100) as scored, and the score that counts: the same unless an
    # appeal was accepted and the lead decided another.
    inspector_score = models.PositiveSmallIntegerField(_("质检评分"))
    score = models.PositiveSmallIntegerField(_("得分"))
    comment = models.TextField(_("评语"), blank=True)
    inspected_at = models.DateTimeField(_("质检时间"))

    class Meta:
        ordering = ["-inspected_at", "-id"]
        verbose_name = _("质检记录")
        verbose_name_plural = _("质检记录")
        indexes = [models.Index(fields=["agent", "inspected_at"], name="inspection_agent")]


class Mark(models.Model):
    """One scorecard item as scored: the item copied as it was, passed or not, points given."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="marks")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=12, choices=Category.choices)
    points = models.PositiveSmallIntegerField()
    is_veto = models.BooleanField(default=False)
    passed = models.BooleanField()
    awarded = models.PositiveSmallIntegerField()
    comment = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "position"], name="mark_position")
        ]


class SendBack(models.Model):
    """业务稽查 整改: the inspected work sent back to the agent or a department for a fix."""

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        FIXED = "fixed", _("已整改")

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="send_backs")
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    required_fix = models.TextField(_("整改要求"))
    due_at = models.DateTimeField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default="open")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("退回时间"))
    fix_note = models.TextField(_("整改说明"), blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fixed_at = models.DateTimeField(_("整改时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("质检整改")
        verbose_name_plural = _("质检整改")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_user__isnull=False) | Q(to_department__isnull=False),
                name="send_back_recipient",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="send_back_due")]


class Appeal(models.Model):
    """The agent's one appeal of an inspection; the team lead of their branch decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待裁定")
        UPHELD = "upheld", _("维持原评分")
        ACCEPTED = "accepted", _("申诉成立")

    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="appeal")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("申诉理由"))
    filed_at = models.DateTimeField(_("申诉时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="pending")
    original_score = models.PositiveSmallIntegerField(_("原评分"))
    decided_score = models.PositiveSmallIntegerField(_("裁定得分"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("裁定时间"), null=True, blank=True)
    decision_note = models.TextField(_("裁定意见"), blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("质检申诉")
        verbose_name_plural = _("质检申诉")
