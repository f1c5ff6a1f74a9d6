from django import forms
from django.contrib import admin, messages
from django.template import Engine, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.notify import services
from kefu.notify.models import (
    Delivery,
    DeliveryAttempt,
    EventRule,
    Notification,
    Preference,
    Template,
    WebhookEndpoint,
)


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ["event", "channel", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def clean(self):
        cleaned = super().clean()
        for field in ("subject", "body"):
            try:
                Engine(autoescape=False).from_string(cleaned.get(field) or "")
            except TemplateSyntaxError as exc:
                self.add_error(field, _("模板语法错误:%s") % exc)
        return cleaned


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    """The words of each event; {{ serial }}, {{ title }}, {{ url }} and the event's own keys."""

    form = TemplateForm
    list_display = ["event", "channel", "language", "subject"]
    list_filter = ["channel", "language", "event"]
    search_fields = ["event", "subject", "body"]


@admin.register(EventRule)
class EventRuleAdmin(admin.ModelAdmin):
    """In-app always; tick e-mail or SMS to also send those."""

    list_display = ["event", "name", "email", "sms"]
    list_editable = ["email", "sms"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
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
    """The delivery log: read-only; failed and given-up rows can be sent again."""

    list_display = ["created_at", "event", "channel", "address", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "event"]
    search_fields = ["address", "key", "ticket__serial", "provider_id"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("notify.change_delivery")

    @admin.action(description=_("立即重发(失败或已放弃的)"), permissions=["retry"])
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


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "event", "title", "read_at"]
    list_filter = ["event"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
