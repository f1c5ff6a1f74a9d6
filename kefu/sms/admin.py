from django.contrib import admin

from kefu.sms.models import InboundSms


@admin.register(InboundSms)
class InboundSmsAdmin(admin.ModelAdmin):
    """The log of the gateway's calls: read-only, nothing deleted."""

    list_display = ["received_at", "sender", "status", "serial", "text", "reason"]
    list_filter = ["status"]
    search_fields = ["sender", "gateway_id", "serial", "text"]
    readonly_fields = [f.name for f in InboundSms._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
