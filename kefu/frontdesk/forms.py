"""Forms of the lost-and-found pages (shape only; the rules are in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.schemas import MomentField
from kefu.frontdesk.models import Category, FoundItem, IdType, LossReport, ValueClass

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FoundItemForm(forms.Form):
    source = forms.ChoiceField(
        label=_("登记来源"),
        choices=FoundItem.Source.choices,
        widget=forms.RadioSelect,
        initial=FoundItem.Source.VISITOR,
    )
    category = forms.ChoiceField(label=_("物品类别"), choices=Category.choices)
    value_class = forms.ChoiceField(
        label=_("价值类别"),
        choices=[("", _("按类别(现金、手机、相机为贵重)"))] + ValueClass.choices,
        required=False,
    )
    description = forms.CharField(
        label=_("物品描述"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    found_place = forms.CharField(label=_("拾获地点"), max_length=100)
    found_at = MomentField(label=_("拾获时间"), widget=MOMENT)
    finder_name = forms.CharField(label=_("拾获人"), max_length=40)
    finder_phone = forms.CharField(label=_("拾获人电话"), max_length=30, required=False)
    finder_staff_no = forms.CharField(label=_("拾获员工工号"), max_length=20, required=False)
    witness_name = forms.CharField(label=_("见证人"), max_length=40, required=False)
    shift_leader = forms.TypedChoiceField(
        label=_("当班班长"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, leaders=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["shift_leader"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *leaders]


class LossReportForm(forms.Form):
    # 网上 is the owner's own report on the portal, never one the desk takes.
    channel = forms.ChoiceField(
        label=_("登记渠道"),
        choices=[c for c in LossReport.Channel.choices if c[0] != LossReport.Channel.PORTAL],
    )
    owner_name = forms.CharField(label=_("失主姓名"), max_length=40)
    owner_phone = forms.CharField(label=_("失主电话"), max_length=30)
    category = forms.ChoiceField(label=_("物品类别"), choices=Category.choices)
    description = forms.CharField(
        label=_("物品描述"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    lost_place = forms.CharField(label=_("遗失地点"), max_length=100)
    lost_at = MomentField(label=_("遗失时间"), widget=MOMENT)


class ClaimForm(forms.Form):
    claimant_name = forms.CharField(label=_("认领人姓名"), max_length=40)
    claimant_phone = forms.CharField(label=_("认领人电话"), max_length=30, required=False)
    description = forms.CharField(
        label=_("认领人对物品的描述"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_matched = forms.TypedChoiceField(
        label=_("描述是否相符"),
        choices=[("yes", _("相符,准予认领")), ("no", _("不符,拒绝认领"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=False,
    )
    refuse_reason = forms.CharField(label=_("拒绝原因"), max_length=200, required=False)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=[("", "—"), *IdType.choices], required=False
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    witness_name = forms.CharField(label=_("见证人(现场认领)"), max_length=40, required=False)
    signature = forms.CharField(required=False, widget=forms.HiddenInput)


class CustodyForm(forms.Form):
    place = forms.CharField(label=_("保管地点"), max_length=100)
    custodian_name = forms.CharField(label=_("保管人"), max_length=40)
    handed_by = forms.CharField(label=_("移交人"), max_length=40, required=False)
