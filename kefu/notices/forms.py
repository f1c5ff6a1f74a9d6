"""Shapes of the notices pages' forms (the rules are in services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts import org
from kefu.core.schemas import MomentField, SchemaForm
from kefu.notices.models import DEFAULT_ADVICE, Notice
from kefu.notices.schemas import NoticeEditIn

WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _area_choices() -> list[tuple[str, str]]:
    return org.area_choices()


class NoticeForm(SchemaForm):
    """A notice on its page: what it may hold is the API's declaration (NoticeEditIn); the
    fields here only render and parse."""

    schema = NoticeEditIn

    kind = forms.ChoiceField(label=_("类型"), choices=Notice.Kind.choices)
    title = forms.CharField(label=_("标题"), widget=forms.TextInput(attrs={"required": True}))
    content = forms.CharField(
        label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    areas = forms.MultipleChoiceField(
        label=_("影响片区"),
        choices=_area_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    streets = forms.CharField(
        label=_("影响街道/楼栋"),
        required=False,
        help_text=_("填写后只通知地址含这些街道/楼栋的客户;用逗号、顿号或换行分隔"),
    )
    advice = forms.CharField(
        label=_("温馨提示"),
        required=False,
        initial=DEFAULT_ADVICE[Notice.Kind.OUTAGE],
        help_text=_("放在短信末尾,如:请提前储水;留空则不写"),
    )
    starts_at = MomentField(
        label=_("开始时间"), required=False, input_formats=WHEN_FORMATS, widget=WHEN
    )
    expected_end = MomentField(
        label=_("预计结束"), required=False, input_formats=WHEN_FORMATS, widget=WHEN
    )
    update_text = forms.CharField(label=_("进展说明"), required=False)


class PublishForm(forms.Form):
    """The confirmation of a publishing preview: what it showed."""

    expected_recipients = forms.IntegerField(min_value=0)
    token = forms.CharField(max_length=64, required=False)


class UpdateForm(forms.Form):
    text = forms.CharField(label=_("进展说明"), required=False, max_length=2000)


class CloseForm(forms.Form):
    closing_text = forms.CharField(label=_("结束说明"), required=False, max_length=2000)
    actual_end = MomentField(
        label=_("实际结束时间"), required=False, input_formats=WHEN_FORMATS, widget=WHEN
    )


class LinkForm(forms.Form):
    serial = forms.CharField(label=_("工单流水号"), max_length=16)
