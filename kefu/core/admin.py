from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kefu.core import calendar, retention
from kefu.core.errors import ServiceError
from kefu.core.models import (
    AuditLog,
    CalendarDay,
    CalendarYear,
    CenterProfile,
    ForbiddenPhrase,
    PhraseUse,
    RetentionPolicy,
    RetentionRun,
    Tag,
    WordingSettings,
)

admin.site.site_header = _("Kefu 客服 管理后台")
admin.site.site_title = _("Kefu 客服管理")
admin.site.index_title = _("Kefu 配置管理")

# model label ("app.model") → the app whose section shows it on the admin index and sidebar.
_SHOWN_UNDER: dict[str, str] = {}
_default_app_list = admin.site.get_app_list


def show_under(model: type[Model], app_label: str) -> None:
    """Show ``model``'s admin in ``app_label``'s section (the model stays in its app): e.g.
    the routing rules, which route every type of request, under 工单受理 not 投诉处理."""
    _SHOWN_UNDER[model._meta.label_lower] = app_label


def _app_list(request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
    apps = {app["app_label"]: app for app in _default_app_list(request)}
    for label, target in _SHOWN_UNDER.items():
        source_label, model_name = label.split(".")
        source, destination = apps.get(source_label), apps.get(target)
        if source is None or destination is None:
            continue
        for model in list(source["models"]):
            if model["object_name"].lower() == model_name:
                source["models"].remove(model)
                destination["models"].append(model)
                destination["models"].sort(key=lambda m: m["name"])
        if not source["models"]:
            del apps[source_label]
    if app_label is not None:
        return [app for label, app in apps.items() if label == app_label]
    return list(apps.values())


admin.site.get_app_list = _app_list  # type: ignore[method-assign]


def _month_arg(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if low <= number <= high else default


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
    change_list_template = "admin/core/calendar_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "month/",
                self.admin_site.admin_view(self.month_view),
                name="core_calendar_month",
            ),
            *super().get_urls(),
        ]

    def month_view(self, request: HttpRequest) -> HttpResponse:
        """A month of the working calendar, Monday to Sunday, as the deadlines count it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        year = _month_arg(request.GET.get("year"), today.year, 1900, 2200)
        month = _month_arg(request.GET.get("month"), today.month, 1, 12)
        working = calendar.WorkingCalendar()
        weeks = calendar.month_weeks(year, month, working)
        first = dt.date(year, month, 1)
        previous = first - dt.timedelta(days=1)
        following = first + dt.timedelta(days=32)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(year)d 年 %(month)d 月 工作日历") % {"year": year, "month": month},
            "weeks": weeks,
            "weekdays": [
                _("周一"),
                _("周二"),
                _("周三"),
                _("周四"),
                _("周五"),
                _("周六"),
                _("周日"),
            ],
            "year": year,
            "month": month,
            "previous": {"year": previous.year, "month": previous.month},
            "next": {"year": following.year, "month": following.month},
            "today": today,
            "unknown": year in working.unknown_years,
            "hours": working.hours,
            "days_url": reverse("admin:core_calendarday_changelist"),
        }
        return TemplateResponse(request, "admin/core/calendar_month.html", context)

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
    change_list_template = "admin/core/calendar_change_list.html"


class PreviewAdmin(admin.ModelAdmin):
    """An admin whose form shows a live preview as one types (kefu.core.widgets'
    TemplateEditor): ``GET preview/`` (URL name ``preview_url_name``) answers ``preview``'s
    JSON to staff who may edit or add the model."""

    preview_url_name = ""

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name=self.preview_url_name,
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        return JsonResponse(self.preview(request))

    def preview(self, request: HttpRequest) -> dict[str, Any]:
        raise NotImplementedError


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


@admin.register(CenterProfile)
class CenterProfileAdmin(admin.ModelAdmin):
    """One row: the center's name and hotline (said by the standard scripts) and the SMS
    signature every SMS starts with."""

    list_display = ["name", "hotline", "sms_signature"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CenterProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(PhraseUse)
class PhraseUseAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "path", "phrase", "blocked", "ticket_serial"]
    list_filter = ["blocked", "path"]
    readonly_fields = [f.name for f in PhraseUse._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["days"]

    def clean_days(self) -> int | None:
        try:
            return retention.clean_days(self.cleaned_data.get("days"))
        except ServiceError as error:
            raise ValidationError(error.detail)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """One row per kind of data (kefu.core.retention): how long it is kept; blank, for ever.
    A change is audited (set_period); the daily job applies it from its next run."""

    form = RetentionPolicyForm
    list_display = ["label", "days", "description", "updated_by", "updated_at"]
    fields = ["label", "description", "days", "updated_by", "updated_at"]
    readonly_fields = ["label", "description", "updated_by", "updated_at"]

    @admin.display(description=_("数据类别"))
    def label(self, obj: RetentionPolicy) -> str:
        kind = retention.get_kind(obj.kind)
        return str(kind.label) if kind is not None else obj.kind

    @admin.display(description=_("到期处理"))
    def description(self, obj: RetentionPolicy) -> str:
        kind = retention.get_kind(obj.kind)
        return str(kind.description) if kind is not None else ""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        retention.ensure_policies()  # every registered kind has its row
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return retention.is_administrator(request.user)

    def save_model(
        self, request: HttpRequest, obj: RetentionPolicy, form: Any, change: bool
    ) -> None:
        retention.set_period(obj.kind, form.cleaned_data["days"], actor=request.user)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    """The retention job's reports: each run, and per kind what it anonymised, destroyed,
    deleted and held back (``kefu retention`` prints the same)."""

    list_display = ["started_at", "finished_at", "dry_run", "trigger", "actor", "failed", "summary"]
    list_filter = ["dry_run", "failed", "trigger"]
    fields = ["started_at", "finished_at", "dry_run", "trigger", "actor", "failed", "report"]
    readonly_fields = [
        "started_at",
        "finished_at",
        "dry_run",
        "trigger",
        "actor",
        "failed",
        "report",
    ]

    @admin.display(description=_("结果"))
    def summary(self, obj: RetentionRun) -> str:
        totals: dict[str, int] = {}
        for entry in obj.results.values():
            for key, value in entry.items():
                if key in retention.COUNT_LABELS and isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
        return "、".join(f"{retention.COUNT_LABELS[k]} {v}" for k, v in totals.items() if v) or str(
            _("无")
        )

    @admin.display(description=_("报告"))
    def report(self, obj: RetentionRun) -> SafeString:
        return format_html_join("", "<p>{}</p>", ((line,) for line in retention.report_lines(obj)))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return retention.is_administrator(request.user)
