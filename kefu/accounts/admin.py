from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.accounts.models import ApiToken, Branch, Department, ServiceArea, StaffProfile
from kefu.accounts.services import sync_role_group
from kefu.core.admin import ReadOnlyAdmin


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


# Sign-in records, read only: unlocking and resetting a two-step enrolment are done on 登录安全
# (/accounts/security/), where they are audited.
admin.site.unregister(TOTPDevice)


class SignInRecordAdmin(ReadOnlyAdmin):
    list_display = ["attempt_time", "username", "ip_address", "path_info"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"


@admin.register(AccessAttempt)
class AccessAttemptAdmin(SignInRecordAdmin):
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start"]


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(SignInRecordAdmin):
    list_display = ["attempt_time", "username", "ip_address", "locked_out"]


@admin.register(AccessLog)
class AccessLogAdmin(SignInRecordAdmin):
    list_display = ["attempt_time", "username", "ip_address", "logout_time"]
