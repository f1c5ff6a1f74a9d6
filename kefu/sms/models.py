"""Inbound SMS: the gateway's signed webhook, 退订 (unsubscribe)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundSms(models.Model):
    """One call of the gateway's webhook and what became of it: the log of every SMS a
    customer sent the center, and of every call refused (a wrong signature, bad input).

    An accepted gateway id is recorded once (``sms_inbound_once``): the gateway sending the
    same SMS again gets the first answer and nothing new is written. A refused call never
    holds the id (a forged call cannot block the real SMS)."""

    class Status(models.TextChoices):
        CREATED = "created", _("新建工单")
        JOINED = "joined", _("补充到工单")
        UNSUBSCRIBED = "unsubscribed", _("退订")
        RESUBSCRIBED = "resubscribed", _("恢复订阅")
        EMPTY = "empty", _("空短信")
        INVALID = "invalid", _("内容无效")
        REFUSED = "refused", _("已拒绝(签名)")

    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("客户发送时间"), null=True, blank=True)
    gateway_id = models.CharField(_("网关消息号"), max_length=200, blank=True)
    sender = models.CharField(_("发送号码"), max_length=40, blank=True)
    center_number = models.CharField(_("接收号码"), max_length=40, blank=True)
    text = models.TextField(_("短信内容"), blank=True)
    status = models.CharField(_("结果"), max_length=15, choices=Status.choices)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("工单"),
    )
    serial = models.CharField(_("工单号"), max_length=20, blank=True)
    # A refused call: the start of what was posted, to see what the caller tried.
    raw = models.TextField(_("原始请求(截断)"), blank=True)
    remote_addr = models.CharField(_("来源地址"), max_length=64, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("上行短信")
        verbose_name_plural = _("上行短信")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway_id"],
                condition=~models.Q(gateway_id="") & ~models.Q(status="refused"),
                name="sms_inbound_once",
            )
        ]
        indexes = [models.Index(fields=["sender", "-received_at"], name="sms_inbound_sender_idx")]

    def __str__(self) -> str:
        return f"{self.sender} {self.get_status_display()}"
