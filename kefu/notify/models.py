"""Notifications: the in-app inbox, the delivery log of every message sent, and the data that
says what is sent (templates, per-event channel rules, webhook endpoints)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.core import placeholders
from kefu.core.errors import ServiceError
from kefu.notify.defaults import event_choices, variables, webhook_event_choices


class Channel(models.TextChoices):
    INAPP = "inapp", _("站内")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    WEBHOOK = "webhook", _("Webhook")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Notification(models.Model):
    """One line in a staff member's inbox (the bell)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("事件"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notify_user_list_idx"),
            # The bell's COUNT reads only this small index.
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notify_user_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One message to one recipient on one channel, and how sending it went.

    ``(key, channel, address)`` is unique: the caller's key makes a repeated call create nothing.
    While it is being sent (发送中) ``claimed_by`` names the worker and its claim, and
    ``next_attempt_at`` is when that claim lapses (the worker is then taken to have stopped).
    待核实 (uncertain): its send was cut off after the gateway may have taken it, at a gateway
    that cannot tell a repeat (see kefu.notify.services): never sent again by itself.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")
        GAVE_UP = "gave_up", _("已放弃")
        UNCERTAIN = "uncertain", _("待核实")

    event = models.CharField(_("事件"), max_length=60)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("接收人"),
    )
    # The e-mail address, phone number, webhook URL, or "user:<id>" for the in-app inbox.
    address = models.CharField(_("地址"), max_length=500)
    endpoint = models.ForeignKey(
        "WebhookEndpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("工单"),
    )
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    # An e-mail's own headers, fixed when it is queued so every retry sends the same mail:
    # Message-ID, In-Reply-To and References (a reply in the customer's thread), From and
    # Reply-To (the mailbox the customer wrote to), Auto-Submitted (an acknowledgement).
    headers = models.JSONField(_("邮件头"), default=dict, blank=True)
    # An e-mail's attachments, fixed when it is queued so every retry sends the same files:
    # [{"path": <default_storage name>, "name": <shown name>, "content_type", "size"}].
    files = models.JSONField(_("附件"), default=list, blank=True)
    key = models.CharField(_("幂等键"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    # "<host>:<pid>:<claim>" of the worker sending it now, or that sent it last.
    claimed_by = models.CharField(_("发送进程"), max_length=120, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    provider_id = models.CharField(_("服务商消息号"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "address"], name="notify_delivery_once"
            )
        ]
        indexes = [
            # The sweep: queued rows whose next attempt is due, and sending rows whose claim
            # lapsed.
            models.Index(fields=["status", "next_attempt_at"], name="notify_delivery_due_idx"),
            # What was sent to a number or address: an anonymised customer's are found by it
            # (kefu.notify.retention).
            models.Index(fields=["address"], name="notify_delivery_address_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.event} → {self.address}"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: the log the delivery's counters summarize."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"))
    ok = models.BooleanField(_("成功"))
    permanent = models.BooleanField(_("永久失败"), default=False)
    error = models.TextField(_("错误"), blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("发送尝试")
        verbose_name_plural = _("发送尝试")


class Template(models.Model):
    """The words of one event on one channel in one language: ``{name}`` placeholders from the
    event's variables (kefu.notify.defaults), ``{{``/``}}`` for literal braces, filled as plain
    text (no HTML escaping); a context key the caller did not give renders empty."""

    event = models.CharField(_("事件"), max_length=60, choices=event_choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    language = models.CharField(
        _("语言"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    subject = models.CharField(
        _("标题"), max_length=200, blank=True, help_text=_("站内通知和邮件的标题;短信不用")
    )
    body = models.TextField(
        _("正文"),
        blank=True,
        help_text=_("变量写成 {serial} {title} {url} 等;文字中的花括号写成 {{ 或 }}"),
    )

    class Meta:
        ordering = ["event", "channel", "language"]
        verbose_name = _("通知模板")
        verbose_name_plural = _("通知模板")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "language"], name="notify_template_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.get_channel_display()} · {self.language}"

    def clean(self) -> None:
        """Refuse words that do not parse or use a placeholder the event does not give."""
        errors = {}
        for name in ("subject", "body"):
            try:
                placeholders.check(getattr(self, name), variables(self.event), field=name)
            except ServiceError as exc:
                errors[name] = exc.detail
        if errors:
            raise ValidationError(errors)


class EventRule(models.Model):
    """Which channels an event goes out on besides the in-app inbox (always)."""

    event = models.CharField(_("事件"), max_length=60, unique=True, choices=event_choices)
    name = models.CharField(_("名称"), max_length=60, blank=True)
    email = models.BooleanField(_("发邮件"), default=False)
    sms = models.BooleanField(_("发短信"), default=False)

    class Meta:
        ordering = ["event"]
        verbose_name = _("通知规则")
        verbose_name_plural = _("通知规则")

    def __str__(self) -> str:
        return self.name or self.event


class WebhookEndpoint(models.Model):
    """An integrator's URL that receives events as signed JSON POSTs."""

    name = models.CharField(_("名称"), max_length=60)
    url = models.URLField(_("地址"), max_length=500)
    secret = models.CharField(
        _("签名密钥"), max_length=200, help_text=_("用于 X-Kefu-Signature 的 HMAC-SHA256 密钥")
    )
    events = models.CharField(
        _("订阅事件"),
        max_length=1000,
        blank=True,
        help_text=_("订阅的事件;不选表示全部事件"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Webhook 接收地址")
        verbose_name_plural = _("Webhook 接收地址")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        known = dict(webhook_event_choices())
        unknown = [name for name in self.event_list if name not in known]
        if unknown:
            raise ValidationError(
                {"events": gettext("未知的事件:%(names)s") % {"names": ", ".join(unknown)}}
            )

    @property
    def event_list(self) -> list[str]:
        return [name.strip() for name in self.events.replace(",", ",").split(",") if name.strip()]

    def wants(self, event: str) -> bool:
        names = self.event_list
        return not names or event in names


class Preference(models.Model):
    """A staff member's choices for notifications: the language they are written in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference"
    )
    language = models.CharField(_("通知语言"), max_length=10, choices=Language.choices)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"


class SmsOptOut(models.Model):
    """A number that asked for no more notice SMS (退订): 停水/抢修 notices leave it out.

    Texting 退订 / TD to the center (kefu.sms) or an admin adds one; texting 订阅 or an admin
    revokes it (``revoked_at``): the row stays, so who opted out when is never lost. At most
    one active (unrevoked) row per number. Messages that are not notices still go to it: the
    reply to the customer's own request, the survey, a dispatch SMS.
    """

    class Source(models.TextChoices):
        SMS = "sms", _("客户短信")
        ADMIN = "admin", _("管理员")

    phone = models.CharField(_("号码"), max_length=20)
    at = models.DateTimeField(_("退订时间"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("恢复订阅时间"), null=True, blank=True)
    revoked_source = models.CharField(
        _("恢复来源"), max_length=10, choices=Source.choices, blank=True
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("恢复人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(revoked_at__isnull=True),
                name="notify_sms_optout_active",
            )
        ]

    def __str__(self) -> str:
        return self.phone

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
