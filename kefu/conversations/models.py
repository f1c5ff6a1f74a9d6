"""The conversation on a ticket: every message in and out, whatever the channel, in one thread;
the reply templates (快捷回复) agents answer with; where incoming work goes (渠道分派)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Department
from kefu.tickets.models import Channel, Ticket, TicketType


class Direction(models.TextChoices):
    IN = "in", _("客户来信")
    OUT = "out", _("答复客户")


class Message(models.Model):
    """One message of a ticket's conversation.

    In: what the customer wrote (a mail, an SMS, a portal message, a chat line), kept whole
    (``body``, the sanitised ``html``; a mail's original .eml is its attachment
    ``original.eml``) with ``shown`` the part the thread shows (quoted history and signature
    trimmed). Out: what the center sent, with the delivery that carries it (its state).
    ``external_id`` is the channel's own id (a mail's Message-ID, the gateway's message id):
    the same message received twice is recorded once.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="messages", verbose_name=_("工单")
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    # Out: the agent who wrote it (None: the system, e.g. an acknowledgement).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("坐席"),
    )
    # In: the customer's address or number; out: where it was sent.
    address = models.CharField(_("地址"), max_length=320, blank=True, db_index=True)
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    # The center's address the customer wrote to (a mailbox): replies go out from it.
    center_address = models.CharField(_("中心地址"), max_length=320, blank=True)
    subject = models.CharField(_("主题"), max_length=300, blank=True)
    body = models.TextField(_("内容"), blank=True)
    shown = models.TextField(_("显示内容"), blank=True)
    html = models.TextField(_("HTML 内容"), blank=True)
    external_id = models.CharField(_("渠道消息号"), max_length=300, blank=True)
    # A mail's In-Reply-To and References: the thread it answers.
    thread_ids = models.JSONField(default=list, blank=True)
    delivery = models.ForeignKey(
        "notify.Delivery",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发送记录"),
    )
    # An acknowledgement or other message the system wrote by itself.
    automatic = models.BooleanField(_("自动"), default=False)
    # An automatic reply, a bounce or Auto-Submitted mail: never acknowledged.
    auto_submitted = models.BooleanField(_("自动发出"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("会话消息")
        verbose_name_plural = _("会话消息")
        indexes = [
            models.Index(fields=["ticket", "at"], name="conv_message_ticket"),
            models.Index(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="conv_message_external",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.direction} {self.channel} {self.at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """What the thread shows: the trimmed text, else the whole body."""
        return self.shown or self.body


def message_file_path(instance: MessageAttachment, filename: str) -> str:
    serial = instance.message.ticket.serial
    return f"messages/{serial[:6]}/{serial}/{instance.message_id}/{filename}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=message_file_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    # The original of an incoming mail, kept whole; the thread does not list it with the rest.
    original = models.BooleanField(default=False)
    # Set when the retention job destroyed the file (kefu.core.retention): the row stays.
    purged_at = models.DateTimeField(_("销毁时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("消息附件")
        verbose_name_plural = _("消息附件")


class ReplyTemplate(models.Model):
    """A reply an agent inserts by its short key (快捷回复), with placeholders such as
    {customer} {serial} {agent_no} {center} {hotline}. The center's, or one agent's own."""

    key = models.SlugField(
        _("快捷键"), max_length=20, help_text=_("输入 / 加快捷键即可插入,如 /ts")
    )
    title = models.CharField(_("标题"), max_length=60)
    text = models.TextField(_("内容"), max_length=1000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属坐席"),
        help_text=_("留空为全中心共用"),
    )
    channels = models.CharField(
        _("适用渠道"),
        max_length=100,
        blank=True,
        help_text=_("留空为全部渠道;多个用逗号分隔,如 email,chat"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "id"]
        verbose_name = _("快捷回复")
        verbose_name_plural = _("快捷回复")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(owner=None), name="conv_template_center_key"
            ),
            models.UniqueConstraint(fields=["owner", "key"], name="conv_template_owner_key"),
        ]

    def __str__(self) -> str:
        return f"/{self.key} {self.title}"

    def channel_list(self) -> list[str]:
        return [c.strip() for c in self.channels.split(",") if c.strip()]


class ChannelRule(models.Model):
    """Where incoming work from a channel goes, and how soon it is first answered.

    The most specific active rule matching the request's channel, type and branch wins; no
    rule: the request waits on the center's unassigned queue (待受理), answered within the
    channel's default first-reply time (DEFAULT_FIRST_REPLY)."""

    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    ticket_type = models.ForeignKey(
        TicketType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("诉求类型"),
        help_text=_("留空为该渠道的全部类型"),
    )
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("分支机构"),
        help_text=_("留空为全部分支机构"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("分派部门"),
        help_text=_("留空:进入中心的待受理队列,由坐席受理"),
    )
    # Minutes, entered as 分钟/小时/工作日 (kefu.core.durations); counted on the working
    # calendar unless the channel answers around the clock.
    first_reply_minutes = models.PositiveIntegerField(
        _("首次答复时限"), null=True, blank=True, help_text=_("留空用渠道默认值")
    )
    around_the_clock = models.BooleanField(
        _("全天候计时"), default=False, help_text=_("不按工作时间,自然时间计时(如在线客服)")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["channel", "id"]
        verbose_name = _("渠道分派规则")
        verbose_name_plural = _("渠道分派规则")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.department or _('待受理')}"

    @property
    def specificity(self) -> int:
        return bool(self.ticket_type_id) + bool(self.branch_id)
