from __future__ import annotations

from pathlib import PurePosixPath

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kefu.core.downloads import attachment_response
from kefu.core.errors import ServiceError
from kefu.mail import services
from kefu.mail.models import Mailbox, QuarantinedMail


def mask_secret(value: str) -> str:
    """Enough of a password to tell two apart, not to use one."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:2] + "****" + value[-2:]


class MailboxForm(forms.ModelForm):
    """The password is write-only here: shown masked, kept when left blank."""

    password = forms.CharField(
        label=_("密码"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("已保存的密码不显示;留空则保持不变"),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "imap_host",
            "imap_port",
            "use_ssl",
            "username",
            "password",
            "folder",
            "branch",
            "department",
            "request_type",
            "use_idle",
            "is_active",
            "max_mail_mb",
            "max_attachments",
            "allowed_types",
            "last_uid",
        ]

    def clean_password(self) -> str:
        value = self.cleaned_data.get("password") or ""
        if not value and self.instance.pk:
            return self.instance.password
        return value


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = [
        "name",
        "address",
        "imap_host",
        "username",
        "password_masked",
        "department",
        "is_active",
        "last_polled_at",
        "last_error",
    ]
    list_filter = ["is_active", "branch"]
    readonly_fields = ["uidvalidity", "last_polled_at", "last_error"]
    actions = ["poll_now"]

    @admin.display(description=_("密码"))
    def password_masked(self, obj: Mailbox) -> str:
        return mask_secret(obj.password) if obj.password else "—"

    @admin.action(description=_("立即收取"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for box in queryset:
            result = services.poll_mailbox(box.pk)
            if result.error:
                self.message_user(request, f"{box.name}:{result.error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(name)s:收取 %(n)d 封,新工单 %(new)d,隔离 %(q)d")
                    % {
                        "name": box.name,
                        "n": result.fetched,
                        "new": result.created,
                        "q": result.quarantined,
                    },
                )


@admin.register(QuarantinedMail)
class QuarantinedMailAdmin(admin.ModelAdmin):
    list_display = ["at", "mailbox", "sender", "subject", "size", "reason", "released_at", "serial"]
    list_filter = ["mailbox", ("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "sender", "message_id"]
    readonly_fields = [
        "mailbox",
        "uid",
        "uidvalidity",
        "message_id",
        "subject",
        "sender",
        "reason",
        "raw_file",
        "size",
        "at",
        "released_at",
        "released_by",
        "serial",
    ]
    exclude = ["raw"]  # shown as raw_file: a link to raw_view, not the storage's address
    actions = ["release"]

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/raw/",
                self.admin_site.admin_view(self.raw_view),
                name="mail_quarantinedmail_raw",
            ),
            *super().get_urls(),
        ]

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """The quarantined mail as it came (.eml), as a download, to whoever may view it
        here: uploads are never served from the media folder (kefu.core.downloads)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        row = get_object_or_404(QuarantinedMail, pk=pk)
        if not row.raw:
            raise Http404
        return attachment_response(row.raw, PurePosixPath(row.raw.name or "").name)

    @admin.display(description=_("原始邮件"))
    def raw_file(self, row: QuarantinedMail) -> str:
        if not row.raw:
            return "—"
        url = reverse("admin:mail_quarantinedmail_raw", args=[row.pk])
        return format_html(
            '<a href="{}" download>{}</a>', url, PurePosixPath(row.raw.name or "").name
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # nothing is deleted: a quarantined mail is released or stays

    @admin.action(description=_("重新导入(放行)"))
    def release(self, request: HttpRequest, queryset: QuerySet[QuarantinedMail]) -> None:
        for row in queryset:
            try:
                done = services.release(row.pk, actor=request.user)
            except ServiceError as exc:
                self.message_user(request, f"{row.subject or row.pk}:{exc.detail}", messages.ERROR)
            else:
                self.message_user(request, _("已导入为工单 %s") % done.serial)
