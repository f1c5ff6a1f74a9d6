"""Complaints (投诉): responsibility class, severity and its reasons, collective complaints, the
handling plan and its approval, the customer's confirmation, and what the center learns.

A complaint is the complaint-specific part of a ticket of type ``complaint``; the ticket keeps
the status, the department and the timeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Department, ServiceArea
from kefu.core import refcache
from kefu.sla.models import ComplaintClass, Severity
from kefu.tickets.models import TicketType

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

COMPLAINT_TYPE = "complaint"


class Category(models.Model):
    """What a complaint is about (服务态度, 水质, 抄表收费, ...): for routing and statistics."""

    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("投诉类别")
        verbose_name_plural = _("投诉类别")

    def __str__(self) -> str:
        return self.name


class ComplaintSource(models.TextChoices):
    CUSTOMER = "customer", _("客户直接投诉")
    PARENT = "parent", _("上级公司转办")
    GOVERNMENT = "government", _("政府部门转办")
    MEDIA = "media", _("媒体曝光")


Source = ComplaintSource  # ComplaintSource names it in the API schema


class Reason(models.TextChoices):
    """Why a complaint is major (DOMAIN §2)."""

    REPEAT = "repeat", _("重复投诉未解决")
    LOSS_INJURY = "loss_injury", _("造成经济损失或人身伤害")
    GOVERNMENT = "government", _("政府部门处理")
    MEDIA = "media", _("媒体曝光")
    UNRESOLVED_MONTH = "unresolved_month", _("责任投诉一个月未解决")
    COLLECTIVE = "collective", _("集体投诉")
    OVERRIDE = "override", _("主管认定")


class Determination(models.TextChoices):
    PENDING = "pending", _("待界定")
    ONSITE = "onsite", _("已约现场界定")
    DECIDED = "decided", _("已界定")


class Confirmation(models.TextChoices):
    SIGNATURE = "signature", _("客户签字(扫描件)")
    PHONE = "phone", _("电话确认")
    ON_SITE = "on_site", _("现场确认")
    SMS = "sms", _("短信确认")


class CollectiveGroup(models.Model):
    """Five or more customers of one area on the same matter at the same time: one case,
    one owner. Its member complaints point at it."""

    area = models.ForeignKey(ServiceArea, on_delete=models.PROTECT, verbose_name=_("片区"))
    title = models.CharField(_("事项"), max_length=120)
    detected_at = models.DateTimeField(_("发现时间"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("负责人"),
    )

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("集体投诉")
        verbose_name_plural = _("集体投诉")

    def __str__(self) -> str:
        return f"{self.area.name} · {self.title}"


class Complaint(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="complaint"
    )
    # Copies of the ticket's, for the indexed look-ups of collective and overdue complaints.
    area = models.ForeignKey(ServiceArea, null=True, blank=True, on_delete=models.PROTECT)
    received_at = models.DateTimeField()
    is_open = models.BooleanField(default=True)

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("投诉类别")
    )
    source = models.CharField(
        _("投诉来源"), max_length=12, choices=Source.choices, default=Source.CUSTOMER
    )
    loss_or_injury = models.BooleanField(_("造成损失或伤害"), default=False)
    complaint_class = models.CharField(
        _("投诉性质"), max_length=20, choices=ComplaintClass.choices, blank=True
    )
    determination = models.CharField(
        _("责任界定"), max_length=10, choices=Determination.choices, default=Determination.PENDING
    )
    onsite_at = models.DateTimeField(_("现场界定时间"), null=True, blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.GENERAL
    )
    reasons = models.JSONField(_("重大原因"), default=list, blank=True)
    severity_overridden = models.BooleanField(default=False)
    repeat_of = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        CollectiveGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("集体投诉"),
    )

    explanation = models.TextField(_("解释说明"), blank=True)
    hotline = models.ForeignKey(
        "MunicipalHotline", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply_text = models.TextField(_("答复客户"), blank=True)
    confirmation = models.CharField(
        _("客户确认方式"), max_length=10, choices=Confirmation.choices, blank=True
    )
    confirmation_note = models.TextField(_("确认说明"), blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsatisfied_count = models.PositiveSmallIntegerField(_("不满意次数"), default=0)
    cause = models.TextField(_("原因分析"), blank=True)
    corrective_action = models.TextField(_("整改措施"), blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        indexes = [
            # Collective detection: this area's complaints of the last day.
            models.Index(fields=["area", "received_at"], name="complaint_area_recent"),
            # The monthly statistics: the month's complaints as one index range.
            models.Index(fields=["received_at"], name="complaint_received"),
            # The monthly sweep: open responsibility complaints still general, by age.
            models.Index(
                fields=["received_at"],
                condition=models.Q(is_open=True, complaint_class="responsible", severity="general"),
                name="complaint_open_general",
            ),
        ]

    def __str__(self) -> str:
        return self.ticket.serial

    def reason_labels(self) -> list[StrPromise]:
        return [Reason(r).label for r in self.reasons if r in Reason.values]

    def current_plan(self) -> Plan | None:
        return self.plans.order_by("-version").first()


class Plan(models.Model):
    """A handling plan (处理方案) the department proposes; its head approves it, and for a
    major complaint the general manager too. A rejected or unsatisfying plan is revised as a
    new version; the old ones stay."""

    class State(models.TextChoices):
        PENDING_HEAD = "pending_head", _("待部门负责人审批")
        PENDING_GM = "pending_gm", _("待总经理审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已退回")
        SUPERSEDED = "superseded", _("已作废")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField()
    text = models.TextField(_("处理方案"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING_HEAD)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    head_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    head_decided_at = models.DateTimeField(null=True)
    gm_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    gm_decided_at = models.DateTimeField(null=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["complaint", "version"]
        verbose_name = _("处理方案")
        verbose_name_plural = _("处理方案")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "version"], name="plan_version_once")
        ]


class MunicipalHotline(models.Model):
    """Utilities outside the company (DOMAIN §2, 协助处理投诉): the agent gives the customer
    the right hotline and it goes into the reply."""

    class Kind(models.TextChoices):
        WATER = "water", _("供水")
        POWER = "power", _("供电")
        HEATING = "heating", _("供暖")
        GAS = "gas", _("燃气")
        CABLE_TV = "cable_tv", _("有线电视")
        TELEPHONE = "telephone", _("电话通信")
        OTHER = "other", _("其他")

    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("单位"), max_length=60)
    number = models.CharField(_("热线号码"), max_length=30)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "kind", "id"]
        verbose_name = _("公共事业热线")
        verbose_name_plural = _("公共事业热线")

    def __str__(self) -> str:
        return f"{self.name} {self.number}"


class RoutingRule(models.Model):
    """Which department a request goes to, by type, area and complaint category; the rule
    that names the most of them wins. The agent may always choose another department."""

    ticket_type = models.ForeignKey(
        TicketType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("诉求类型")
    )
    area = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("片区")
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("投诉类别")
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, verbose_name=_("处理部门"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")

    def __str__(self) -> str:
        return str(self.department)

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.ticket_type_id, self.area_id, self.category_id))


class Settings(models.Model):
    """The center's complaint rules (one row): collective detection and the monthly rule."""

    collective_customers = models.PositiveSmallIntegerField(
        _("集体投诉人数"), default=5, validators=[MinValueValidator(2)]
    )
    collective_window_hours = models.PositiveSmallIntegerField(
        _("集体投诉时间窗(小时)"), default=24, validators=[MinValueValidator(1)]
    )
    similarity = models.FloatField(
        _("同一事项相似度"),
        default=0.15,
        validators=[MinValueValidator(0.05), MaxValueValidator(1.0)],
        help_text=_("两条投诉内容的相似度(0–1)达到此值视为同一事项"),
    )
    unresolved_months = models.PositiveSmallIntegerField(
        _("责任投诉升为重大(月)"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("投诉规则")
        verbose_name_plural = _("投诉规则")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> Settings:
        """The center's rules, kept per process (kefu.core.refcache): read them, do not change
        the object returned."""
        return refcache.get(
            ("complaint_settings",), lambda: cls.objects.order_by("id").first() or cls()
        )
