from django.contrib import admin

from kefu.reports.models import MonthlyReport


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """Read-only here: reports change only through their services (audited), on their page."""

    list_display = [
        "month",
        "branch",
        "state",
        "due_at",
        "submitted_by",
        "reviewed_by",
        "archived_at",
    ]
    list_filter = ["state", "branch"]
    exclude = ["figures"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
