from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.business.models import Account, Bill, Connector, Shipment, ShipmentEvent
from kefu.core.masking import mask_phone


class ConnectorForm(forms.ModelForm):
    """The auth header's value is write-only here: shown masked, kept when left blank."""

    auth_value = forms.CharField(
        label=_("认证头内容"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("已保存的内容不显示;留空则保持不变"),
    )

    class Meta:
        model = Connector
        fields = [
            "name",
            "kind",
            "url_template",
            "auth_header",
            "auth_value",
            "field_map",
            "timeout_ms",
            "fail_max",
            "reset_seconds",
            "enabled",
        ]

    def clean_auth_value(self) -> str:
        value = self.cleaned_data.get("auth_value") or ""
        if not value and self.instance.pk:
            return self.instance.auth_value
        return value


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    form = ConnectorForm
    list_display = ["name", "kind", "url_template", "auth_masked", "timeout_ms", "enabled"]
    list_filter = ["kind", "enabled"]

    @admin.display(description=_("认证头"))
    def auth_masked(self, obj: Connector) -> str:
        if not obj.auth_header:
            return "—"
        return f"{obj.auth_header}: {mask_secret(obj.auth_value)}"


def mask_secret(value: str) -> str:
    """``Bearer abc123xyz`` → ``Be****yz``: enough to tell two secrets apart, not to use one."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:2] + "****" + value[-2:]


class BillInline(admin.TabularInline):
    model = Bill
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["account_no", "owner", "phone_masked", "balance", "arrears", "updated_at"]
    search_fields = ["account_no", "owner"]
    inlines = [BillInline]

    @admin.display(description=_("电话"))
    def phone_masked(self, obj: Account) -> str:
        return mask_phone(obj.phone)


class EventInline(admin.TabularInline):
    model = ShipmentEvent
    extra = 0


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["waybill", "status", "origin", "destination", "updated_at"]
    search_fields = ["waybill"]
    inlines = [EventInline]
