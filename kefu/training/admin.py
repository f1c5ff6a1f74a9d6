from django.contrib import admin

from kefu.core.admin import ReadOnlyAdmin
from kefu.training.models import Attempt, ProcedureVersion, Question


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    """The bank, to read; questions are written and revised on the question bank page."""

    list_display = ("code", "version", "kind", "topic", "difficulty", "status")
    list_filter = ("status", "topic", "kind", "difficulty")


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ("exam", "candidate", "status", "started_at", "score", "passed")


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(ReadOnlyAdmin):
    list_display = ("procedure", "number", "title", "published_at", "published_by")
