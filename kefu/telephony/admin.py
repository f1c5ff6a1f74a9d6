from django.contrib import admin

from kefu.telephony.models import (
    BlacklistEntry,
    CallRecord,
    ForecastEvent,
    LadderStep,
    LadderTier,
    MissedCallback,
)


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "direction",
        "from_number",
        "to_number",
        "state",
        "cause",
        "agent",
    ]
    list_filter = ["direction", "state", "screening"]
    search_fields = ["call_id", "customer_number"]


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    """Read-only here: adding and lifting go through the page (services: permission, audit);
    a row is never deleted."""

    list_display = ["number", "kind", "reason", "until", "is_active", "added_by", "added_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["number", "reason"]
    readonly_fields = [f.name for f in BlacklistEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MissedCallback)
class MissedCallbackAdmin(admin.ModelAdmin):
    """Read-only: entries are made by the CTI events and closed through the worklist."""

    list_display = ["number", "day", "attempts", "first_at", "due_at", "status", "closing"]
    list_filter = ["status", "closing"]
    search_fields = ["number"]
    readonly_fields = [f.name for f in MissedCallback._meta.fields]
    exclude = ["calls"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LadderTier)
class LadderTierAdmin(admin.ModelAdmin):
    """Who each step of the emergency-staffing ladder brings to the phones (配置)."""

    list_display = ["tier", "size"]
    filter_horizontal = ["members"]


@admin.register(LadderStep)
class LadderStepAdmin(admin.ModelAdmin):
    """Read-only: steps are raised by the floor and answered on the floor page."""

    list_display = ["step", "raised_at", "waiting", "answered_by", "signed_out_at"]
    list_filter = ["step"]
    readonly_fields = [f.name for f in LadderStep._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ForecastEvent)
class ForecastEventAdmin(admin.ModelAdmin):
    """Known events that move the call volume (已知事件): the forecast multiplies their days.
    Switched off, never deleted, so a past forecast can still be explained."""

    list_display = ["name", "starts_on", "ends_on", "uplift_percent", "is_active"]
    list_filter = ["is_active"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False
