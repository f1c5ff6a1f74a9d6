"""The customer portal's own records: the SMS codes that prove a phone number, and the
counters that hold back abuse. Both live in the database, so every server process counts
the same requests."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhoneCode(models.Model):
    """A 6-digit code texted to a phone: kept only as its keyed hash, good for
    ``expires_at`` (10 minutes) and ``MAX_ATTEMPTS`` wrong tries, used once."""

    class Purpose(models.TextChoices):
        SUBMIT = "submit", _("提交诉求")
        TRACK = "track", _("查询进度")
        BILL = "bill", _("查水费")

    phone = models.CharField(_("手机号"), max_length=20)
    code_hash = models.CharField(max_length=64)
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    # The keyed hash of the address it was asked from (no address is stored in the clear).
    client = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("发送时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="portal_code_phone"),
            models.Index(fields=["client", "created_at"], name="portal_code_client"),
        ]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.purpose} {self.created_at:%m-%d %H:%M}"


class PortalThrottle(models.Model):
    """One counted request of a kind (a lookup, a submission) from one client: the rate
    limits count these rows in their window. ``key`` is a keyed hash."""

    scope = models.CharField(max_length=20)
    key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("访问限流记录")
        verbose_name_plural = _("访问限流记录")
        indexes = [models.Index(fields=["scope", "key", "at"], name="portal_throttle_key")]
