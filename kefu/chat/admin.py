from django.contrib import admin

from kefu.chat.models import ChatLine, ChatSession, ChatSettings
from kefu.core.admin import ReadOnlyAdmin


@admin.register(ChatSettings)
class ChatSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enabled", "every_day", "lines_per_window", "sessions_per_ip_hour"]

    def has_add_permission(self, request):
        return not ChatSettings.objects.exists()  # one row

    def has_delete_permission(self, request, obj=None):
        return False


class ChatLineInline(admin.TabularInline):
    model = ChatLine
    fields = ["at", "side", "author", "text"]
    readonly_fields = ("at", "side", "author", "text")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChatSession)
class ChatSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "visitor_name",
        "state",
        "branch",
        "agent",
        "ticket",
        "refused_lines",
        "ip",
    ]
    list_filter = ["state", "branch"]
    search_fields = ["visitor_name", "visitor_phone", "ticket__serial"]
    inlines = [ChatLineInline]
