"""What a center edits of its scripts: the scripts by scene, and its name and hotline."""

from django.contrib import admin

from kefu.knowledge.models import Script, ScriptSettings


@admin.register(Script)
class ScriptAdmin(admin.ModelAdmin):
    list_display = ["name", "scene", "order", "is_active", "updated_at"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "text"]


@admin.register(ScriptSettings)
class ScriptSettingsAdmin(admin.ModelAdmin):
    list_display = ["company", "hotline"]

    def has_add_permission(self, request) -> bool:
        return not ScriptSettings.objects.exists()
