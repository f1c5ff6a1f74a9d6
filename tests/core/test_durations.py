"""Durations typed and shown as 小时 / 工作日 / 天, stored as minutes."""

import datetime as dt

import pytest

from kefu.core import durations
from kefu.core.durations import DAY, HOUR, MINUTE, WORKDAY, DurationField


def test_a_working_day_is_as_long_as_the_business_hours():
    assert durations.workday_minutes() == 540  # 08:30–17:30
    assert durations.workday_minutes(dt.time(9), dt.time(17)) == 480


@pytest.mark.parametrize(
    ("minutes", "units", "shown"),
    [
        (540, (MINUTE, HOUR, WORKDAY), "1 工作日"),
        (540, (MINUTE, HOUR, DAY), "9 小时"),
        (1080, (MINUTE, HOUR, WORKDAY), "2 工作日"),
        (90, (MINUTE, HOUR, WORKDAY), "90 分钟"),
        (2880, (MINUTE, HOUR, DAY), "2 天"),
        (240, (MINUTE, HOUR, DAY), "4 小时"),
        (0, (MINUTE, HOUR, DAY), "0 分钟"),
    ],
)
def test_a_stored_value_is_shown_in_the_largest_exact_unit(minutes, units, shown):
    assert durations.describe(minutes, units, 540) == shown


@pytest.mark.parametrize(
    ("number", "unit", "minutes"),
    [("2", WORKDAY, 1080), ("4", HOUR, 240), ("90", MINUTE, 90), ("1", DAY, 1440)],
)
def test_the_field_turns_a_number_and_a_unit_into_minutes(number, unit, minutes):
    field = DurationField(units=(MINUTE, HOUR, WORKDAY, DAY), workday=540)
    assert field.clean([number, unit]) == minutes


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["两", HOUR], "请填写整数时长并选择单位"),
        (["1.5", HOUR], "请填写整数时长并选择单位"),
        (["-1", HOUR], "时长不能为负数"),
        (["0", HOUR], "时长至少为 1 分钟"),
        (["2", "week"], "选择一个有效的选项"),
        (["", HOUR], "这个字段是必填项。"),
    ],
)
def test_bad_input_gets_a_clear_error(value, message):
    field = DurationField(units=(MINUTE, HOUR, DAY), min_minutes=1)
    with pytest.raises(Exception) as caught:
        field.clean(value)
    assert message in " ".join(caught.value.messages)


def test_the_widget_shows_the_stored_minutes_in_units():
    field = DurationField(units=(MINUTE, HOUR, WORKDAY), workday=540)
    assert field.widget.decompress(540) == [1, WORKDAY]
    assert field.widget.decompress(60) == [1, HOUR]
    field.set_workday(480)
    assert field.widget.decompress(540) == [9, HOUR]
