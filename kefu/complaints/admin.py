"""The complaint rules a center edits: categories, routing, utility hotlines, collective
detection; complaints and collective complaints are read here, changed only by the process."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.utils.translation import gettext_lazy as _

from kefu.complaints.models import (
    Category,
    CollectiveGroup,
    Complaint,
    MunicipalHotline,
    RoutingRule,
    Settings,
)
from kefu.core.admin import ReadOnlyAdmin, show_under


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Which department each request goes to, for every type (报修 as much as 投诉): shown
    under 工单受理, not 投诉处理; the 投诉类别 column matters only to complaints."""

    list_display = ["ticket_type", "area", "category", "department", "is_active"]
    list_filter = ["is_active", "ticket_type", "department"]


show_under(RoutingRule, "tickets")


@admin.register(MunicipalHotline)
class MunicipalHotlineAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "number", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["order", "is_active"]


class SettingsForm(ModelForm):
    class Meta:
        model = Settings
        fields = [
            "collective_customers",
            "collective_window_hours",
            "similarity",
            "unresolved_months",
        ]

    def clean(self):
        cleaned = super().clean()
        if Settings.objects.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("投诉规则只有一条,请修改已有的那条"))
        return cleaned


@admin.register(Settings)
class SettingsAdmin(admin.ModelAdmin):
    form = SettingsForm
    list_display = [
        "__str__",
        "collective_customers",
        "collective_window_hours",
        "similarity",
        "unresolved_months",
    ]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "complaint_class", "severity", "category", "source", "is_open"]
    list_filter = ["complaint_class", "severity", "category", "source", "is_open"]
    search_fields = ["ticket__serial"]
    list_select_related = ["ticket", "category"]


@admin.register(CollectiveGroup)
class CollectiveGroupAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "detected_at", "owner"]
    list_select_related = ["area", "owner"]
