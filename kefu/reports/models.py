"""Monthly complaint reports (月度投诉统计): the figures of a month's complaints, the
supervisor's analysis, the general manager's review and the filing before the 5th of the next
month (DOMAIN §2, "Statistics").

The center's report (``branch`` empty) is submitted by a supervisor; each branch's report
(分支机构月报, the same figures cut to the complaints of that branch) by that branch's lead. One
report per month and branch, one center report per month.

A report moves draft → submitted → approved → archived; the general manager may send a
submitted report back to draft with a note. The figures are snapshotted when it is submitted
(what the general manager reviews) and an archived report never changes again. Nothing is
deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthlyReport(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待总经理审阅")
        APPROVED = "approved", _("已审阅待归档")
        ARCHIVED = "archived", _("已归档")

    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        State.DRAFT: {State.SUBMITTED},
        State.SUBMITTED: {State.APPROVED, State.DRAFT},
        State.APPROVED: {State.ARCHIVED},
        State.ARCHIVED: set(),
    }

    # The first day of the month reported on.
    month = models.DateField(_("月份"))
    # None: the center's report; else the report of that branch's complaints.
    branch = models.ForeignKey(
        "accounts.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分支机构"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    summary = models.TextField(_("分析与整改"), blank=True)
    # MonthlyStats.as_dict() taken at submission; frozen once archived.
    figures = models.JSONField(_("统计数据"), default=dict, blank=True)
    figures_at = models.DateTimeField(_("数据截至"), null=True, blank=True)

    # Filed before the 5th of the next month: due at 00:00 of the 5th, the center's time.
    due_at = models.DateTimeField(_("归档期限"))
    warn_at = models.DateTimeField()
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(_("超期时间"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审阅人"),
    )
    review_note = models.TextField(_("审阅意见"), blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("归档人"),
    )

    class Meta:
        ordering = ["-month"]
        verbose_name = _("月度投诉统计")
        verbose_name_plural = _("月度投诉统计")
        constraints = [
            # NULLs are distinct in a unique index: the center's report needs its own.
            models.UniqueConstraint(
                fields=["month", "branch"],
                condition=models.Q(branch__isnull=False),
                name="report_one_per_branch_month",
            ),
            models.UniqueConstraint(
                fields=["month"],
                condition=models.Q(branch__isnull=True),
                name="report_one_center_month",
            ),
        ]
        indexes = [
            # The hourly sweep: reports not yet filed, by their warning and due times.
            models.Index(
                fields=["warn_at"],
                condition=~models.Q(state="archived"),
                name="report_unfiled_warn",
            ),
            models.Index(
                fields=["due_at"],
                condition=~models.Q(state="archived"),
                name="report_unfiled_due",
            ),
        ]

    def __str__(self) -> str:
        if self.branch_id is None:
            return f"{self.month:%Y-%m}"
        return f"{self.month:%Y-%m} {self.branch}"

    @property
    def is_archived(self) -> bool:
        return self.state == self.State.ARCHIVED

    @property
    def has_snapshot(self) -> bool:
        """The figures shown are the snapshot (submitted, approved, archived), not live."""
        return self.state != self.State.DRAFT and bool(self.figures)


class SavedView(models.Model):
    """A report with its grouping, period and filters kept under a name by one user
    (我的报表视图). Removing one retires it: the row stays."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=40)
    report = models.CharField(_("报表"), max_length=30)
    params = models.JSONField(_("条件"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("报表视图")
        verbose_name_plural = _("报表视图")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(retired_at__isnull=True),
                name="report_view_unique_name",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """Reports e-mailed on a schedule (报表订阅): e.g. on the 1st at 08:00, last month's
    intake, time limits and complaints as Excel files to the general manager. The figures are
    read as the owner reads them (a branch's lead sends their branch's). Removing one retires
    it; what it sent stays in its runs."""

    class Every(models.TextChoices):
        MONTH = "month", _("每月")
        WEEK = "week", _("每周")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    name = models.CharField(_("名称"), max_length=60)
    reports = models.JSONField(_("报表"), default=list)
    params = models.JSONField(_("条件"), default=dict, blank=True)
    every = models.CharField(_("周期"), max_length=8, choices=Every.choices, default=Every.MONTH)
    # The day it is sent: 1–28 of the month, or 1 (Monday) – 7 of the week; and the hour.
    day = models.PositiveSmallIntegerField(_("发送日"), default=1)
    hour = models.PositiveSmallIntegerField(_("发送时"), default=8)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("收件人")
    )
    addresses = models.TextField(_("其他邮箱"), blank=True, help_text=_("每行一个"))
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("报表订阅")
        verbose_name_plural = _("报表订阅")

    def __str__(self) -> str:
        return self.name


class SubscriptionRun(models.Model):
    """One sending of a subscription for one period (the period's first day): made once, by
    whichever worker claims it first; what went to whom."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("已发送")
        REFUSED = "refused", _("无权发送")
        NOBODY = "nobody", _("无收件人")

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="runs")
    period_start = models.DateField(_("统计期间起"))
    period_end = models.DateField(_("统计期间止"))
    at = models.DateTimeField(_("发送时间"))
    outcome = models.CharField(_("结果"), max_length=8, choices=Outcome.choices)
    addresses = models.JSONField(_("收件邮箱"), default=list)
    files = models.JSONField(_("附件"), default=list)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("报表发送记录")
        verbose_name_plural = _("报表发送记录")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start"], name="report_subscription_run_once"
            )
        ]
