"""The agent's notebooks: the three paper notebooks of the hotline.

- ``Problem`` (问题登记): a problem an agent met and could not settle, or that the center should
  fix. One state machine (``Problem.ALLOWED_TRANSITIONS``)::

      open 待汇总 → collected 已汇总 (the Monday collection, ``WeeklyCollection``) → answered 已答复
           ↘ closed 已关闭 (a duplicate of another problem) ↙

  answered and closed are ends; forwarding keeps the state and names who should answer.
- ``ServiceEntry`` (服务统计, manual part): what Kefu does not see (现场咨询, 指路, 借用物品...),
  a count per agent and day. A correction is a new entry (``corrects``) with the difference;
  nothing is edited away. The rest of the count is computed from the agent's work
  (kefu.notebooks.selectors).
- ``Grumble`` (抱怨登记): a dissatisfaction handled on the spot, not a complaint; one not settled
  is turned into a complaint ticket once (``ticket``).
Every change is in the audit log. Nothing is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemCategory(models.TextChoices):
    POLICY = "policy", _("政策无答案")
    SYSTEM = "system", _("系统故障")
    PROCESS = "process", _("流程缺陷")
    RECURRING = "recurring", _("客户反复咨询")
    OTHER = "other", _("其他")


class Problem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待汇总")
        COLLECTED = "collected", _("已汇总")
        ANSWERED = "answered", _("已答复")
        CLOSED = "closed", _("已关闭(重复)")

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.COLLECTED, Status.CLOSED}),
        Status.COLLECTED: frozenset({Status.ANSWERED, Status.CLOSED}),
        Status.ANSWERED: frozenset(),
        Status.CLOSED: frozenset(),
    }

    category = models.CharField(_("类别"), max_length=12, choices=ProblemCategory.choices)
    text = models.TextField(_("问题"))
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("来源工单"),
    )
    # The recording agent's branch (None: the center's own): the leads of that branch answer.
    branch = models.ForeignKey(
        "accounts.Branch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"))
    collected_at = models.DateTimeField(_("汇总时间"), null=True, blank=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    forwarded_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    forward_note = models.CharField(_("转交说明"), max_length=300, blank=True)
    forwarded_at = models.DateTimeField(_("转交时间"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("问题登记")
        verbose_name_plural = _("问题登记")
        indexes = [
            models.Index(fields=["status", "created_at"], name="problem_status_created"),
            models.Index(fields=["created_by", "created_at"], name="problem_author_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"


class WeeklyCollection(models.Model):
    """The week's problems collected to one team lead (汇总), made by the Monday job once per
    lead and week."""

    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(_("周起始日"))
    created_at = models.DateTimeField(_("汇总时间"))
    problems = models.ManyToManyField(Problem, related_name="collections", blank=True)

    class Meta:
        ordering = ["-week_start", "id"]
        verbose_name = _("问题周汇总")
        verbose_name_plural = _("问题周汇总")
        constraints = [
            models.UniqueConstraint(fields=["lead", "week_start"], name="collection_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.week_start} {self.lead_id}"


class EntryKind(models.TextChoices):
    COUNTER = "counter", _("现场咨询")
    DIRECTIONS = "directions", _("指路")
    LENDING = "lending", _("借用物品")
    PHONE_OUT = "phone_out", _("代打电话")
    OTHER = "other", _("其他")


class ServiceEntry(models.Model):
    """A manual line of the service count. ``count`` may be negative only in a correction."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(
        "accounts.Branch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("日期"))
    kind = models.CharField(_("项目"), max_length=12, choices=EntryKind.choices)
    count = models.IntegerField(_("次数"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("更正"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("服务统计手工登记")
        verbose_name_plural = _("服务统计手工登记")
        indexes = [models.Index(fields=["agent", "day"], name="entry_agent_day")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(count=0), name="entry_count_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.count}"


class GrumbleChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    DESK = "desk", _("现场")
    ONLINE = "online", _("在线")
    OTHER = "other", _("其他")


class Grumble(models.Model):
    at = models.DateTimeField(_("时间"))
    channel = models.CharField(_("渠道"), max_length=8, choices=GrumbleChannel.choices)
    category = models.ForeignKey(
        "complaints.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("类别"),
    )
    customer_name = models.CharField(_("客户"), max_length=40, blank=True)
    customer_phone = models.CharField(_("电话"), max_length=24, blank=True)
    content = models.TextField(_("不满内容"))
    handling = models.TextField(_("处理经过"))
    satisfied = models.BooleanField(_("客户满意"))
    branch = models.ForeignKey(
        "accounts.Branch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"))
    ticket = models.OneToOneField(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("投诉工单"),
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(_("转投诉时间"), null=True, blank=True)
    # When retention cleared the customer's name and phone (kefu.notebooks.retention).
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("抱怨登记")
        verbose_name_plural = _("抱怨登记")
        indexes = [models.Index(fields=["at"], name="grumble_at")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.at:%Y-%m-%d}"

    @property
    def escalated(self) -> bool:
        return self.ticket_id is not None
