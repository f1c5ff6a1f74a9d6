"""Forms of the outbound pages: a new list, an attempt's outcome."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.schemas import DayField, MomentField
from kefu.followups.models import Purpose as CallbackPurpose
from kefu.outbound.models import OutboundAttempt, OutboundPurpose, OutboundSource

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})


class ListForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    purpose = forms.ChoiceField(label=_("外呼类别"), choices=OutboundPurpose.choices)
    source = forms.ChoiceField(
        label=_("名单来源"), choices=OutboundSource.choices, widget=forms.RadioSelect
    )
    # 待回访任务
    callback_purpose = forms.ChoiceField(
        label=_("回访类别"), choices=[("", _("全部"))] + CallbackPurpose.choices, required=False
    )
    due_by = DayField(label=_("回访期限截至"), required=False, widget=DATE)
    # 流失会员
    store = forms.CharField(
        label=_("门店编码"), max_length=20, required=False, help_text=_("不填:所有门店")
    )
    quiet_days = forms.IntegerField(
        label=_("多少天无消费"), min_value=1, max_value=3650, required=False, initial=90
    )
    tag = forms.CharField(label=_("且带客户标签"), max_length=40, required=False)
    # 满意度抽样
    date_from = DayField(label=_("办结日期从"), required=False, widget=DATE)
    date_to = DayField(label=_("至"), required=False, widget=DATE)
    percent = forms.IntegerField(
        label=_("抽样比例(%)"), min_value=1, max_value=100, required=False, initial=10
    )
    ticket_type = forms.ChoiceField(label=_("诉求类型"), required=False)
    # 公告影响客户
    notice = forms.ChoiceField(label=_("公告"), required=False)
    unreached = forms.BooleanField(label=_("只要短信未送达的客户"), required=False)
    # Excel
    file = forms.FileField(label=_("名单文件(.xlsx)"), required=False)

    script = forms.ChoiceField(label=_("标准话术"), required=False)
    talking_points = forms.CharField(
        label=_("话术要点"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可用 {greeting} {title} {agent_no} {company} {hotline}"),
    )
    max_attempts = forms.IntegerField(label=_("最多拨打次数"), min_value=1, max_value=10, initial=3)
    retry_minutes = forms.IntegerField(
        label=_("未接通重拨间隔(分钟)"), min_value=5, max_value=7 * 24 * 60, initial=120
    )
    call_from = forms.TimeField(label=_("外呼时段从"), initial=dt.time(9, 0), widget=TIME)
    call_until = forms.TimeField(label=_("到"), initial=dt.time(20, 0), widget=TIME)
    ends_on = DayField(label=_("截止日期"), required=False, widget=DATE)
    agents = forms.MultipleChoiceField(
        label=_("外呼坐席"),
        required=False,
        help_text=_("不选:所有坐席都可拨打"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    branch = forms.ChoiceField(label=_("分支机构"), required=False)

    def __init__(self, *args, scripts=(), types=(), notices=(), agents=(), branches=(), **kw):
        super().__init__(*args, **kw)
        self.fields["script"].choices = [("", _("不用标准话术"))] + list(scripts)
        self.fields["ticket_type"].choices = [("", _("全部"))] + list(types)
        self.fields["notice"].choices = [("", "—")] + list(notices)
        self.fields["agents"].choices = list(agents)
        if branches:
            self.fields["branch"].choices = [("", _("全中心"))] + list(branches)
        else:
            del self.fields["branch"]

    def params(self) -> dict:
        data = self.cleaned_data
        match data["source"]:
            case OutboundSource.CALLBACKS:
                return {"purpose": data["callback_purpose"], "due_by": data["due_by"]}
            case OutboundSource.CHURNED:
                return {
                    "store": data["store"],
                    "quiet_days": data["quiet_days"],
                    "tag": data["tag"],
                }
            case OutboundSource.SURVEY:
                return {
                    "date_from": data["date_from"],
                    "date_to": data["date_to"],
                    "percent": data["percent"],
                    "ticket_type": data["ticket_type"],
                }
            case OutboundSource.NOTICE:
                return {"notice": data["notice"], "unreached": data["unreached"]}
        return {}


class AttemptForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("拨打结果"), choices=OutboundAttempt.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("记录"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    score = forms.TypedChoiceField(
        label=_("满意度评分"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(n, str(n)) for n in range(5, 0, -1)],
    )
    call_at = MomentField(
        label=_("约定时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
