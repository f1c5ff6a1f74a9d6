"""Time limits (时限): policies chosen by request type, severity, complaint class, channel and
priority, each a list of targets counted on the working calendar (kefu.core.calendar)."""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from kefu.tickets.models import Channel, Priority, TicketType


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    MAJOR = "major", _("重大")


class ComplaintClass(models.TextChoices):
    RESPONSIBLE = "responsible", _("责任投诉")
    NOT_RESPONSIBLE = "not_responsible", _("无责任投诉")
    ASSIST = "assist", _("协助处理投诉")


class Policy(models.Model):
    """Applies to the requests its filled-in fields match; the most specific one wins."""

    name = models.CharField(_("名称"), max_length=60)
    ticket_type = models.ForeignKey(
        TicketType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("诉求类型")
    )
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, blank=True)
    complaint_class = models.CharField(
        _("投诉性质"), max_length=20, choices=ComplaintClass.choices, blank=True
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices, blank=True)
    priority = models.CharField(
        _("优先级"),
        max_length=10,
        choices=Priority.choices,
        blank=True,
        help_text=_("填“紧急”:爆管、无水、安全隐患等紧急诉求按自然时间全天候计时"),
    )
    opening = models.TimeField(_("上班时间"), default=dt.time(8, 30))
    closing = models.TimeField(_("下班时间"), default=dt.time(17, 30))
    warn_percent = models.PositiveSmallIntegerField(
        _("预警比例(%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    pause_for_customer = models.BooleanField(
        _("等待客户确认时暂停计时"),
        default=False,
        help_text=_("工单处于“待客户确认”期间不计入时限,期限相应顺延"),
    )
    escalation_minutes = models.PositiveIntegerField(
        _("升级间隔(分钟)"),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("超时后仍未完成,每隔这么久升级一级:处理人 → 部门负责人 → 客服主管 → 总经理"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("时限策略")
        verbose_name_plural = _("时限策略")

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return sum(
            bool(v)
            for v in (
                self.ticket_type_id,
                self.severity,
                self.complaint_class,
                self.channel,
                self.priority,
            )
        )


class Target(models.Model):
    class Clock(models.TextChoices):
        MINUTES = "minutes", _("自然分钟")
        BUSINESS_MINUTES = "business_minutes", _("工作时间分钟")
        WORKING_DAYS = "working_days", _("工作日")
        CALENDAR_DAYS = "calendar_days", _("自然日")

    class Start(models.TextChoices):
        RECEIVED = "received", _("受理")
        DISPATCHED = "dispatched", _("派至部门")
        RESOLVED = "resolved", _("办结")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="targets")
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=60)
    start = models.CharField(_("起算"), max_length=12, choices=Start.choices)
    clock = models.CharField(_("计时方式"), max_length=20, choices=Clock.choices)
    amount = models.PositiveIntegerField(_("时长"), validators=[MinValueValidator(1)])
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["policy", "order", "id"]
        verbose_name = _("时限目标")
        verbose_name_plural = _("时限目标")
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="sla_target_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.amount} {self.get_clock_display()})"


class Deadline(models.Model):
    """One target's due time for one ticket, computed at its start and stored (sweeps are
    indexed range queries)."""

    class State(models.TextChoices):
        PENDING = "pending", _("计时中")
        MET = "met", _("按时完成")
        LATE = "late", _("超时完成")
        BREACHED = "breached", _("已超时")
        CANCELLED = "cancelled", _("已撤销")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="deadlines")
    # The ticket's branch and type, fixed at intake and copied here when the clock starts: the
    # reports count a branch's time limits, and by type, from this table's report index alone
    # (no join to the tickets). A ticket's branch and type never change after intake.
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=60)
    start = models.CharField(max_length=12, choices=Target.Start.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    # The escalation chain after a breach: 1 the assignee, 2 the department head, 3 the
    # supervisor, 4 the general manager; the next step is due at next_escalation_at.
    # Stopped while the ticket waits on the customer (Policy.pause_for_customer): the sweep
    # passes it over, and the due time moves on by the pause when the clock runs again.
    paused_at = models.DateTimeField(null=True, blank=True)
    # How far pauses moved the due time, on the target's clock: kept when the due time is
    # computed again for a new severity or class.
    paused_for = models.DurationField(default=dt.timedelta)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        constraints = [models.UniqueConstraint(fields=["ticket", "code"], name="sla_deadline_once")]
        indexes = [
            models.Index(fields=["state", "warn_at"], name="sla_deadline_warn"),
            models.Index(fields=["state", "due_at"], name="sla_deadline_due"),
            # The reports' time limits by the period they fell due in, whatever their state:
            # target, state, branch, type, ticket (for its other dimensions) and id are read
            # from the index alone.
            models.Index(
                fields=["due_at", "name", "state", "branch", "ticket_type", "ticket", "id"],
                name="sla_deadline_report",
            ),
            models.Index(
                fields=["next_escalation_at"],
                condition=models.Q(state="breached", next_escalation_at__isnull=False),
                name="sla_deadline_escalate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.due_at:%Y-%m-%d %H:%M}"


# The names of the time limits Kefu ships (migrations 0002 and 0008, kefu.knowledge's promised
# answer), here for the translation catalog: a page shows a time limit's name in the reader's
# language when it is one of these, a center's own name as written (the ``shipped`` filter).
SHIPPED_NAMES = (
    gettext_noop("转至责任部门"),
    gettext_noop("部门响应"),
    gettext_noop("到场处置"),
    gettext_noop("处理结果"),
    gettext_noop("答复客户"),
    gettext_noop("回访"),
    gettext_noop("抽样回访"),
    gettext_noop("答复客户疑问"),
)
