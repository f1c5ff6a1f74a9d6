"""Shapes of the dispatch desk's forms (the rules are in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts import org
from kefu.core.schemas import MomentField, SchemaForm
from kefu.dispatch.models import FREIGHT_FIELDS, FREIGHT_KINDS, Kind, Source
from kefu.dispatch.schemas import OrderIn

WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SOURCES = [(Source.PHONE, Source.PHONE.label), (Source.WEB, Source.WEB.label)]


def _departments() -> list[tuple[str, str]]:
    return [("", "---------"), *org.department_choices()]


def _areas() -> list[tuple[str, str]]:
    return [("", "---------"), *org.area_choices()]


class OrderForm(SchemaForm):
    """A new work order at the desk: what it may hold is the API's declaration (OrderIn); the
    fields here only render and parse."""

    schema = OrderIn

    ticket = forms.CharField(label=_("来源工单"), required=False)
    kind = forms.ChoiceField(label=_("派工类型"), choices=Kind.choices)
    source = forms.ChoiceField(label=_("来源"), choices=SOURCES, initial=Source.PHONE)
    department = forms.ChoiceField(label=_("派工部门"), choices=_departments)
    customer_name = forms.CharField(label=_("客户/发货人"), required=False)
    customer_phone = forms.CharField(
        label=_("客户电话"), widget=forms.TextInput(attrs={"required": True})
    )
    area = forms.ChoiceField(label=_("片区"), choices=_areas, required=False)
    address = forms.CharField(label=_("地址"), widget=forms.TextInput(attrs={"required": True}))
    goods = forms.CharField(label=_("货物/故障"), widget=forms.TextInput(attrs={"required": True}))
    quantity = forms.CharField(label=_("件数"), required=False)
    weight = forms.CharField(label=_("重量"), required=False)
    volume = forms.CharField(label=_("体积"), required=False)
    destination = forms.CharField(label=_("目的地"), required=False)
    consignee = forms.CharField(label=_("收货人"), required=False)
    consignee_phone = forms.CharField(label=_("收货人电话"), required=False)
    payment = forms.CharField(label=_("付款方式"), required=False)
    charges = forms.CharField(label=_("附加费用"), required=False)
    hint = forms.CharField(label=_("提示"), required=False)
    window_start = MomentField(
        label=_("预约开始"), required=False, input_formats=WHEN_FORMATS, widget=WHEN
    )
    window_end = MomentField(
        label=_("预约结束"), required=False, input_formats=WHEN_FORMATS, widget=WHEN
    )
    assignee = forms.CharField(
        label=_("外勤人员(用户名或工号)"),
        required=False,
        widget=forms.TextInput(attrs={"list": "field-people"}),
    )
    crew = forms.IntegerField(label=_("班组"), required=False, widget=forms.Select)
    dispatcher = forms.CharField(label=_("抄送调度员"), required=False)
    dispatch = forms.BooleanField(label=_("保存并立即派工"), required=False, initial=True)
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    # Shown only for the kinds that carry them (kefu/core/static/kefu/orders.js).
    freight_fields = FREIGHT_FIELDS
    freight_kinds = " ".join(FREIGHT_KINDS)


class DispatchForm(forms.Form):
    assignee = forms.CharField(label=_("外勤人员(用户名或工号)"), max_length=40, required=False)
    crew = forms.IntegerField(label=_("班组"), required=False, widget=forms.Select)
    department = forms.CharField(label=_("改派部门"), max_length=30, required=False)
    dispatcher = forms.CharField(label=_("抄送调度员"), max_length=40, required=False)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(forms.Form):
    confirmed = forms.TypedChoiceField(
        label=_("核实结果"),
        choices=[("1", _("客户确认下单")), ("0", _("客户无法继续,撤销"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("通话记录"), max_length=2000, required=False)


class CompleteForm(forms.Form):
    result = forms.CharField(
        label=_("处理结果"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    materials = forms.CharField(label=_("用料"), max_length=2000, required=False)
    confirmation_code = forms.CharField(label=_("确认码"), max_length=8, required=False)


class CallForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("结果"),
        choices=[("1", _("已接通并告知")), ("0", _("未接通"))],
        coerce=lambda v: v == "1",
    )
    called_at = MomentField(
        label=_("通话时间"), required=False, input_formats=WHEN_FORMATS, widget=WHEN
    )
    note = forms.CharField(label=_("通话记录"), max_length=2000, required=False)
