from django.contrib import admin

from kefu.workforce.models import Roster, ShiftTemplate


class _NoDelete(admin.ModelAdmin):
    """Rosters and shift templates are kept: retired or discarded, never deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(_NoDelete):
    list_display = ["code", "name", "start", "minutes", "is_night", "is_active"]
    list_filter = ["is_active", "is_night"]


@admin.register(Roster)
class RosterAdmin(_NoDelete):
    """Read-only: rosters are asked for, published and discarded on their pages."""

    list_display = ["first_day", "weeks", "status", "created_by", "created_at", "published_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Roster._meta.fields]

    def has_add_permission(self, request):
        return False
