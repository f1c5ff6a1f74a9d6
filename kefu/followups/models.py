"""Callbacks (回访) and satisfaction surveys (满意度调查) after a ticket is resolved.

A callback rule says which resolved tickets are called back, how, within what time and what
share of them (sampling); a callback task is one ticket's callback with its attempts; a survey
is a 1–5 score and comment, given by the customer through an SMS link or recorded by the
agent at the callback.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.sla.models import ComplaintClass, Severity
from kefu.tickets.models import TicketType


class Method(models.TextChoices):
    PHONE = "phone", _("电话回访")
    VISIT = "visit", _("上门回访")
    SMS = "sms", _("短信回访")


class Clock(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")


class Purpose(models.TextChoices):
    """The kinds of callback a center makes (DOMAIN §6)."""

    COMPLAINT = "complaint", _("投诉回访")
    AFTER_SALES = "after_sales", _("售后回访")
    SATISFACTION = "satisfaction", _("满意度回访")
    CHURNED = "churned", _("流失会员回访")
    RESEARCH = "research", _("市场调查回访")
    ANSWER = "answer", _("疑问答复回电")


class CallbackRule(models.Model):
    """Which resolved tickets get a callback task. The active rule naming the most of type,
    complaint class and severity applies; a ticket no rule matches gets none."""

    name = models.CharField(_("名称"), max_length=60)
    ticket_type = models.ForeignKey(
        TicketType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("诉求类型")
    )
    complaint_class = models.CharField(
        _("投诉性质"), max_length=20, choices=ComplaintClass.choices, blank=True
    )
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, blank=True)
    purpose = models.CharField(
        _("回访类别"), max_length=16, choices=Purpose.choices, default=Purpose.COMPLAINT
    )
    method = models.CharField(_("回访方式"), max_length=8, choices=Method.choices)
    sample_percent = models.PositiveSmallIntegerField(
        _("回访比例(%)"),
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("100 表示全部回访;低于 100 时按比例抽样,抽中的比例不低于此值"),
    )
    within = models.PositiveSmallIntegerField(
        _("回访时限"), default=2, validators=[MinValueValidator(1)]
    )
    clock = models.CharField(
        _("计时方式"), max_length=16, choices=Clock.choices, default=Clock.WORKING_DAYS
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("最多联系次数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    retry_minutes = models.PositiveIntegerField(
        _("无法联系后再次联系间隔(分钟)"), default=120, validators=[MinValueValidator(1)]
    )
    send_survey = models.BooleanField(_("发送满意度短信"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("回访规则")
        verbose_name_plural = _("回访规则")

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.ticket_type_id, self.complaint_class, self.severity))


class FollowupSettings(models.Model):
    """The center's survey settings (one row)."""

    survey_without_rule = models.BooleanField(_("无回访规则的工单也发送满意度短信"), default=True)
    survey_valid_days = models.PositiveSmallIntegerField(
        _("满意度链接有效期(天)"), default=7, validators=[MinValueValidator(1)]
    )
    public_url = models.CharField(
        _("对外访问地址"),
        max_length=200,
        default="http://127.0.0.1:8000",
        help_text=_("客户手机能打开的地址,满意度短信中的链接以此开头"),
    )

    class Meta:
        verbose_name = _("满意度调查设置")
        verbose_name_plural = _("满意度调查设置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> FollowupSettings:
        return cls.objects.order_by("id").first() or cls()


class CallbackTask(models.Model):
    """One callback of one ticket. Tickets a rule left out (declined, anonymous, not sampled)
    get a row too, in state ``excluded`` with its reason, so reports count them."""

    class State(models.TextChoices):
        OPEN = "open", _("待回访")
        DONE = "done", _("已回访")
        GIVEN_UP = "given_up", _("无法联系")
        REFUSED = "refused", _("客户拒绝回访")
        EXCLUDED = "excluded", _("不回访")
        CANCELLED = "cancelled", _("已取消")

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    class Excluded(models.TextChoices):
        DECLINED = "declined", _("客户拒绝回访")
        ANONYMOUS = "anonymous", _("匿名")
        NOT_SAMPLED = "not_sampled", _("未抽中")

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="callback_tasks"
    )
    rule = models.ForeignKey(
        CallbackRule, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    method = models.CharField(max_length=8, choices=Method.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    excluded_reason = models.CharField(max_length=12, choices=Excluded.choices, blank=True)
    # Whose callback it is: the agent who took the request, or whoever records the first try.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_tasks",
    )
    # The ticket's department when the task was made (reports by department).
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Copied from the rule: editing a rule does not change tasks already made.
    max_attempts = models.PositiveSmallIntegerField(default=3)
    retry_minutes = models.PositiveIntegerField(default=120)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    # Set by selectors.get_task for the detail page, never loaded otherwise.
    attempt_list: list[Attempt]
    survey_list: list[Survey]

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        indexes = [
            models.Index(fields=["state", "due_at"], name="callback_state_due"),
            models.Index(fields=["assignee", "state", "due_at"], name="callback_assignee_due"),
            models.Index(fields=["due_at"], name="callback_due"),
            models.Index(fields=["created_at"], name="callback_created"),  # the reports' period
            models.Index(fields=["rule", "state"], name="callback_rule_state"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def in_time(self) -> bool:
        return self.finished_at is not None and self.finished_at <= self.due_at


class Attempt(models.Model):
    """One try at a callback: when, who, what came of it."""

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        UNSATISFIED = "unsatisfied", _("不满意")
        UNREACHABLE = "unreachable", _("无法联系")
        REFUSED = "refused", _("拒绝回访")

    task = models.ForeignKey(CallbackTask, on_delete=models.PROTECT, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["task", "number"]
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        constraints = [
            models.UniqueConstraint(fields=["task", "number"], name="callback_attempt_once")
        ]


class Survey(models.Model):
    """A satisfaction survey of one resolved ticket: the customer answers through the SMS
    link (``/s/<token>``, single use, expiring), or the agent records it at the callback."""

    class State(models.TextChoices):
        PENDING = "pending", _("待评价")
        ANSWERED = "answered", _("已评价")
        EXPIRED = "expired", _("已过期")

    class Channel(models.TextChoices):
        SMS = "sms", _("短信链接")
        CALLBACK = "callback", _("回访时记录")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="surveys")
    task = models.ForeignKey(
        CallbackTask, null=True, blank=True, on_delete=models.PROTECT, related_name="surveys"
    )
    # Who served the customer (the request's agent) and the department, for the reports.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 32 random URL-safe characters (secrets.token_urlsafe(24), 192 bits): unguessable.
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        indexes = [
            models.Index(fields=["state", "expires_at"], name="survey_state_expires"),
            models.Index(fields=["created_at"], name="survey_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5",
            )
        ]
