"""Outage, pressure-drop, emergency-repair and planned-works notices (公告), their updates,
their SMS campaigns to the affected customers (at publishing, and at closing to those texted
then), and the tickets linked to them.

Nothing here is ever deleted: a notice is closed, an update is added, a campaign finishes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import ServiceArea


class Notice(models.Model):
    class NoticeKind(models.TextChoices):
        OUTAGE = "outage", _("停水")
        PRESSURE = "pressure", _("降压")
        EMERGENCY_REPAIR = "emergency_repair", _("抢修")
        PLANNED_WORKS = "planned_works", _("计划施工")

    Kind = NoticeKind  # NoticeKind names it in the API schema

    class NoticeState(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已结束")

    State = NoticeState  # NoticeState names it in the API schema

    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        State.DRAFT: {State.PUBLISHED},
        State.PUBLISHED: {State.CLOSED},
        State.CLOSED: set(),
    }

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=100)
    content = models.TextField(_("内容"), blank=True)
    areas = models.ManyToManyField(ServiceArea, related_name="notices", verbose_name=_("影响片区"))
    # When given, only the areas' customers whose address names one of them are texted
    # (kefu.notices.streets), and the SMS names them.
    streets = models.TextField(_("影响街道/楼栋"), blank=True)
    # What the customers should do, at the end of the SMS (请提前储水); blank: nothing.
    advice = models.CharField(_("温馨提示"), max_length=60, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    expected_end = models.DateTimeField(_("预计结束"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    actual_end = models.DateTimeField(_("实际结束"), null=True, blank=True)
    closing_text = models.TextField(_("结束说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        indexes = [models.Index(fields=["state", "-starts_at"], name="notice_state_idx")]

    def __str__(self) -> str:
        return f"[{self.get_kind_display()}] {self.title}"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.PUBLISHED


# The advice a new notice of each kind starts with (the agent may change or clear it).
DEFAULT_ADVICE: dict[str, str] = {
    Notice.Kind.OUTAGE: "请提前储水",
    Notice.Kind.PRESSURE: "高楼层用户请提前储水",
    Notice.Kind.EMERGENCY_REPAIR: "请提前储水",
    Notice.Kind.PLANNED_WORKS: "",
}


class NoticeUpdate(models.Model):
    """A progress line added to a published notice (抢修进展, 延长恢复时间, ...)."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="updates")
    at = models.DateTimeField(_("时间"))
    text = models.TextField(_("内容"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("公告进展")
        verbose_name_plural = _("公告进展")


class Campaign(models.Model):
    """An SMS to a notice's customers, sent in batches ordered by customer id; at most one
    per purpose: the 发布通知 to every affected customer when the notice is published, the
    结束通知 to the customers the first one texted when it is closed (kefu.notices.campaign).

    ``cursor`` is the id of the last customer done; it moves in the same transaction that
    creates the batch's deliveries, so a crash resumes after the last committed batch.
    ``sent + skipped + failed`` is the number of customers done; ``total`` is fixed when the
    campaign starts (at publishing, at closing).
    """

    class Purpose(models.TextChoices):
        PUBLISHED = "published", _("发布通知")
        CLOSED = "closed", _("结束通知")

    class State(models.TextChoices):
        RUNNING = "running", _("发送中")
        DONE = "done", _("已完成")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="campaigns")
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RUNNING)
    total = models.PositiveIntegerField(_("受影响客户"), default=0)
    sent = models.PositiveIntegerField(_("已排队短信"), default=0)
    skipped = models.PositiveIntegerField(_("无手机号跳过"), default=0)
    failed = models.PositiveIntegerField(_("无法排队"), default=0)
    cursor = models.BigIntegerField(_("进度(客户 id)"), default=0)
    batches = models.PositiveIntegerField(_("批次"), default=0)
    started_at = models.DateTimeField(_("开始时间"))
    next_batch_at = models.DateTimeField(_("下一批时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公告短信")
        verbose_name_plural = _("公告短信")
        indexes = [models.Index(fields=["state", "next_batch_at"], name="notice_campaign_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["notice", "purpose"], name="notice_campaign_once")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.purpose}: {self.sent}/{self.total}"

    @property
    def done(self) -> int:
        return self.sent + self.skipped + self.failed


class NoticeLink(models.Model):
    """A call (ticket) recorded against a notice instead of opening a new repair."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="links")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="notice_links"
    )
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # Answered from the notice and done on the spot (not a new repair).
    answered = models.BooleanField(_("按公告答复"), default=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("关联工单")
        verbose_name_plural = _("关联工单")
        constraints = [
            models.UniqueConstraint(fields=["notice", "ticket"], name="notice_link_once")
        ]
