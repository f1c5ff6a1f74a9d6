from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from kefu.core.models import (
    AuditLog,
    CalendarDay,
    CalendarYear,
    ForbiddenPhrase,
    PhraseUse,
    Tag,
    WordingSettings,
)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """A year entered here follows its special dates below, not the packaged calendar;
    ``kefu calendar --year Y --file F.csv`` enters a whole year at once."""

    list_display = ["year", "source", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        user = request.user
        assert user.is_authenticated, "the admin is for signed-in staff only"
        obj.entered_by = user
        super().save_model(request, obj, form, change)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: the rows change only through their app's services, which
    keep the timeline and the audit trail."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ForbiddenPhrase)
class ForbiddenPhraseAdmin(admin.ModelAdmin):
    list_display = ["phrase", "suggestion", "allowed", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["phrase", "suggestion"]


@admin.register(WordingSettings)
class WordingSettingsAdmin(admin.ModelAdmin):
    list_display = ["policy"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not WordingSettings.objects.exists()


@admin.register(PhraseUse)
class PhraseUseAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "path", "phrase", "blocked", "ticket_serial"]
    list_filter = ["blocked", "path"]
    readonly_fields = [f.name for f in PhraseUse._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
