"""What a center edits of its scripts: the scripts by scene (its name and hotline are the
center's profile, 中心信息, in kefu.core)."""

from django.contrib import admin

from kefu.knowledge.models import Script


@admin.register(Script)
class ScriptAdmin(admin.ModelAdmin):
    list_display = ["name", "scene", "order", "is_active", "updated_at"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "text"]
