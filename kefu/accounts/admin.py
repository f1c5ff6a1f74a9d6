from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.accounts.models import ApiToken, Branch, Department, ServiceArea, StaffProfile
from kefu.accounts.services import sync_role_group


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_default", "is_active"]


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "branch", "is_active"]
    list_filter = ["branch"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "branch", "is_active"]
    list_filter = ["branch"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "display_name", "role", "branch", "department"]
    list_filter = ["role", "branch"]
    search_fields = ["employee_no", "display_name", "user__username"]
    autocomplete_fields = ["user"]

    def save_model(self, request: HttpRequest, obj: StaffProfile, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A changed role takes the new role's permissions (e.g. seeing phone numbers in full).
        sync_role_group(obj.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
