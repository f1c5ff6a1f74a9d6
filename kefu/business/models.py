"""The business systems' data the agent needs on the call: accounts and bills (a water
utility's 户号, 欠费, usage), shipments and their tracking (a logistics firm's 托运单号).

Two sources answer through one interface (kefu.business.adapters): a connector to the
center's own system over HTTP/JSON, configured here in the admin, or the local store below,
filled by Excel import for centers without an API (and for the demo).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ACCOUNT = "account", _("账户与账单")
    SHIPMENT = "shipment", _("运单与轨迹")


class Connector(models.Model):
    """An HTTP/JSON business system. The first enabled connector of a kind answers that kind;
    with none enabled the local store does."""

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    # {account_no}, {waybill} or {phone}, each URL-quoted when filled in.
    url_template = models.CharField(
        _("URL 模板"),
        max_length=500,
        help_text=_(
            "如 https://billing.example/api/accounts/{account_no},可用 {account_no}、{waybill}、{phone}"
        ),
    )
    auth_header = models.CharField(_("认证头名称"), max_length=60, blank=True)
    auth_value = models.CharField(_("认证头内容"), max_length=500, blank=True)
    field_map = models.JSONField(
        _("字段映射"),
        default=dict,
        blank=True,
        help_text=_('我方字段 → 对方 JSON 路径(点号分隔),如 {"arrears": "data.owed"}'),
    )
    timeout_ms = models.PositiveIntegerField(_("超时(毫秒)"), default=1000)
    fail_max = models.PositiveSmallIntegerField(_("连续失败几次后熔断"), default=5)
    reset_seconds = models.PositiveIntegerField(_("熔断后多久重试(秒)"), default=30)
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("业务系统接口")
        verbose_name_plural = _("业务系统接口")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if not self.url_template.startswith(("http://", "https://")):
            errors["url_template"] = _("URL 应以 http:// 或 https:// 开头")
        if not 50 <= (self.timeout_ms or 0) <= 10_000:
            errors["timeout_ms"] = _("超时应在 50 到 10000 毫秒之间")
        if not (self.fail_max or 0) >= 1:
            errors["fail_max"] = _("应至少为 1")
        if not isinstance(self.field_map, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.field_map.items()
        ):
            errors["field_map"] = _('字段映射应为 {"我方字段": "对方路径"} 形式')
        if bool(self.auth_header) != bool(self.auth_value):
            errors["auth_header"] = _("认证头名称和内容应同时填写")
        if errors:
            raise ValidationError(errors)


class Account(models.Model):
    """A customer account in the local store (户号), with its balance and arrears."""

    account_no = models.CharField(_("户号"), max_length=40, unique=True)
    owner = models.CharField(_("户名"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=24, blank=True)
    balance = models.DecimalField(_("余额"), max_digits=12, decimal_places=2, default=Decimal(0))
    arrears = models.DecimalField(_("欠费"), max_digits=12, decimal_places=2, default=Decimal(0))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account_no"]
        verbose_name = _("账户")
        verbose_name_plural = _("账户")

    def __str__(self) -> str:
        return self.account_no


class Bill(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="bills")
    period = models.CharField(_("账期"), max_length=7)  # 2026-06
    usage = models.DecimalField(_("用量"), max_digits=12, decimal_places=2, default=Decimal(0))
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    paid = models.BooleanField(_("已缴"), default=False)

    class Meta:
        ordering = ["-period"]
        verbose_name = _("账单")
        verbose_name_plural = _("账单")
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="bill_one_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period}"


class Shipment(models.Model):
    """A shipment in the local store, by its 托运单号."""

    waybill = models.CharField(_("托运单号"), max_length=40, unique=True)
    # The shipper's or consignee's number, normalized: the pop finds a caller's shipments.
    phone = models.CharField(_("电话"), max_length=24, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=40)
    origin = models.CharField(_("发货地"), max_length=60, blank=True)
    destination = models.CharField(_("目的地"), max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("运单")
        verbose_name_plural = _("运单")

    def __str__(self) -> str:
        return self.waybill


class ShipmentEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=60, blank=True)
    description = models.CharField(_("说明"), max_length=200)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("运单轨迹")
        verbose_name_plural = _("运单轨迹")

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.at:%Y-%m-%d %H:%M}"
