"""Due times from the center's deadline rules, on the working calendar (2025 National Day:
10-01..10-08 off, Sunday 09-28 and Saturday 10-11 worked)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kefu.dispatch import deadlines
from kefu.dispatch.models import DeadlineRule, DispatchDesk, WorkOrder
from tests.dispatch.factories import make_field, make_order

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def field(org, people):
    return make_field(org, people)


def pickup_due(ordered: str) -> tuple[dt.datetime | None, str]:
    return deadlines.due_for(WorkOrder(kind="pickup", source="phone"), at(ordered))


@pytest.mark.parametrize(
    ("ordered", "due"),
    [
        ("2025-09-29 10:30", "2025-09-29 15:00"),  # before 11:00: by 15:00 the same day
        ("2025-09-29 07:45", "2025-09-29 15:00"),  # before opening counts as before 11:00
        ("2025-09-29 11:00", "2025-09-29 17:30"),  # 11:00–16:00: closing the same day
        ("2025-09-29 15:59", "2025-09-29 17:30"),
        ("2025-09-29 16:00", "2025-09-30 12:00"),  # from 16:00: the next working morning
        ("2025-09-29 22:10", "2025-09-30 12:00"),
    ],
)
def test_a_pickup_is_due_by_the_cut_off_window_it_was_ordered_in(db, ordered, due):
    assert pickup_due(ordered) == (at(due), "物流取件截单")


def test_a_pickup_ordered_after_the_cut_off_before_the_holiday_is_due_after_the_holiday(db):
    assert pickup_due("2025-09-30 16:30") == (at("2025-10-09 12:00"), "物流取件截单")


def test_a_pickup_ordered_during_the_holiday_is_due_the_first_working_morning(db):
    assert pickup_due("2025-10-03 09:15") == (at("2025-10-09 12:00"), "物流取件截单")


def test_a_pickup_on_a_make_up_working_sunday_counts_as_a_working_day(db):
    assert pickup_due("2025-09-28 10:00") == (at("2025-09-28 15:00"), "物流取件截单")
    assert pickup_due("2025-09-27 10:00") == (at("2025-09-28 12:00"), "物流取件截单")


def test_a_pickup_late_on_friday_is_due_on_the_make_up_working_saturday(db):
    assert pickup_due("2025-10-10 16:30") == (at("2025-10-11 12:00"), "物流取件截单")


def test_a_created_pickup_order_carries_its_due_time_and_rule(agent, field):
    with time_machine.travel(at("2025-09-29 10:30"), tick=False):
        order = make_order(agent, kind="pickup")

    assert (order.due_at, order.due_rule) == (at("2025-09-29 15:00"), "物流取件截单")
    assert order.verify_due_at is None
    assert order.tracking.get().data == {
        "due_at": "2025-09-29T15:00:00+08:00",
        "rule": "物流取件截单",
    }


def test_a_web_order_placed_at_night_is_verified_first_thing_the_next_working_morning(agent, field):
    with time_machine.travel(at("2025-09-30 21:00"), tick=False):
        order = make_order(agent, source="web")

    assert order.verify_due_at == at("2025-10-09 09:00")
    # Repairs have 4 working hours, counted from the next opening.
    assert (order.due_at, order.due_rule) == (at("2025-10-09 12:30"), "维修 4 工作小时")


def test_a_web_order_placed_by_day_is_verified_within_30_minutes(agent, field):
    with time_machine.travel(at("2025-09-29 14:10"), tick=False):
        order = make_order(agent, source="web")

    assert order.verify_due_at == at("2025-09-29 14:40")


@pytest.mark.parametrize(
    ("placed", "verify_by"),
    [
        ("2025-09-29 07:00", "2025-09-29 09:00"),  # before opening: that day's opening + 30
        ("2025-09-29 08:30", "2025-09-29 09:00"),
        ("2025-09-29 17:20", "2025-09-29 17:50"),  # by day, even if it passes closing
        ("2025-09-29 17:30", "2025-09-30 09:00"),  # closing time is night already
        ("2025-10-01 11:00", "2025-10-09 09:00"),  # a holiday
        ("2025-09-28 11:00", "2025-09-28 11:30"),  # a make-up working Sunday
    ],
)
def test_web_order_verification_by_the_time_it_was_placed(db, placed, verify_by):
    order = WorkOrder(kind="pickup", source="web")

    assert deadlines.verify_due_for(order, at(placed)) == at(verify_by)


def test_a_phone_order_has_no_verification_time(db):
    assert (
        deadlines.verify_due_for(WorkOrder(kind="repair", source="phone"), at("2025-09-29 21:00"))
        is None
    )


def test_a_repair_has_four_working_hours_carried_over_the_holiday(db):
    order = WorkOrder(kind="repair", source="phone")

    assert deadlines.due_for(order, at("2025-09-30 15:00")) == (
        at("2025-10-09 10:00"),
        "维修 4 工作小时",
    )


def test_any_other_order_has_one_working_day(db):
    order = WorkOrder(kind="install", source="phone")

    assert deadlines.due_for(order, at("2025-09-29 10:00")) == (
        at("2025-09-30 10:00"),
        "默认:1 个工作日",
    )
    assert deadlines.due_for(order, at("2025-09-30 19:00")) == (
        at("2025-10-09 17:30"),
        "默认:1 个工作日",
    )


def test_the_first_active_matching_rule_in_order_decides(db):
    DeadlineRule.objects.create(
        name="加急安装", kind="install", method="calendar", minutes=120, order=5
    )
    DeadlineRule.objects.create(
        name="停用规则", kind="", method="calendar", minutes=5, order=1, is_active=False
    )
    install = WorkOrder(kind="install", source="phone")

    assert deadlines.due_for(install, at("2025-10-01 23:30")) == (
        at("2025-10-02 01:30"),
        "加急安装",
    )
    assert deadlines.due_for(WorkOrder(kind="survey", source="phone"), at("2025-09-29 10:00"))[
        1
    ] == ("默认:1 个工作日")


def test_without_any_rule_an_order_has_no_due_time(db):
    DeadlineRule.objects.update(is_active=False)
    order = WorkOrder(kind="repair", source="web")

    assert deadlines.due_for(order, at("2025-09-29 10:00")) == (None, "")
    assert deadlines.verify_due_for(order, at("2025-09-29 10:00")) is None


def messages(error: ValidationError) -> dict:
    return {field: [str(m) for m in texts] for field, texts in error.message_dict.items()}


def test_a_cut_off_rule_with_times_out_of_order_is_refused(db):
    rule = DeadlineRule(
        name="反了",
        method="cutoff",
        cutoff_early=dt.time(16, 0),
        cutoff_late=dt.time(11, 0),
        due_early=dt.time(15, 0),
        opening=dt.time(17, 30),
        closing=dt.time(8, 30),
    )

    with pytest.raises(ValidationError) as caught:
        rule.full_clean()

    assert messages(caught.value) == {
        "closing": ["下班时间应晚于上班时间"],
        "cutoff_late": ["下午截单应晚于上午截单"],
        "due_early": ["上午截单的完成时间应晚于上午截单"],
    }


@pytest.mark.parametrize("method", ["business", "calendar", "verify"])
def test_a_duration_rule_without_minutes_is_refused(db, method):
    with pytest.raises(ValidationError) as caught:
        DeadlineRule(name="无时长", method=method, minutes=0).full_clean()

    assert messages(caught.value) == {"minutes": ["请填写时长,应大于 0"]}


def test_the_default_rules_are_consistent(db):
    for rule in DeadlineRule.objects.all():
        rule.full_clean()
    assert list(
        DeadlineRule.objects.values_list("name", "kind", "source", "method", "minutes")
    ) == [
        ("物流取件截单", "pickup", "", "cutoff", 0),
        ("网上订单核实", "", "web", "verify", 30),
        ("维修 4 工作小时", "repair", "", "business", 240),
        ("默认:1 个工作日", "", "", "business", 540),
    ]


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "此字段不能为空。"),
        (" , ", "请至少填写一个催办时间,如 10:00"),
        ("10:00,25:00", "催办时间应为 时:分,如 10:00,15:00(“25:00”无效)"),
        ("10点", "催办时间应为 时:分,如 10:00,15:00(“10点”无效)"),
    ],
)
def test_a_desk_refuses_chase_times_it_cannot_read(field, typed, error):
    desk = field["desk"]
    desk.chase_times = typed

    with pytest.raises(ValidationError) as caught:
        desk.full_clean()

    assert messages(caught.value) == {"chase_times": [error]}
    assert DispatchDesk.objects.get(pk=desk.pk).chase_times == "10:00,15:00"


def test_a_desk_stores_its_chase_times_in_order(field):
    desk = field["desk"]
    desk.chase_times = "16:30, 9:30,16:30"

    desk.full_clean()

    assert desk.chase_times == "09:30,16:30"
    assert desk.chase_clock() == [dt.time(9, 30), dt.time(16, 30)]
