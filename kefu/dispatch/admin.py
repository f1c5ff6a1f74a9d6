"""Dispatch configuration in the admin: crews, each branch's dispatch desk, message templates
and deadline rules. Work orders, their messages, calls and tracking are shown read only: they
change through the dispatch pages and API, which validate, track and send."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.core import durations
from kefu.core.admin import PreviewAdmin, ReadOnlyAdmin
from kefu.core.durations import DAY, HOUR, MINUTE, WORKDAY, DurationField
from kefu.core.errors import ServiceError
from kefu.core.masking import can_view_pii, mask_address, mask_phone
from kefu.core.widgets import TemplateEditor
from kefu.dispatch import message, selectors
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


class DispatchDeskForm(forms.ModelForm):
    check_after_minutes = DurationField(
        label=_("派工后检查"), units=(MINUTE, HOUR), min_minutes=1, initial=60
    )

    class Meta:
        model = DispatchDesk
        fields = ["branch", "dispatcher", "manager", "check_after_minutes", "chase_times"]


@admin.register(DispatchDesk)
class DispatchDeskAdmin(admin.ModelAdmin):
    form = DispatchDeskForm
    list_display = ["branch", "dispatcher", "manager", "check_after", "chase_times"]

    @admin.display(description=_("派工后检查"), ordering="check_after_minutes")
    def check_after(self, desk: DispatchDesk) -> str:
        return durations.describe(desk.check_after_minutes, (MINUTE, HOUR))


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "text", "is_active"]
        widgets = {
            "text": TemplateEditor(
                preview_url=reverse_lazy("admin:dispatch_messagetemplate_preview"),
                placeholders=message.PLACEHOLDERS.items(),
                context_fields=["id_kind"],
            )
        }

    def clean_text(self):
        text = self.cleaned_data["text"]
        try:
            message.validate_template(text)
        except ServiceError as exc:
            raise forms.ValidationError(exc.detail) from None
        return text


def preview_values(kind: str, actor) -> tuple[dict[str, str], str]:
    """The values the editor previews with: the newest order of ``kind`` (personal data
    masked for who may not see it), else a realistic sample; and where they come from."""
    order = selectors.newest_order_of_kind(kind)
    if order is None:
        return message.sample_values(kind), gettext("(样例订单)")
    values = message.values_of(order)
    if not can_view_pii(actor):
        for name in ("phone", "consignee_phone"):
            values[name] = mask_phone(values[name])
        values["address"] = mask_address(values["address"])
    values["agent_no"] = values["agent_no"] or message.PREVIEW_AGENT_NO
    return values, gettext("(最新派工单 %(serial)s)") % {"serial": order.serial}


def preview_answer(text: str, kind: str, actor) -> dict:
    """The editor's JSON: the text filled by the dispatch filler, its count against the SMS
    budget (signature included) and the template's errors."""
    values, source = preview_values(kind, actor)
    errors = []
    try:
        message.validate_template(text)
    except ServiceError as exc:
        errors.append(exc.detail)
    answer: dict = {"errors": errors, "source": source, "preview": "", "count_text": ""}
    try:
        rendered = message.render_message(text, values)
    except ServiceError:
        return answer
    sign = rendered.signature
    total = len(sign) + rendered.length
    notes = []
    if rendered.shortened:
        notes.append(gettext("已截短:%s") % "、".join(rendered.shortened_labels))
    if rendered.dropped:
        notes.append(gettext("已省略:%s") % "、".join(rendered.dropped_labels))
    answer.update(
        preview=sign + rendered.text,
        count=total,
        limit=message.SMS_LIMIT,
        over=rendered.over_limit,
        notes=notes,
        count_text=gettext("%(total)d / %(limit)d 字(含签名%(signature)s %(sign)d 字)")
        % {
            "total": total,
            "limit": message.SMS_LIMIT,
            "signature": sign or gettext("(未设置)"),
            "sign": len(sign),
        },
    )
    return answer


@admin.register(MessageTemplate)
class MessageTemplateAdmin(PreviewAdmin):
    """The dispatch SMS of each kind: placeholders to click, the text as the field staff will
    read it and its length, as one types."""

    form = TemplateForm
    list_display = ["kind", "text", "length", "is_active"]
    preview_url_name = "dispatch_messagetemplate_preview"

    def preview(self, request: HttpRequest) -> dict:
        """GET text, kind → the preview."""
        kind = request.GET.get("kind", "")
        if kind not in Kind.values:
            kind = Kind.OTHER
        return preview_answer(request.GET.get("text", ""), kind, request.user)

    @admin.display(description=_("填入样例后字数"))
    def length(self, obj: MessageTemplate) -> str:
        try:
            rendered = message.render_message(obj.text, message.sample_values(obj.kind))
        except ServiceError:
            return "—"
        return f"{len(rendered.signature) + rendered.length} / {message.SMS_LIMIT}"


# The units a rule's duration may be given in, by its method: business time counts minutes,
# hours and working days (the rule's own opening to closing), clock time minutes to days.
METHOD_UNITS: dict[str, tuple[str, ...]] = {
    DeadlineRule.Method.BUSINESS: (MINUTE, HOUR, WORKDAY),
    DeadlineRule.Method.VERIFY: (MINUTE, HOUR, WORKDAY),
    DeadlineRule.Method.CALENDAR: (MINUTE, HOUR, DAY),
}


def rule_workday(rule: DeadlineRule) -> int:
    if rule.opening is None or rule.closing is None:
        return durations.workday_minutes()
    return durations.workday_minutes(rule.opening, rule.closing)


class DeadlineRuleForm(forms.ModelForm):
    """The rule's duration in 分钟/小时/工作日/天, stored as minutes as before; not used by
    the 截单时间 method."""

    minutes = DurationField(
        label=_("时长"),
        units=(MINUTE, HOUR, WORKDAY, DAY),
        required=False,
        help_text=_("工作日按本规则的上下班时间计算(如 8:30–17:30 为 9 小时);截单时间规则不用"),
    )

    class Meta:
        model = DeadlineRule
        fields = [
            "name",
            "kind",
            "source",
            "method",
            "minutes",
            "opening",
            "closing",
            "cutoff_early",
            "due_early",
            "cutoff_late",
            "due_morning",
            "order",
            "is_active",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["minutes"]
        assert isinstance(field, DurationField)
        workday = rule_workday(self.instance)
        field.set_workday(workday)
        if self.instance.pk and self.instance.minutes:
            units = METHOD_UNITS.get(self.instance.method, (MINUTE, HOUR))
            self.initial["minutes"] = list(
                durations.split_minutes(self.instance.minutes, units, workday)
            )

    def clean(self):
        cleaned = super().clean()
        minutes, method = cleaned.get("minutes"), cleaned.get("method")
        if minutes is None:
            cleaned["minutes"] = 0
            return cleaned
        field = self.fields["minutes"]
        assert isinstance(field, DurationField)
        unit = self.data.get(self.add_prefix("minutes_1"))
        allowed = METHOD_UNITS.get(method, (MINUTE, HOUR, WORKDAY, DAY))
        if minutes and unit not in allowed:
            self.add_error(
                "minutes",
                gettext("「%(method)s」的时长单位只能是:%(units)s")
                % {
                    "method": DeadlineRule.Method(method).label,
                    "units": "、".join(str(durations.UNIT_LABELS[u]) for u in allowed),
                },
            )
            return cleaned
        if unit == WORKDAY:  # a working day of the hours being saved
            opening, closing = cleaned.get("opening"), cleaned.get("closing")
            workday = (
                durations.workday_minutes(opening, closing)
                if opening and closing and opening < closing
                else field.workday
            )
            cleaned["minutes"] = minutes // field.workday * workday
        return cleaned


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    form = DeadlineRuleForm
    list_display = ["name", "kind", "source", "method", "duration", "order", "is_active"]
    list_filter = ["method", "is_active"]
    list_editable = ["order", "is_active"]

    @admin.display(description=_("时长"), ordering="minutes")
    def duration(self, rule: DeadlineRule) -> str:
        if rule.method == DeadlineRule.Method.CUTOFF:
            return "—"
        units = METHOD_UNITS.get(rule.method, (MINUTE, HOUR))
        return durations.describe(rule.minutes, units, rule_workday(rule))


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
    # The signature through the access-checked page (m-file), not the storage's address.
    exclude = ["signature"]
    readonly_fields = ["signature_link"]

    @admin.display(description=_("客户签名"))
    def signature_link(self, order: WorkOrder) -> str:
        if not order.signature:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("m-file", args=[order.signature.name]), order.serial
        )


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
