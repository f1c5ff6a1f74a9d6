"""The e-mail channel: mailboxes polled over IMAP, each mail a ticket or a message on one."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Department

# Attachments kept by default: pictures, PDF, office documents, text, archives. An entry is a
# file extension (".docx") or a MIME type, "image/*" for a whole family.
DEFAULT_ALLOWED_TYPES = [
    "image/*",
    "application/pdf",
    ".pdf",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".bmp",
    ".webp",
    ".heic",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".wps",
    ".et",
    ".ofd",
    ".txt",
    ".csv",
    ".zip",
    ".rar",
    ".7z",
    ".eml",
]


def default_allowed_types() -> list[str]:
    return list(DEFAULT_ALLOWED_TYPES)


class Mailbox(models.Model):
    """A center's or a department's mailbox: new mail in its folder becomes tickets."""

    name = models.CharField(_("名称"), max_length=60)
    address = models.EmailField(
        _("邮箱地址"), max_length=320, help_text=_("客户来信的地址;答复客户时作为发件人")
    )
    imap_host = models.CharField(_("IMAP 服务器"), max_length=200)
    imap_port = models.PositiveIntegerField(_("IMAP 端口"), default=993)
    use_ssl = models.BooleanField(_("使用 SSL"), default=True)
    username = models.CharField(_("登录名"), max_length=200)
    password = models.CharField(_("密码"), max_length=200, blank=True)
    folder = models.CharField(_("文件夹"), max_length=200, default="INBOX")
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("分支机构"),
        help_text=_("留空按渠道分派规则"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("部门"),
        help_text=_("留空按渠道分派规则"),
    )
    request_type = models.CharField(
        _("默认诉求类型"), max_length=40, default="inquiry", help_text=_("诉求类型的编码")
    )
    use_idle = models.BooleanField(
        _("即时接收(IDLE)"), default=True, help_text=_("服务器支持时新邮件即时收取")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    max_mail_mb = models.PositiveIntegerField(
        _("单封邮件上限(MB)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    max_attachments = models.PositiveIntegerField(
        _("附件个数上限"), default=20, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    allowed_types = models.JSONField(
        _("允许的附件类型"),
        default=default_allowed_types,
        blank=True,
        help_text=_('扩展名或 MIME 类型,如 [".pdf", "image/*"]'),
    )
    # Where the poller stands: the folder's UIDVALIDITY and the last UID taken.
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("已收取至 UID"), default=0)
    last_polled_at = models.DateTimeField(_("最近收取"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    # One poller at a time (the minute's task, an IDLE runner): it holds the mailbox till then.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("邮箱")
        verbose_name_plural = _("邮箱")

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


def quarantine_path(instance: QuarantinedMail, filename: str) -> str:
    return f"mail/quarantine/{instance.mailbox_id}/{filename}"


class QuarantinedMail(models.Model):
    """A mail the poller could not take (too big, unreadable, refused): kept whole, with why,
    so the poller goes on; an administrator fixes the cause and imports it again (放行)."""

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="quarantined", verbose_name=_("邮箱")
    )
    uid = models.BigIntegerField(_("UID"))
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    subject = models.CharField(_("主题"), max_length=300, blank=True)
    sender = models.CharField(_("发件人"), max_length=320, blank=True)
    reason = models.TextField(_("原因"))
    raw = models.FileField(_("原始邮件"), upload_to=quarantine_path, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("大小(字节)"), default=0)
    at = models.DateTimeField(_("隔离时间"), auto_now_add=True)
    released_at = models.DateTimeField(_("放行时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("放行人"),
    )
    # The ticket the mail became when released.
    serial = models.CharField(_("工单编号"), max_length=20, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("隔离邮件")
        verbose_name_plural = _("隔离邮件")

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.uid} {self.subject[:40]}"
