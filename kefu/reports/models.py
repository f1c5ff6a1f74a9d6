"""Monthly complaint reports (月度投诉统计): the figures of a month's complaints, the
supervisor's analysis, the general manager's review and the filing before the 5th of the next
month (DOMAIN §2, "Statistics").

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

    # The first day of the month reported on (center-wide: one report a month).
    month = models.DateField(_("月份"), unique=True)
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
        return f"{self.month:%Y-%m}"

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
