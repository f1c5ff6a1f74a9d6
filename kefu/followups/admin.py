from django.contrib import admin

from kefu.core.admin import ReadOnlyAdmin
from kefu.followups.models import Attempt, CallbackRule, CallbackTask, FollowupSettings, Survey


@admin.register(CallbackRule)
class CallbackRuleAdmin(admin.ModelAdmin):
    """Which resolved tickets are called back, how, within what time, what share of them."""

    list_display = [
        "name",
        "ticket_type",
        "complaint_class",
        "severity",
        "method",
        "sample_percent",
        "within",
        "clock",
        "max_attempts",
        "send_survey",
        "is_active",
    ]
    list_filter = ["is_active", "ticket_type", "complaint_class", "method"]

    def has_delete_permission(self, request, obj=None):
        return False  # tasks point at their rule; switch a rule off instead


@admin.register(FollowupSettings)
class FollowupSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "survey_without_rule", "survey_valid_days", "public_url"]

    def has_add_permission(self, request):
        return not FollowupSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "at", "actor", "outcome", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CallbackTask)
class CallbackTaskAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "purpose", "method", "state", "outcome", "excluded_reason", "due_at"]
    list_filter = ["state", "purpose", "method", "excluded_reason"]
    search_fields = ["ticket__serial"]
    list_select_related = ["ticket"]
    inlines = [AttemptInline]


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "state", "channel", "score", "created_at", "answered_at"]
    list_filter = ["state", "channel", "score"]
    search_fields = ["ticket__serial"]
    list_select_related = ["ticket"]
    exclude = ["token"]
