"""Follow-up of dispatched orders: the check an hour after dispatch, the chases of overdue
orders at 10:00 and 15:00 up the ladder assignee → dispatcher → branch manager, all written on
the tracking record. Dates around 2025 National Day (10-01..10-08 off)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.dispatch import followup, services
from kefu.dispatch.models import TrackingRecord, WorkOrder
from kefu.notify.models import Delivery
from tests.dispatch.factories import make_field, make_order, order_in

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def field(org, people):
    return make_field(org, people)


@pytest.fixture
def late_order(agent, field):
    """A repair dispatched to the fitter Monday 09:00: due 13:00 (4 working hours)."""
    with time_machine.travel(at("2025-09-29 09:00"), tick=False):
        return make_order(agent, dispatch_to=field["fitter"])


def sweep(when: str, job) -> int:
    with time_machine.travel(at(when), tick=False):
        return job()


def sent(event: str) -> list[tuple[str, str, str]]:
    """(channel, address, key) of the deliveries of ``event``, in the order written."""
    return list(
        Delivery.objects.filter(event=event).order_by("id").values_list("channel", "address", "key")
    )


def records(order: WorkOrder, kind: str) -> list[tuple[dt.datetime, str, str]]:
    return list(order.tracking.filter(kind=kind).values_list("at", "action", "note"))


# ---------------------------------------------------------------------------------- schedule


def test_dispatch_schedules_the_check_an_hour_later_and_the_first_chase_after_the_due_time(
    late_order,
):
    assert late_order.due_at == at("2025-09-29 13:00")
    assert late_order.check_at == at("2025-09-29 10:00")
    assert late_order.next_chase_at == at("2025-09-29 15:00")
    assert late_order.chase_count == 0


def test_the_desk_sets_the_check_delay(agent, field):
    field["desk"].check_after_minutes = 30
    field["desk"].save()
    with time_machine.travel(at("2025-09-29 09:00"), tick=False):
        order = make_order(agent, dispatch_to=field["fitter"])

    assert order.check_at == at("2025-09-29 09:30")


@pytest.mark.parametrize(
    ("after", "slot"),
    [
        ("2025-09-29 09:59", "2025-09-29 10:00"),
        ("2025-09-29 10:00", "2025-09-29 15:00"),  # a slot at the due time itself is skipped
        ("2025-09-30 15:00", "2025-10-09 10:00"),  # over the National Day holiday
        ("2025-09-27 16:00", "2025-09-28 10:00"),  # Sunday 09-28 is a make-up working day
        ("2025-10-10 15:30", "2025-10-11 10:00"),  # and so is Saturday 10-11
    ],
)
def test_chase_slots_are_the_desk_times_on_working_days(field, after, slot):
    assert followup.next_chase_slot(at(after), field["desk"]) == at(slot)


# ---------------------------------------------------------------------------------- checks


def test_the_check_of_an_order_nobody_accepted_is_recorded_and_told_to_the_desk(
    late_order, agent, lead
):
    assert sweep("2025-09-29 09:59", followup.run_checks) == 0
    assert sweep("2025-09-29 10:00", followup.run_checks) == 1

    assert records(late_order, TrackingRecord.Kind.CHECK) == [
        (at("2025-09-29 10:00"), "check", "派工后检查:张师傅仍未接单,已提醒王芳、李娜")
    ]
    assert sent("workorder.check") == [
        (
            "inapp",
            f"user:{agent.pk}",
            f"workorder.check:{late_order.serial}:2025-09-29T02:00:00+00:00",
        ),
        (
            "inapp",
            f"user:{lead.pk}",
            f"workorder.check:{late_order.serial}:2025-09-29T02:00:00+00:00",
        ),
    ]
    notice = Delivery.objects.get(event="workorder.check", user=lead)
    assert notice.subject == f"派工检查:{late_order.serial} 已派工"
    late_order.refresh_from_db()
    assert late_order.check_at is None


def test_the_check_of_an_accepted_order_is_recorded_and_tells_nobody(late_order, field):
    with time_machine.travel(at("2025-09-29 09:20"), tick=False):
        services.transition_order(late_order.serial, actor=field["fitter"], action="accept")

    assert sweep("2025-09-29 10:00", followup.run_checks) == 1

    assert records(late_order, TrackingRecord.Kind.CHECK) == [
        (at("2025-09-29 10:00"), "check", "派工后检查:张师傅已接单")
    ]
    assert sent("workorder.check") == []


def test_two_check_sweeps_in_a_row_check_once(late_order):
    assert sweep("2025-09-29 10:05", followup.run_checks) == 1
    assert sweep("2025-09-29 10:05", followup.run_checks) == 0

    assert late_order.tracking.filter(kind=TrackingRecord.Kind.CHECK).count() == 1
    assert len(sent("workorder.check")) == 2


def test_an_order_completed_before_its_check_is_not_checked(late_order, field):
    with time_machine.travel(at("2025-09-29 09:30"), tick=False):
        for action in ("accept", "arrive"):
            services.transition_order(late_order.serial, actor=field["fitter"], action=action)
        services.complete_order(late_order.serial, actor=field["fitter"], result="已修好")

    assert sweep("2025-09-29 10:00", followup.run_checks) == 0
    assert late_order.tracking.filter(kind=TrackingRecord.Kind.CHECK).count() == 0


# ---------------------------------------------------------------------------------- chases


SMS_SHAPE = re.compile(r"\[P\d+\]订单P\d+已超过完成时间\d+(分钟|小时|天)[^\[]*\[8011\]")


def test_overdue_orders_are_chased_at_10_and_15_only_up_the_ladder(late_order, field, lead):
    serial, head = late_order.serial, field["desk"].manager
    for when in ("2025-09-29 13:30", "2025-09-29 14:59", "2025-09-29 15:01"):
        expected = 1 if when == "2025-09-29 15:01" else 0
        assert sweep(when, followup.chase_overdue) == expected

    # 1st chase: the assignee, by SMS.
    assert sent("workorder.chase") == [("sms", "13800000001", f"workorder.chase:{serial}:1")]
    sms = Delivery.objects.get(event="workorder.chase")
    assert sms.body == f"[{serial}]订单{serial}已超过完成时间2小时,请尽快处理。[8011]"
    assert SMS_SHAPE.fullmatch(sms.body)

    assert sweep("2025-09-30 09:59", followup.chase_overdue) == 0
    assert sweep("2025-09-30 10:00", followup.chase_overdue) == 1
    # 2nd chase: the assignee again, and the dispatcher in-app and by SMS.
    assert sent("workorder.chase")[1:] == [
        ("sms", "13800000001", f"workorder.chase:{serial}:2"),
        ("inapp", f"user:{lead.pk}", f"workorder.chase:{serial}:2"),
        ("sms", "13900000001", f"workorder.chase:{serial}:2"),
    ]
    assert sent("workorder.escalate") == []
    inbox = Delivery.objects.get(event="workorder.chase", channel="inapp")
    assert inbox.body == (
        f"派工单 {serial}(订单{serial})已超过完成时间21小时(期限 2025-09-29 13:00),"
        "张师傅 仍未处理,这是第2次催办。请跟进并写跟踪记录。[8011]"
    )

    assert sweep("2025-09-30 12:00", followup.chase_overdue) == 0
    assert sweep("2025-09-30 15:00", followup.chase_overdue) == 1
    # 3rd chase: the branch manager too.
    assert sent("workorder.escalate") == [
        ("inapp", f"user:{head.pk}", f"workorder.escalate:{serial}:3"),
        ("sms", "13900000002", f"workorder.escalate:{serial}:3"),
    ]
    escalation = Delivery.objects.get(event="workorder.escalate", channel="sms")
    assert escalation.body == f"[{serial}]订单{serial}超时1天2小时,催办3次未处理,请督办。[8011]"

    assert records(late_order, TrackingRecord.Kind.CHASE) == [
        (
            at("2025-09-29 15:01"),
            "chase",
            "第1次催办:已超过完成时间2小时;短信催办张师傅(13800000001)",
        ),
        (
            at("2025-09-30 10:00"),
            "chase",
            "第2次催办:已超过完成时间21小时;短信催办张师傅(13800000001);通知调度员王芳",
        ),
        (
            at("2025-09-30 15:00"),
            "escalate",
            "第3次催办:已超过完成时间1天2小时;短信催办张师傅(13800000001);通知调度员王芳;"
            "上报分公司经理赵军",
        ),
    ]
    late_order.refresh_from_db()
    assert (late_order.chase_count, late_order.next_chase_at) == (3, at("2025-10-09 10:00"))
    # Nobody is chased during the holiday.
    assert sweep("2025-10-03 10:00", followup.chase_overdue) == 0


def test_two_chase_sweeps_in_a_row_never_chase_twice(late_order):
    assert sweep("2025-09-29 15:00", followup.chase_overdue) == 1
    assert sweep("2025-09-29 15:00", followup.chase_overdue) == 0
    assert sweep("2025-09-29 15:30", followup.chase_overdue) == 0

    late_order.refresh_from_db()
    assert late_order.chase_count == 1
    assert late_order.tracking.filter(kind=TrackingRecord.Kind.CHASE).count() == 1
    assert len(sent("workorder.chase")) == 1


def test_a_sweep_that_ran_late_chases_once_and_waits_for_the_next_slot(late_order):
    assert sweep("2025-09-30 11:00", followup.chase_overdue) == 1  # 15:00 and 10:00 missed

    late_order.refresh_from_db()
    assert (late_order.chase_count, late_order.next_chase_at) == (1, at("2025-09-30 15:00"))


def test_a_completed_order_is_not_chased(late_order, field):
    with time_machine.travel(at("2025-09-29 14:00"), tick=False):
        for action in ("accept", "arrive"):
            services.transition_order(late_order.serial, actor=field["fitter"], action=action)
        services.complete_order(late_order.serial, actor=field["fitter"], result="已修好")

    assert sweep("2025-09-29 15:00", followup.chase_overdue) == 0
    assert sweep("2025-09-30 10:00", followup.chase_overdue) == 0
    assert late_order.tracking.filter(kind=TrackingRecord.Kind.CHASE).count() == 0
    assert sent("workorder.chase") == []


def test_a_stale_chase_of_an_order_out_of_the_field_is_only_cleared(late_order):
    WorkOrder.objects.filter(pk=late_order.pk).update(status="returned")

    assert sweep("2025-09-29 15:00", followup.chase_overdue) == 0

    late_order.refresh_from_db()
    assert (late_order.chase_count, late_order.next_chase_at) == (0, None)
    assert sent("workorder.chase") == []


def test_a_redispatch_keeps_the_chase_count_and_chases_the_new_assignee(late_order, agent, field):
    assert sweep("2025-09-29 15:00", followup.chase_overdue) == 1
    with time_machine.travel(at("2025-09-29 16:00"), tick=False):
        order = services.dispatch_order(late_order.serial, actor=agent, assignee="fitter2")
    assert (order.chase_count, order.next_chase_at) == (1, at("2025-09-30 10:00"))
    assert order.check_at == at("2025-09-29 17:00")

    assert sweep("2025-09-30 10:00", followup.chase_overdue) == 1

    assert sent("workorder.chase")[1] == (
        "sms",
        "13800000002",
        f"workorder.chase:{late_order.serial}:2",
    )


def test_an_assignee_without_a_phone_is_noted_on_the_tracking_record(late_order, field):
    field["fitter"].staff.phone = ""
    field["fitter"].staff.save(update_fields=["phone"])

    assert sweep("2025-09-29 15:00", followup.chase_overdue) == 1

    assert records(late_order, TrackingRecord.Kind.CHASE) == [
        (
            at("2025-09-29 15:00"),
            "chase",
            "第1次催办:已超过完成时间2小时;张师傅无可用手机号,未发短信",
        )
    ]
    assert sent("workorder.chase") == []


@pytest.mark.parametrize(
    ("late", "text"),
    [
        (dt.timedelta(seconds=20), "1分钟"),
        (dt.timedelta(minutes=59, seconds=59), "59分钟"),
        (dt.timedelta(hours=2, minutes=59), "2小时"),
        (dt.timedelta(days=1), "1天"),
        (dt.timedelta(days=2, hours=5, minutes=30), "2天5小时"),
    ],
)
def test_how_late_an_order_is_reads_short(late, text):
    assert followup.overdue_text(late) == text


def test_the_chase_of_an_order_from_a_ticket_names_the_ticket_the_customer_knows(agent, field):
    from tests.tickets.factories import make_ticket

    with time_machine.travel(at("2025-09-29 09:00"), tick=False):
        ticket = make_ticket(agent)
        order = services.create_order(
            order_in(), actor=agent, ticket=ticket.serial, assignee="fitter", dispatch=True
        )

    assert sweep("2025-09-29 15:00", followup.chase_overdue) == 1

    sms = Delivery.objects.get(event="workorder.chase")
    assert sms.body == f"[{order.serial}]订单{ticket.serial}已超过完成时间2小时,请尽快处理。[8011]"
    assert sms.ticket == ticket


def test_the_check_notice_links_to_the_work_order_page(late_order, lead):
    from kefu.notify.models import Notification

    sweep("2025-09-29 10:01", followup.run_checks)
    assert Notification.objects.get(user=lead, event="workorder.check").link == (
        f"/workorders/{late_order.serial}/"
    )
