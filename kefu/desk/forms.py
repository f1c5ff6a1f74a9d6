"""HTML form shapes for intake and ticket actions (shape only; rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts import org
from kefu.accounts.models import Branch, Role
from kefu.complaints.models import Category, Source
from kefu.core.schemas import DayField, MomentField, SchemaForm
from kefu.desk.schemas import IntakeIn
from kefu.dispatch import selectors as dispatch_selectors
from kefu.sla.models import ComplaintClass
from kefu.tickets.models import Channel, Priority, ReplyMethod, Status, TicketType
from kefu.tickets.selectors import SORT_PATTERN
from kefu.triage import services as triage
from kefu.triage.models import Sentiment


def _type_choices():
    return [(t.code, str(t)) for t in TicketType.objects.filter(is_active=True)]


def _area_choices():
    return [("", _("— 按客户档案 —")), *org.area_choices()]


def _category_choices():
    return [
        ("", _("— 类别 —")),
        *((c.code, c.name) for c in Category.objects.filter(is_active=True)),
    ]


def _matter_choices():
    return [("", _("— 按智能分类 —")), *triage.active_matters().items()]


def _crew_choices():
    return [
        ("", _("— 暂不指定,由调度派工 —")),
        *((c.pk, f"{c.department.name} · {c.name}") for c in dispatch_selectors.active_crews()),
    ]


def _department_choices():
    return [("", _("— 暂不派工 —")), *org.department_choices()]


class IntakeForm(SchemaForm):
    """The workbench's intake form: what it may hold is the API's declaration (IntakeIn); the
    fields here only render and parse."""

    schema = IntakeIn
    caller_number = forms.CharField(label=_("来电号码"), required=False)
    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A call about an active notice (公告): the ticket is linked to it (see kefu.notices).
    notice_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    call_id = forms.CharField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(
        label=_("联系人"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("王先生")}),
    )
    type = forms.ChoiceField(label=_("诉求类型"), choices=_type_choices)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    priority = forms.ChoiceField(
        label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL
    )
    content = forms.CharField(
        label=_("诉求内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
    )
    desired_result = forms.CharField(
        label=_("客户期望"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reply_method = forms.ChoiceField(
        label=_("答复方式"), choices=ReplyMethod.choices, initial=ReplyMethod.PHONE
    )
    reply_by = MomentField(
        label=_("要求答复时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    received_at = MomentField(
        label=_("受理时间(来信/补录)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    callback_declined = forms.BooleanField(label=_("客户拒绝回访"), required=False)
    anonymous = forms.BooleanField(label=_("匿名"), required=False)
    tags = forms.CharField(label=_("标签"), required=False, help_text=_("多个标签用逗号分隔"))
    department = forms.ChoiceField(label=_("派工部门"), choices=_department_choices, required=False)
    # The work order a dispatched repair or order makes (see desk.services.take_request).
    crew = forms.TypedChoiceField(
        label=_("派工班组"), choices=_crew_choices, coerce=int, empty_value=None, required=False
    )
    field_staff = forms.CharField(
        label=_("或外勤人员(用户名或工号)"),
        required=False,
        widget=forms.TextInput(attrs={"list": "field-people"}),
    )
    address = forms.CharField(
        label=_("派工地址"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("默认客户档案地址")}),
    )
    area = forms.ChoiceField(label=_("片区"), choices=_area_choices, required=False)
    category = forms.ChoiceField(label=_("投诉类别"), choices=_category_choices, required=False)
    matter = forms.ChoiceField(label=_("诉求事项"), choices=_matter_choices, required=False)
    sentiment = forms.ChoiceField(
        label=_("客户情绪"), choices=[("", "—"), *Sentiment.choices], required=False
    )
    source = forms.ChoiceField(label=_("投诉来源"), choices=Source.choices, required=False)
    loss_or_injury = forms.BooleanField(label=_("造成损失或伤害"), required=False)
    complaint_class = forms.ChoiceField(
        label=_("投诉性质"),
        choices=[("", _("— 待界定 —")), *ComplaintClass.choices],
        required=False,
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def field_people(self):
        """The field staff a work order can be sent to (the field's list of names)."""
        return [p for p in dispatch_selectors.department_people() if p.role == Role.FIELD_STAFF]

    def order_types(self) -> str:
        """The request types that make work orders, as the form's script reads them."""
        codes = TicketType.objects.filter(is_active=True).exclude(work_order_kind="")
        return " ".join(codes.values_list("code", flat=True))


class ActionForm(forms.Form):
    action = forms.CharField(max_length=30)
    note = forms.CharField(max_length=5000, required=False)
    department = forms.CharField(max_length=30, required=False)
    assignee = forms.CharField(max_length=150, required=False)


class QueueForm(forms.Form):
    view = forms.ChoiceField(
        required=False,
        choices=[
            ("work", _("待办")),
            ("all", _("全部")),
            ("mine", _("我的")),
            ("department", _("本部门")),
            ("unassigned", _("未指派")),
            ("open", _("未办结")),
        ],
    )
    type = forms.ChoiceField(
        required=False, choices=lambda: [("", _("全部类型"))] + _type_choices()
    )
    status = forms.ChoiceField(required=False, choices=[("", _("全部状态"))] + Status.choices)
    channel = forms.ChoiceField(required=False, choices=[("", _("全部渠道"))] + Channel.choices)
    branch = forms.ChoiceField(
        required=False,
        choices=lambda: (
            [("", _("全部分支机构"))]
            + [(b.code, b.name) for b in Branch.objects.filter(is_active=True)]
        ),
    )
    department = forms.ChoiceField(
        required=False,
        choices=lambda: [("", _("全部部门")), *org.department_choices()],
    )
    priority = forms.ChoiceField(required=False, choices=[("", _("全部优先级"))] + Priority.choices)
    date_from = DayField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DayField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("关键词,如:停水")}),
    )
    sort = forms.RegexField(regex=SORT_PATTERN, required=False, widget=forms.HiddenInput)
