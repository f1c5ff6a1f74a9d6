from django.contrib import admin

from kefu.outbound.models import OutboundList


@admin.register(OutboundList)
class OutboundListAdmin(admin.ModelAdmin):
    """Read-only: lists are made, worked and closed on the 外呼 pages, never deleted."""

    list_display = ("name", "purpose", "source", "status", "total", "created_at")
    list_filter = ("status", "purpose", "source")
    search_fields = ("name",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
