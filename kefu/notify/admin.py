from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from kefu.core import center, placeholders
from kefu.core.admin import PreviewAdmin
from kefu.core.errors import ServiceError
from kefu.core.phones import normalize_phone
from kefu.core.widgets import TemplateEditor
from kefu.notify import defaults, optout, services
from kefu.notify.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    EventRule,
    Notification,
    Preference,
    SmsOptOut,
    Template,
    WebhookEndpoint,
)


def event_placeholders(event: str) -> list[tuple[str, str]]:
    """The event's placeholders with what each stands for (the editor's list)."""
    return [
        (name, str(defaults.VARIABLE_LABELS.get(name, name))) for name in defaults.variables(event)
    ]


def preview_answer(text: str, event: str, channel: str) -> dict:
    """The editor's JSON: ``text`` filled with sample values by the notifications' own filler
    (services.render), the event's placeholders, the errors, and for SMS the count with the
    center's signature."""
    errors = []
    try:
        placeholders.check(text, defaults.variables(event), field="body")
    except ServiceError as exc:
        errors.append(exc.detail)
    values = {name: defaults.SAMPLE_VALUES.get(name, "") for name in defaults.variables(event)}
    preview = services.render(text, values) if not errors else ""
    answer: dict[str, object] = {
        "errors": errors,
        "preview": preview,
        "source": gettext("(样例数据)"),
        "placeholders": event_placeholders(event),
        "count_text": "",
    }
    if channel == Channel.SMS and preview:
        # The gateway puts the center's signature first (kefu.core.center).
        sign = center.sms_signature()
        shown = center.sms_text(preview)
        total, parts = len(shown), center.sms_parts(shown)
        answer.update(
            preview=shown,
            count=total,
            limit=center.SMS_LIMIT,
            over=parts > 1,
            count_text=gettext("%(total)d / %(limit)d 字(含签名%(signature)s %(sign)d 字)")
            % {
                "total": total,
                "limit": center.SMS_LIMIT,
                "signature": sign or gettext("(未设置)"),
                "sign": len(sign),
            },
            notes=[gettext("超过一条短信,将分 %(parts)d 条发送,按条计费") % {"parts": parts}]
            if parts > 1
            else [],
        )
    elif preview:
        answer["count_text"] = gettext("%(total)d 字") % {"total": len(preview)}
    return answer


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ["event", "channel", "language", "subject", "body"]
        widgets = {
            "body": TemplateEditor(
                preview_url=reverse_lazy("admin:notify_template_preview"),
                context_fields=["id_event", "id_channel", "id_language"],
                attrs={"rows": 6},
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["body"].widget
        assert isinstance(widget, TemplateEditor)
        widget.placeholders = event_placeholders(self.instance.event or "")


@admin.register(Template)
class TemplateAdmin(PreviewAdmin):
    """The words of each event: {serial}, {title}, {url} and the event's own placeholders
    (kefu.notify.defaults), {{ and }} for literal braces; unknown placeholders are refused."""

    form = TemplateForm
    list_display = ["event", "channel", "language", "subject"]
    list_filter = ["channel", "language", "event"]
    search_fields = ["event", "subject", "body"]
    preview_url_name = "notify_template_preview"

    def preview(self, request: HttpRequest) -> dict:
        """GET text, event, channel → the preview."""
        return preview_answer(
            request.GET.get("text", ""),
            request.GET.get("event", ""),
            request.GET.get("channel", ""),
        )


@admin.register(EventRule)
class EventRuleAdmin(admin.ModelAdmin):
    """In-app always; tick e-mail or SMS to also send those."""

    list_display = ["event", "name", "email", "sms"]
    list_editable = ["email", "sms"]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("地址"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("订阅事件"),
        required=False,
        choices=defaults.webhook_event_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部事件"),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "events", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["events"] = self.instance.event_list

    def clean_events(self) -> str:
        return ",".join(self.cleaned_data["events"])


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "events", "is_active", "created_at"]
    list_filter = ["is_active"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
    autocomplete_fields = ["user"]


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "at", "ok", "permanent", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only; failed, given-up and 待核实 rows can be sent again, and a
    待核实 row the gateway's records show as sent marked sent."""

    list_display = [
        "created_at",
        "event",
        "channel",
        "address",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "event"]
    search_fields = ["address", "key", "ticket__serial", "provider_id"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["retry_now", "confirm_sent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("notify.change_delivery")

    @admin.action(description=_("立即重发(失败、已放弃或待核实的)"), permissions=["retry"])
    def retry_now(self, request, queryset):
        retried = sum(
            services.retry_delivery(pk, actor=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext("已重新排队 %d 条", "已重新排队 %d 条", retried) % retried,
            messages.SUCCESS,
        )

    @admin.action(description=_("标记为已发出(待核实的,已在网关核实)"), permissions=["retry"])
    def confirm_sent(self, request, queryset):
        confirmed = sum(
            services.confirm_delivery_sent(pk, actor=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext("已标记为已发出 %d 条", "已标记为已发出 %d 条", confirmed) % confirmed,
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "event", "title", "read_at"]
    list_filter = ["event"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SmsOptOutForm(forms.ModelForm):
    class Meta:
        model = SmsOptOut
        fields = ["phone", "note"]

    def clean_phone(self):
        number = normalize_phone(self.cleaned_data["phone"])
        if not number:
            raise forms.ValidationError(gettext("号码无效"))
        if SmsOptOut.objects.filter(phone=number, revoked_at__isnull=True).exists():
            raise forms.ValidationError(gettext("该号码已退订"))
        return number


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    """退订: numbers that get no notice SMS. An admin adds one (a customer asked by phone) or
    restores one (恢复订阅); nothing is deleted, a restored row stays with its time."""

    form = SmsOptOutForm
    list_display = ["phone", "at", "source", "note", "revoked_at", "revoked_source"]
    list_filter = ["source", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["phone", "note"]
    actions = ["restore"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in SmsOptOut._meta.fields] if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["phone", "note"]
        return [
            "phone",
            "at",
            "source",
            "note",
            "created_by",
            "revoked_at",
            "revoked_source",
            "revoked_by",
        ]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        row, _added = optout.opt_out(
            obj.phone, source=SmsOptOut.Source.ADMIN, note=obj.note, actor=request.user
        )
        if row is not None:
            obj.pk = row.pk

    def has_restore_permission(self, request):
        return request.user.has_perm("notify.change_smsoptout")

    @admin.action(description=_("恢复订阅(保留退订记录)"), permissions=["restore"])
    def restore(self, request, queryset):
        count = optout.revoke(queryset, source=SmsOptOut.Source.ADMIN, actor=request.user)
        self.message_user(
            request,
            ngettext("已恢复 %d 个号码的公告短信", "已恢复 %d 个号码的公告短信", count) % count,
            messages.SUCCESS,
        )
