"""Durations as an administrator reads them: 4 小时, 2 工作日, 90 分钟 — stored as minutes.

A 工作日 is as long as the business hours that count it (08:30–17:30: 9 hours, 540 minutes;
kefu.core.calendar), a 天 is 24 hours. ``DurationField`` (a number and a unit select) shows a
stored value in the largest unit it is an exact multiple of and gives back minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.calendar import CLOSING, OPENING

MINUTE = "minute"
HOUR = "hour"
WORKDAY = "workday"
DAY = "day"

UNIT_LABELS = {MINUTE: _("分钟"), HOUR: _("小时"), WORKDAY: _("工作日"), DAY: _("天")}
MINUTES_UNITS = (MINUTE, HOUR, DAY)  # clock time
BUSINESS_UNITS = (MINUTE, HOUR, WORKDAY)  # business time on working days


def workday_minutes(opening: dt.time = OPENING, closing: dt.time = CLOSING) -> int:
    """How many minutes a working day has between ``opening`` and ``closing``."""
    start = opening.hour * 60 + opening.minute
    end = closing.hour * 60 + closing.minute
    return max(end - start, 1)


def unit_minutes(unit: str, workday: int) -> int:
    return {MINUTE: 1, HOUR: 60, WORKDAY: workday, DAY: 1440}[unit]


def split_minutes(minutes: int, units: Sequence[str], workday: int) -> tuple[int, str]:
    """``minutes`` as (number, unit) in the largest of ``units`` it is an exact multiple of
    (0 and values no unit divides stay in minutes)."""
    for unit in sorted(units, key=lambda u: -unit_minutes(u, workday)):
        size = unit_minutes(unit, workday)
        if minutes and minutes % size == 0:
            return minutes // size, unit
    return minutes, MINUTE


def describe(minutes: int | None, units: Sequence[str] = MINUTES_UNITS, workday: int = 0) -> str:
    """``minutes`` for a list column: "9 小时", "1 工作日", "90 分钟"."""
    if minutes is None:
        return ""
    number, unit = split_minutes(minutes, units, workday or workday_minutes())
    return f"{number} {UNIT_LABELS[unit]}"


class DurationWidget(forms.MultiWidget):
    def __init__(
        self, units: Sequence[str], workday: int, attrs: dict[str, Any] | None = None
    ) -> None:
        self.units, self.workday = tuple(units), workday
        widgets = [
            forms.NumberInput(attrs={"min": "0", "step": "1", "style": "width: 6em"}),
            forms.Select(choices=[(u, UNIT_LABELS[u]) for u in self.units]),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if value in (None, ""):
            return [None, self.units[0] if MINUTE not in self.units else HOUR]
        return list(split_minutes(int(value), self.units, self.workday))


class DurationField(forms.MultiValueField):
    """A duration typed as a whole number and a unit; ``clean`` gives minutes (int)."""

    default_error_messages = {
        "invalid": _("请填写整数时长并选择单位"),
        "negative": _("时长不能为负数"),
        "too_small": _("时长至少为 %(limit)s"),
    }

    def __init__(
        self,
        *,
        units: Sequence[str] = MINUTES_UNITS,
        workday: int | None = None,
        min_minutes: int = 0,
        **kwargs: Any,
    ) -> None:
        self.units = tuple(units)
        self.workday = workday or workday_minutes()
        self.min_minutes = min_minutes
        kwargs.pop("max_length", None)
        fields = (
            forms.IntegerField(error_messages={"invalid": self.default_error_messages["invalid"]}),
            forms.ChoiceField(choices=[(u, UNIT_LABELS[u]) for u in self.units]),
        )
        kwargs.setdefault("widget", DurationWidget(self.units, self.workday))
        super().__init__(fields, require_all_fields=True, **kwargs)

    def set_workday(self, workday: int) -> None:
        """Count 工作日 as ``workday`` minutes (the policy's business hours)."""
        self.workday = workday
        if isinstance(self.widget, DurationWidget):
            self.widget.workday = workday

    def clean(self, value: Any) -> Any:
        # The unit select always sends a unit: an optional duration left without a number is
        # empty, not half filled in.
        if (
            not self.required
            and isinstance(value, list | tuple)
            and list(value[:1]) in ([None], [""])
        ):
            return None
        return super().clean(value)

    def compress(self, data_list: Any) -> int | None:
        if not data_list:
            return None
        number, unit = data_list
        if number is None or unit not in self.units:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if number < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        minutes = int(number) * unit_minutes(unit, self.workday)
        if minutes < self.min_minutes:
            raise forms.ValidationError(
                self.error_messages["too_small"],
                code="too_small",
                params={"limit": describe(self.min_minutes, self.units, self.workday)},
            )
        return minutes
