from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from kefu.tickets.models import Ticket, TicketType


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    """Request types are renameable and can be switched off; their code is the API value."""

    list_display = [
        "code",
        "label",
        "label_en",
        "work_order_kind",
        "is_public",
        "order",
        "is_active",
    ]
    list_editable = ["label", "label_en", "work_order_kind", "is_public", "order", "is_active"]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only here: tickets change only through the workbench and the API (the timeline)."""

    list_display = ["serial", "type", "channel", "status", "received_at", "branch", "department"]
    list_filter = ["status", "type", "channel", "branch"]
    search_fields = ["serial", "caller_number"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
