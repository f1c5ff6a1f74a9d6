"""Shapes of the callback pages' forms (the rules are in services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.schemas import DayField, MomentField
from kefu.followups.models import Attempt, Method, Purpose

SCORES = [("", _("未评分"))] + [(str(n), str(n)) for n in range(5, 0, -1)]


class AttemptForm(forms.Form):
    outcome = forms.ChoiceField(label=_("回访结果"), choices=Attempt.Outcome.choices)
    note = forms.CharField(label=_("通话要点 / 客户原话"), required=False, max_length=2000)
    score = forms.TypedChoiceField(
        label=_("满意度评分"), choices=SCORES, coerce=int, empty_value=None, required=False
    )
    comment = forms.CharField(label=_("客户意见"), required=False, max_length=500)


class TaskForm(forms.Form):
    serial = forms.CharField(label=_("流水号"), max_length=16)
    purpose = forms.ChoiceField(
        label=_("回访类别"), choices=Purpose.choices, initial=Purpose.AFTER_SALES
    )
    method = forms.ChoiceField(label=_("回访方式"), choices=Method.choices, initial=Method.PHONE)
    due_at = MomentField(label=_("回访期限"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


class StatsForm(forms.Form):
    date_from = DayField(label=_("开始日期"), required=False)
    date_to = DayField(label=_("结束日期"), required=False)


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对本次服务的评价"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见和建议(选填)"), required=False, max_length=500, widget=forms.Textarea
    )
