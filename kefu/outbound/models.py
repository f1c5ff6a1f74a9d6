"""Outbound lists (外呼任务) and their entries (外呼名单).

A list is made once from a source (open callback tasks, churned members, a sample of resolved
requests for a survey, a notice's customers, an Excel file) and then worked through by its
agents: each entry is one number to call, held by one agent at a time while they call it, with
every attempt and its outcome kept. Nothing here is ever deleted: a list is closed, an entry
is cancelled or excluded with its reason.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundPurpose(models.TextChoices):
    """What the calls are for: the kinds of outbound call a center makes (DOMAIN §1, §6)."""

    CALLBACK = "callback", _("回访")
    SURVEY = "survey", _("满意度调查")
    CHURNED = "churned", _("流失会员回访")
    NOTICE = "notice", _("停水/公告通知")
    RESEARCH = "research", _("市场调查")
    MARKETING = "marketing", _("营销推广")
    OTHER = "other", _("其他")


class OutboundSource(models.TextChoices):
    CALLBACKS = "callbacks", _("待回访任务")
    CHURNED = "churned", _("流失会员")
    SURVEY = "survey", _("满意度抽样")
    NOTICE = "notice", _("公告影响客户")
    EXCEL = "excel", _("Excel 导入")


class OutboundList(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("未开始")
        ACTIVE = "active", _("进行中")
        PAUSED = "paused", _("已暂停")
        CLOSED = "closed", _("已结束")

    name = models.CharField(_("名称"), max_length=60)
    purpose = models.CharField(_("外呼类别"), max_length=12, choices=OutboundPurpose.choices)
    source = models.CharField(_("名单来源"), max_length=12, choices=OutboundSource.choices)
    # The source's parameters as given (tag, dates, share, notice…), for the record.
    source_detail = models.JSONField(_("来源条件"), default=dict, blank=True)
    # A list of a branch holds that branch's customers and is worked by its staff; a list
    # without one is the whole center's.
    branch = models.ForeignKey(
        "accounts.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分支机构"),
    )
    script = models.ForeignKey(
        "knowledge.Script",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("标准话术"),
    )
    talking_points = models.TextField(_("话术要点"), blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    max_attempts = models.PositiveSmallIntegerField(
        _("最多拨打次数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    retry_minutes = models.PositiveIntegerField(
        _("未接通重拨间隔(分钟)"),
        default=120,
        validators=[MinValueValidator(5), MaxValueValidator(7 * 24 * 60)],
    )
    call_from = models.TimeField(_("外呼开始时间"), default=dt.time(9, 0))
    call_until = models.TimeField(_("外呼结束时间"), default=dt.time(20, 0))
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("外呼坐席")
    )
    total = models.PositiveIntegerField(_("名单数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_reason = models.CharField(_("结束原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("外呼任务")
        verbose_name_plural = _("外呼任务")
        indexes = [models.Index(fields=["status", "created_at"], name="outbound_list_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.ACTIVE, self.Status.PAUSED)


class OutboundEntry(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待拨打")
        RETRY = "retry", _("待重拨")
        DONE = "done", _("已完成")
        REFUSED = "refused", _("客户拒绝")
        FAILED = "failed", _("无法接通")
        INVALID = "invalid", _("号码无效")
        EXCLUDED = "excluded", _("已排除")
        CANCELLED = "cancelled", _("已取消")

    outbound = models.ForeignKey(OutboundList, on_delete=models.PROTECT, related_name="entries")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=80, blank=True)
    number = models.CharField(_("号码"), max_length=24)
    # Where the entry came from, shown to the agent: the request's serial, the notice…
    note = models.CharField(_("说明"), max_length=200, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    callback_task = models.ForeignKey(
        "followups.CallbackTask",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("拨打次数"), default=0)
    # Copied from the list (or the callback task): editing a list changes no entry made.
    max_attempts = models.PositiveSmallIntegerField(default=3)
    next_attempt_at = models.DateTimeField(_("下次拨打"), null=True, blank=True)
    # Set by an appointment (约定时间): the customer asked to be called then.
    appointment = models.BooleanField(default=False)
    # Who is calling it now, and until when the hold lasts.
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_until = models.DateTimeField(null=True, blank=True)
    last_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("最近拨打坐席"),
    )
    dialled_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("结果"), blank=True)
    score = models.PositiveSmallIntegerField(
        _("满意度评分"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    excluded_reason = models.CharField(_("排除原因"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("外呼名单")
        verbose_name_plural = _("外呼名单")
        constraints = [
            models.UniqueConstraint(fields=["outbound", "number"], name="outbound_entry_once"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="outbound_score_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["outbound", "state", "next_attempt_at"], name="outbound_next"),
            models.Index(fields=["held_by", "held_until"], name="outbound_held"),
        ]

    def __str__(self) -> str:
        return f"{self.outbound_id}:{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.PENDING, self.State.RETRY)


class OutboundAttempt(models.Model):
    """One call to an entry's number and what came of it."""

    class Outcome(models.TextChoices):
        DONE = "done", _("接通-已完成")
        UNSATISFIED = "unsatisfied", _("接通-客户不满意")
        CALL_LATER = "call_later", _("接通-约定再联系")
        REFUSED = "refused", _("接通-客户拒绝")
        NO_ANSWER = "no_answer", _("无人接听")
        BUSY = "busy", _("占线")
        UNREACHABLE = "unreachable", _("关机/停机/无法接通")
        WRONG_NUMBER = "wrong_number", _("空号/错号/非本人")

    entry = models.ForeignKey(OutboundEntry, on_delete=models.PROTECT, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("结果"), max_length=14, choices=Outcome.choices)
    note = models.TextField(_("记录"), blank=True)
    call_at = models.DateTimeField(_("约定时间"), null=True, blank=True)
    # The PBX's record of the call, when the PBX reported it (its recording with it).
    call = models.ForeignKey(
        "telephony.CallRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["entry", "number"]
        verbose_name = _("外呼记录")
        verbose_name_plural = _("外呼记录")
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="outbound_attempt_once")
        ]
        indexes = [models.Index(fields=["actor", "at"], name="outbound_attempt_actor")]
