"""Notices in the admin: read only. They change through the notices pages and API, which
validate, audit and start the SMS; an admin edit would do none of that."""

from django.contrib import admin

from kefu.core.admin import ReadOnlyAdmin
from kefu.notices.models import Campaign, Notice, NoticeLink, NoticeUpdate


class UpdateInline(admin.TabularInline):
    model = NoticeUpdate
    readonly_fields = ("at", "text", "by")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "title", "state", "starts_at", "expected_end", "actual_end"]
    list_filter = ["state", "kind", "areas"]
    search_fields = ["title", "content", "streets"]
    inlines = [UpdateInline]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["notice", "state", "total", "sent", "skipped", "failed", "batches", "cursor"]
    list_filter = ["state"]


@admin.register(NoticeLink)
class NoticeLinkAdmin(ReadOnlyAdmin):
    list_display = ["notice", "ticket", "at", "by"]
