"""Shape validation of the roster forms (rules: kefu.workforce.services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.schemas import DayField
from kefu.workforce.models import Leave

WEEKDAYS = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]


class RosterForm(forms.Form):
    first_day = DayField(
        label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    weeks = forms.IntegerField(label=_("周数"), min_value=1, max_value=4, initial=2)
    reserve_percent = forms.IntegerField(
        label=_("备勤比例(%)"), min_value=0, max_value=100, initial=10
    )
    festival_spare = forms.IntegerField(
        label=_("节日备用席位"), min_value=0, max_value=50, initial=5
    )
    time_limit_seconds = forms.IntegerField(
        label=_("计算时限(秒)"), min_value=1, max_value=600, initial=45
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class TemplateForm(forms.Form):
    code = forms.CharField(label=_("代码"), max_length=8)
    name = forms.CharField(label=_("名称"), max_length=40)
    start = forms.CharField(
        label=_("上班时间"), max_length=5, widget=forms.TimeInput(attrs={"type": "time"})
    )
    hours = forms.DecimalField(
        label=_("时长(小时)"), min_value=2, max_value=12, decimal_places=1, initial=8
    )
    is_night = forms.BooleanField(label=_("夜班"), required=False)


class WishForm(forms.Form):
    weekdays_off = forms.TypedMultipleChoiceField(
        label=_("希望休息"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    no_night = forms.BooleanField(label=_("不上夜班"), required=False)


class SwapForm(forms.Form):
    shift = forms.ChoiceField(label=_("我的班次"))
    colleague = forms.ChoiceField(label=_("同事"))
    their_day = DayField(
        label=_("换对方哪天的班"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("留空表示请同事替班"),
    )
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, shifts=(), colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].choices = [(s.pk, f"{s.day:%m-%d} {s.template.name}") for s in shifts]
        self.fields["colleague"].choices = [
            (u.pk, f"{u.staff.display_name} {u.staff.employee_no}") for u in colleagues
        ]


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"))
    first_day = DayField(
        label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = DayField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("事由"), max_length=200)
    user = forms.ChoiceField(label=_("坐席"), required=False)

    def __init__(self, *args, agents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Leave.Kind.choices
        if agents is None:
            del self.fields["user"]
        else:
            self.fields["user"].choices = [
                (u.pk, f"{u.staff.employee_no} {u.staff.display_name}") for u in agents
            ]
