"""Time-limit policies in the admin: durations typed and shown as 小时 / 工作日 / 天 (kefu.core
.durations), stored as today (minutes, or days on the day clocks)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.core import durations
from kefu.core.durations import DAY, HOUR, MINUTE, WORKDAY, DurationField
from kefu.sla.models import Policy, Target

Clock = Target.Clock
# The units each clock accepts; the day clocks count whole days.
CLOCK_UNITS = {
    Clock.MINUTES: (MINUTE, HOUR, DAY),
    Clock.BUSINESS_MINUTES: (MINUTE, HOUR, WORKDAY),
    Clock.WORKING_DAYS: (WORKDAY,),
    Clock.CALENDAR_DAYS: (DAY,),
}


def policy_workday(policy: Policy | None) -> int:
    """The minutes of one 工作日 under ``policy``'s business hours (the calendar's default
    without a policy)."""
    if policy is None or policy.opening is None or policy.closing is None:
        return durations.workday_minutes()
    return durations.workday_minutes(policy.opening, policy.closing)


def target_minutes(target: Target, workday: int) -> int:
    """The target's amount in minutes as the duration field shows it."""
    if target.clock == Clock.WORKING_DAYS:
        return target.amount * workday
    if target.clock == Clock.CALENDAR_DAYS:
        return target.amount * 1440
    return target.amount


def describe_target(target: Target, workday: int) -> str:
    units: tuple[str, ...] = CLOCK_UNITS.get(Clock(target.clock), (MINUTE,))
    return durations.describe(target_minutes(target, workday), units, workday)


class TargetForm(forms.ModelForm):
    duration = DurationField(
        label=_("时长"),
        units=(MINUTE, HOUR, WORKDAY, DAY),
        min_minutes=1,
        help_text=_("工作日按策略的上下班时间计算(如 8:30–17:30 为 9 小时)"),
    )

    class Meta:
        model = Target
        fields = ["code", "name", "start", "clock", "duration", "order"]

    def __init__(self, *args, policy: Policy | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy  # the inline's parent: its business hours make a 工作日
        workday = policy_workday(policy)
        field = self.fields["duration"]
        assert isinstance(field, DurationField)
        field.set_workday(workday)
        if self.instance.pk:
            units = CLOCK_UNITS.get(self.instance.clock, (MINUTE,))
            minutes = target_minutes(self.instance, workday)
            self.initial["duration"] = list(durations.split_minutes(minutes, units, workday))

    def clean(self):
        cleaned = super().clean()
        minutes, clock = cleaned.get("duration"), cleaned.get("clock")
        if minutes is None or not clock:
            return cleaned
        unit = self.data.get(self.add_prefix("duration_1"))
        # The field counted a 工作日 with the hours known when the form was built; the policy
        # being saved (the inline's parent, set by now) may have new ones.
        field = self.fields["duration"]
        assert isinstance(field, DurationField)
        workday = policy_workday(self.policy)
        if unit == WORKDAY:
            minutes = minutes // field.workday * workday
        allowed = CLOCK_UNITS[Clock(clock)]
        if unit not in allowed:
            self.add_error(
                "duration",
                gettext("「%(clock)s」计时的时长单位只能是:%(units)s")
                % {
                    "clock": Clock(clock).label,
                    "units": "、".join(str(durations.UNIT_LABELS[u]) for u in allowed),
                },
            )
            return cleaned
        if clock == Clock.WORKING_DAYS:
            self.instance.amount = minutes // workday
        elif clock == Clock.CALENDAR_DAYS:
            self.instance.amount = minutes // 1440
        else:
            self.instance.amount = minutes
        return cleaned


class TargetFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "policy": self.instance}


class TargetInline(admin.TabularInline):
    model = Target
    form = TargetForm
    formset = TargetFormSet
    extra = 1


class PolicyForm(forms.ModelForm):
    escalation_minutes = DurationField(
        label=_("升级间隔"),
        units=(MINUTE, HOUR, DAY),
        min_minutes=1,
        help_text=_("超时后仍未完成,每隔这么久升级一级:处理人 → 部门负责人 → 客服主管 → 总经理"),
    )

    class Meta:
        model = Policy
        fields = [
            "name",
            "ticket_type",
            "severity",
            "complaint_class",
            "channel",
            "priority",
            "opening",
            "closing",
            "warn_percent",
            "pause_for_customer",
            "escalation_minutes",
            "is_active",
        ]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = [
        "name",
        "ticket_type",
        "severity",
        "complaint_class",
        "channel",
        "business_hours",
        "targets_display",
        "escalation_display",
        "is_active",
    ]
    list_filter = ["is_active", "ticket_type", "severity", "complaint_class"]
    inlines = [TargetInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets")

    @admin.display(description=_("工作时间"))
    def business_hours(self, obj: Policy) -> str:
        return f"{obj.opening:%H:%M}–{obj.closing:%H:%M}"

    @admin.display(description=_("时限"))
    def targets_display(self, obj: Policy) -> str:
        workday = policy_workday(obj)
        return ";".join(
            f"{target.name} {describe_target(target, workday)}" for target in obj.targets.all()
        )

    @admin.display(description=_("升级间隔"), ordering="escalation_minutes")
    def escalation_display(self, obj: Policy) -> str:
        return durations.describe(obj.escalation_minutes, (MINUTE, HOUR, DAY))
