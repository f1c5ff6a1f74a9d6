"""Dispatch configuration in the admin: crews, each branch's dispatch desk, message templates
and deadline rules. Work orders, their messages, calls and tracking are shown read only: they
change through the dispatch pages and API, which validate, track and send."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from kefu.core.admin import ReadOnlyAdmin
from kefu.core.errors import ServiceError
from kefu.dispatch import message
from kefu.dispatch.models import (
    CallTask,
    Crew,
    DeadlineRule,
    DispatchDesk,
    DispatchMessage,
    Kind,
    MessageTemplate,
    TrackingRecord,
    WorkOrder,
)
from kefu.tickets.admin import TicketTypeAdmin
from kefu.tickets.models import TicketType


@admin.register(Crew)
class CrewAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "leader", "is_active"]
    list_filter = ["department", "is_active"]
    filter_horizontal = ["members"]

    def has_delete_permission(self, request, obj=None):
        return False  # orders keep pointing at their crew; switch it off instead


@admin.register(DispatchDesk)
class DispatchDeskAdmin(admin.ModelAdmin):
    list_display = ["branch", "dispatcher", "manager", "check_after_minutes", "chase_times"]


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "text", "is_active"]

    def clean_text(self):
        text = self.cleaned_data["text"]
        try:
            message.validate_template(text)
        except ServiceError as exc:
            raise forms.ValidationError(exc.detail) from None
        return text


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["kind", "text", "is_active"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "source", "method", "minutes", "order", "is_active"]
    list_filter = ["method", "is_active"]
    list_editable = ["order", "is_active"]


class TrackingInline(admin.TabularInline):
    model = TrackingRecord
    readonly_fields = ("at", "actor", "kind", "action", "from_status", "to_status", "note")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["serial", "kind", "status", "department", "assignee", "ordered_at", "due_at"]
    list_filter = ["status", "kind", "source", "department"]
    search_fields = ["serial", "goods", "address"]
    inlines = [TrackingInline]


@admin.register(DispatchMessage)
class DispatchMessageAdmin(ReadOnlyAdmin):
    list_display = ["order", "role", "phone", "state", "confirmed_at", "sent_at", "resent_at"]
    list_filter = ["state", "role"]


@admin.register(CallTask)
class CallTaskAdmin(ReadOnlyAdmin):
    list_display = ["order", "callee", "phone", "state", "created_at", "called_at", "called_by"]
    list_filter = ["state"]


class WorkOrderKindTicketTypeAdmin(TicketTypeAdmin):
    """The request types with the work order kinds offered for 派工类型: the kernel keeps the
    code, the kinds are dispatch's."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "work_order_kind":
            return forms.TypedChoiceField(
                choices=[("", "---------"), *Kind.choices],
                required=False,
                label=db_field.verbose_name,
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


admin.site.unregister(TicketType)
admin.site.register(TicketType, WorkOrderKindTicketTypeAdmin)
