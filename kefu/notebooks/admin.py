from django.contrib import admin

from kefu.core.admin import ReadOnlyAdmin
from kefu.notebooks.models import Grumble, Problem, WeeklyCollection


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    """The problem log, to read; problems move only through the notebook pages."""

    list_display = ("id", "category", "status", "created_by", "created_at")
    list_filter = ("status", "category")


@admin.register(WeeklyCollection)
class WeeklyCollectionAdmin(ReadOnlyAdmin):
    list_display = ("week_start", "lead", "created_at")


@admin.register(Grumble)
class GrumbleAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "channel", "created_by", "satisfied", "ticket")
