"""Shape of the report actions' input; the rules are in kefu.reports.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.reports.services import MAX_TEXT


class SubmitForm(forms.Form):
    summary = forms.CharField(
        label=_("分析与整改"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请填写分析与整改")},
    )


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审阅结论"),
        choices=[("1", _("同意")), ("0", _("退回修改"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审阅意见"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ArchiveForm(forms.Form):
    pass
