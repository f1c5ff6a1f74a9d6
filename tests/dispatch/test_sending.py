"""The dispatch SMS: sent to the assignee and copied to the dispatcher, a phone-call task when the
gateway fails, the call recorded, the resend when the gateway works again, and the latency.

The real notify pipeline runs (huey immediate); the SMS gateway is a real local HTTP server
(tests/notify/conftest.py) that answers what each test tells it.
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.dispatch import latency, sending, services
from kefu.dispatch.message import message_for
from kefu.dispatch.models import CallTask, DispatchMessage, TrackingRecord, WorkOrder
from kefu.notify import services as notify
from kefu.notify.models import Delivery, Notification
from tests.dispatch.factories import make_field, make_order, order_in
from tests.notify import conftest as edge

# The real HTTP SMS gateway at the edge, shared with notify's tests.
http_receiver = edge.http_receiver
sms_gateway = edge.sms_gateway

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2025, 3, 4, 10, 0, tzinfo=SHANGHAI)  # a Tuesday morning
FAILED_500 = "短信网关故障(HTTP 500: {}),网关恢复后自动补发"
REFUSED_400 = "短信网关拒收(HTTP 400: {}),不会自动补发,请核对号码后手动补发"


@pytest.fixture
def field(org, people):
    return make_field(org, people)


def at(minutes: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def dispatch(agent, person, capture, *, minutes: float = 0) -> WorkOrder:
    """Dispatch a new order to ``person`` at T0 + ``minutes``, its after-commit work run."""
    with time_machine.travel(at(minutes), tick=False), capture(execute=True):
        return make_order(agent, dispatch_to=person)


def messages_of(order: WorkOrder) -> list[DispatchMessage]:
    return list(order.messages.select_related("delivery").order_by("pk"))


def message_notes(order: WorkOrder) -> list[tuple[str, str]]:
    return list(
        order.tracking.filter(kind=TrackingRecord.Kind.MESSAGE).values_list("action", "note")
    )


def phones(gateway) -> list[str]:
    return [request.json()["mobile"] for request in gateway.requests]


# ---------------------------------------------------------------------------------- sending


def test_dispatch_texts_the_assignee_and_copies_the_dispatcher_and_records_the_latency(
    agent, lead, field, sms_gateway, django_capture_on_commit_callbacks
):
    fitter = field["fitter"]
    order = dispatch(agent, fitter, django_capture_on_commit_callbacks)

    text = message_for(order).text
    assert [
        (m.role, m.recipient, m.phone, m.text, m.state, m.confirmed_at, m.sent_at, m.resent_at)
        for m in messages_of(order)
    ] == [
        ("assignee", fitter, "13800000001", text, "sent", T0, T0, None),
        ("copy", lead, "13900000001", text, "sent", T0, T0, None),
    ]
    assert [m.delivery.event for m in messages_of(order)] == ["workorder.dispatch"] * 2
    assert phones(sms_gateway) == ["13800000001", "13900000001"]
    assert sms_gateway.requests[0].json()["content"] == "【阳光水务】" + text
    assert message_notes(order) == [
        ("sent", "派工短信已发给 张师傅(13800000001),用时 0 秒"),
        ("sent", "派工短信已抄送调度员 王芳(13900000001),用时 0 秒"),
    ]
    assert latency.order_latency(order) == {
        "serial": order.serial,
        "confirmed_at": T0,
        "sent_at": T0,
        "seconds": 0.0,
        "within": True,
        "state": "sent",
    }
    assert CallTask.objects.count() == 0


def test_a_crew_order_texts_the_crew_leader(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        order = services.create_order(order_in(), actor=agent, crew=field["crew"].pk, dispatch=True)
    assert [(m.role, m.recipient, m.state) for m in messages_of(order)] == [
        ("assignee", field["fitter"], "sent"),
        ("copy", order.dispatcher, "sent"),
    ]


def test_no_copy_when_the_dispatcher_is_the_assignee(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    field["desk"].dispatcher = field["fitter"]
    field["desk"].save()
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    assert [(m.role, m.state) for m in messages_of(order)] == [("assignee", "sent")]
    assert phones(sms_gateway) == ["13800000001"]


def test_a_recipient_without_a_phone_fails_at_once_with_a_call_task(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    helper = field["helper"]
    helper.staff.phone = ""
    helper.staff.save(update_fields=["phone"])
    order = dispatch(agent, helper, django_capture_on_commit_callbacks)

    first = messages_of(order)[0]
    assert (first.state, first.phone, first.delivery, first.first_failed_at) == (
        "failed",
        "",
        None,
        T0,
    )
    assert first.last_error == "未登记手机号,短信无法发送"
    task = first.call_task
    assert (task.callee, task.owner, task.reason, task.state) == (
        helper,
        agent,
        "未登记手机号,短信无法发送",
        "open",
    )
    assert phones(sms_gateway) == ["13900000001"]  # the dispatcher's copy went out
    assert sending.resend_unsent(now=at(2)) == 0  # nothing to resend without a number


# ---------------------------------------------------------------------------------- failing


def test_a_failing_gateway_opens_a_call_task_at_once_and_tells_the_agent(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500)
    fitter = field["fitter"]
    order = dispatch(agent, fitter, django_capture_on_commit_callbacks)

    first, copy = messages_of(order)
    assert (first.state, first.first_failed_at, first.last_error, first.sent_at) == (
        "failed",
        T0,
        FAILED_500,
        None,
    )
    assert (first.delivery.status, first.delivery.attempts) == ("queued", 1)
    task = first.call_task
    assert (task.owner, task.callee, task.phone, task.reason, task.state, task.created_at) == (
        agent,
        fitter,
        "13800000001",
        FAILED_500,
        "open",
        T0,
    )
    assert copy.call_task.callee == copy.recipient
    inbox = Notification.objects.filter(user=agent, event="workorder.call_task").order_by("pk")
    assert [(n.title, n.body) for n in inbox][0] == (
        f"请电话通知:派工单 {order.serial}",
        f"派工短信未能发给 张师傅(13800000001):{FAILED_500}。请立即电话通知并记录。",
    )
    assert inbox.count() == 2
    assert message_notes(order) == [
        ("failed", f"派工短信未能发给 张师傅(13800000001):{FAILED_500}。已生成电话通知任务"),
        ("failed", f"派工短信未能发给 王芳(13900000001):{FAILED_500}。已生成电话通知任务"),
    ]
    assert [t.pk for t in sending.list_open_call_tasks(agent)] == [
        first.call_task.pk,
        copy.call_task.pk,
    ]


def test_the_same_failure_again_writes_nothing_new(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500)
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    with time_machine.travel(at(2), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert sending.resend_unsent() == 0
    assert len(sms_gateway.requests) == 4
    assert CallTask.objects.count() == 2
    assert [action for action, _note in message_notes(order)] == ["failed", "failed"]


# ---------------------------------------------------------------------------------- calls


def test_the_agent_records_the_call_and_an_unreachable_one_stays_open_for_another_try(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500)
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    task = messages_of(order)[0].call_task

    with time_machine.travel(at(6), tick=False):
        sending.record_call(task.pk, actor=agent, reached=False, called_at=at(5), note="无人接听")
        assert task.pk in [t.pk for t in sending.list_open_call_tasks(agent)]
        sending.record_call(task.pk, actor=agent, reached=True, note="已告知地址和故障,马上出发")

    task.refresh_from_db()
    assert (task.state, task.called_at, task.called_by, task.note) == (
        "done",
        at(6),
        agent,
        "已告知地址和故障,马上出发",
    )
    assert task.pk not in [t.pk for t in sending.list_open_call_tasks(agent)]
    calls = order.tracking.filter(kind=TrackingRecord.Kind.CALL)
    assert list(calls.values_list("action", "actor", "note")) == [
        (
            "unreachable",
            agent.pk,
            "电话未接通 张师傅(13800000001),拨打时间 2025-03-04 10:05:00:无人接听",
        ),
        (
            "reached",
            agent.pk,
            "已电话通知 张师傅(13800000001),通话时间 2025-03-04 10:06:00:已告知地址和故障,马上出发",
        ),
    ]
    with pytest.raises(ServiceError) as caught:
        sending.record_call(task.pk, actor=agent, reached=True, note="再记一次")
    assert caught.value.code == "invalid_transition"


@pytest.mark.parametrize(
    ("who", "called_minutes", "note", "code", "field_name"),
    [
        ("agent", 30, "已通知", "invalid", "called_at"),  # in the future
        ("agent", -5, "已通知", "invalid", "called_at"),  # before the task
        ("agent", 1, "   ", "invalid", "note"),
        ("other_dept_handler", 1, "已通知", "not_found", None),
        ("dept_handler", 1, "已通知", "forbidden", None),
    ],
)
def test_a_refused_call_record_changes_nothing(
    who,
    called_minutes,
    note,
    code,
    field_name,
    people,
    field,
    sms_gateway,
    django_capture_on_commit_callbacks,
):
    sms_gateway.reply_with(500)
    order = dispatch(people["agent"], field["fitter"], django_capture_on_commit_callbacks)
    task = messages_of(order)[0].call_task

    with time_machine.travel(at(10), tick=False), pytest.raises(ServiceError) as caught:
        sending.record_call(
            task.pk, actor=people[who], reached=True, called_at=at(called_minutes), note=note
        )

    assert (caught.value.code, caught.value.field) == (code, field_name)
    task.refresh_from_db()
    assert (task.state, task.called_at, task.called_by, task.note) == ("open", None, None, "")
    assert order.tracking.filter(kind=TrackingRecord.Kind.CALL).count() == 0


def test_the_department_head_sees_and_records_the_departments_calls(
    people, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500)
    order = dispatch(people["agent"], field["fitter"], django_capture_on_commit_callbacks)
    head = people["dept_head"]
    tasks = [t.pk for t in sending.list_open_call_tasks(head)]
    assert tasks == [m.call_task.pk for m in messages_of(order)]
    assert list(sending.list_open_call_tasks(people["dept_handler"])) == []
    assert list(sending.list_open_call_tasks(people["other_dept_handler"])) == []
    with time_machine.travel(at(3), tick=False):
        task = sending.record_call(tasks[0], actor=head, reached=True, note="已电话通知")
    assert (task.state, task.called_by) == ("done", head)


# ---------------------------------------------------------------------------------- resending


def test_the_sweep_resends_when_the_gateway_works_again_and_records_the_time(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500, 500, 500, 500, 200)
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    with time_machine.travel(at(1), tick=False):
        assert sending.resend_unsent() == 0  # still down
    with time_machine.travel(at(2), tick=False):
        assert sending.resend_unsent() == 2

    first, copy = messages_of(order)
    assert (first.state, first.first_failed_at, first.sent_at, first.resent_at) == (
        "sent",
        T0,
        at(2),
        at(2),
    )
    assert first.latency == dt.timedelta(minutes=2)
    assert (copy.state, copy.resent_at) == ("sent", at(2))
    assert phones(sms_gateway) == ["13800000001", "13900000001"] * 3
    assert message_notes(order)[2:] == [
        ("resent", "短信补发成功:张师傅(13800000001),补发时间 2025-03-04 10:02:00"),
        ("resent", "短信补发成功:王芳(13900000001),补发时间 2025-03-04 10:02:00"),
    ]
    assert first.call_task.state == "open"  # the call is still to be noted
    with time_machine.travel(at(3), tick=False):
        assert sending.resend_unsent() == 0
    assert len(sms_gateway.requests) == 6


def test_a_resend_by_notifys_own_sweep_is_recorded_by_the_next_dispatch_sweep(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500, 500, 200)
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    with time_machine.travel(at(1), tick=False):
        assert notify.send_due_deliveries() == 2  # the backoff's first retry
    with time_machine.travel(at(1.5), tick=False):
        assert sending.resend_unsent() == 0  # nothing to send, only to record
    assert [(m.state, m.sent_at, m.resent_at) for m in messages_of(order)] == [
        ("sent", at(1), at(1)),
        ("sent", at(1), at(1)),
    ]
    assert len(sms_gateway.requests) == 4


def test_a_given_up_delivery_is_tried_again_with_a_fresh_count(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500)
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    first = messages_of(order)[0]
    Delivery.objects.filter(pk=first.delivery_id).update(status="gave_up", attempts=5)
    sms_gateway.reply_with(200)
    with time_machine.travel(at(5), tick=False):
        assert sending.resend_unsent() == 2
    first.delivery.refresh_from_db()
    assert (first.delivery.status, first.delivery.attempts) == ("sent", 1)


def test_orders_out_of_the_field_or_older_than_a_day_are_not_resent(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500)
    cancelled = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    with time_machine.travel(at(1), tick=False):
        services.transition_order(cancelled.serial, actor=agent, action="cancel", note="客户取消")
    dispatch(agent, field["helper"], django_capture_on_commit_callbacks, minutes=2)
    sms_gateway.reply_with(200)
    with time_machine.travel(at(2 + 24 * 60 + 1), tick=False):
        assert sending.resend_unsent() == 0
    assert len(sms_gateway.requests) == 4


def test_a_permanent_failure_is_not_retried_automatically_but_the_agent_may_resend(
    agent, people, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(400, 400, 200)
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    first = messages_of(order)[0]
    assert (first.state, first.last_error, first.delivery.status) == (
        "failed",
        REFUSED_400,
        "failed",
    )
    assert first.call_task.reason == REFUSED_400
    with time_machine.travel(at(5), tick=False):
        assert sending.resend_unsent() == 0
    assert len(sms_gateway.requests) == 2

    with pytest.raises(ServiceError) as caught:
        sending.resend_message(first.pk, actor=people["dept_handler"])
    assert caught.value.code == "forbidden"
    assert len(sms_gateway.requests) == 2

    with time_machine.travel(at(7), tick=False), django_capture_on_commit_callbacks(execute=True):
        sending.resend_message(first.pk, actor=agent)
    first.refresh_from_db()
    assert (first.state, first.sent_at, first.resent_at) == ("sent", at(7), at(7))
    assert phones(sms_gateway) == ["13800000001", "13900000001", "13800000001"]
    assert list(
        AuditLog.objects.filter(action="dispatch.resend_message").values_list("actor", "object_id")
    ) == [(agent.pk, str(first.pk))]
    assert message_notes(order)[2:] == [
        ("resend", "手动补发派工短信给 张师傅(13800000001)"),
        ("resent", "短信补发成功:张师傅(13800000001),补发时间 2025-03-04 10:07:00"),
    ]
    with pytest.raises(ServiceError) as caught:
        sending.resend_message(first.pk, actor=agent)
    assert caught.value.code == "invalid_transition"


def test_an_sms_the_gateway_took_without_answering_asks_for_a_call_and_is_not_resent(
    agent, settings, field, sms_gateway, django_capture_on_commit_callbacks
):
    settings.NOTIFY_HTTP_TIMEOUT = 0.3
    sms_gateway.delay = 1.0  # taken, answered too late: perhaps on its way to the phone
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    sms_gateway.delay = 0

    first = messages_of(order)[0]
    assert first.delivery.status == "uncertain"
    assert first.state == "failed"
    assert first.last_error.startswith("短信可能已发出(发送中断,网关未答复)(timeout: ReadTimeout")
    assert first.last_error.endswith(",不会自动补发,请电话确认对方是否收到,未收到再手动补发")
    assert (first.call_task.state, first.call_task.reason) == ("open", first.last_error)
    with time_machine.travel(at(5), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert sending.resend_unsent() == 0
    assert len(sms_gateway.requests) == 2  # the assignee's once, the copy once

    with time_machine.travel(at(7), tick=False), django_capture_on_commit_callbacks(execute=True):
        sending.resend_message(first.pk, actor=agent)  # the call found it never came
    first.refresh_from_db()
    assert (first.state, first.resent_at, first.delivery.status) == ("sent", at(7), "sent")
    assert phones(sms_gateway) == ["13800000001", "13900000001", "13800000001"]


def test_a_hand_resend_goes_to_the_corrected_number(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(400, 400, 200)
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    field["fitter"].staff.phone = "13800000009"
    field["fitter"].staff.save(update_fields=["phone"])
    first = messages_of(order)[0]
    with time_machine.travel(at(4), tick=False), django_capture_on_commit_callbacks(execute=True):
        sending.resend_message(first.pk, actor=agent)
    first.refresh_from_db()
    assert (first.state, first.phone, first.resent_at) == ("sent", "13800000009", at(4))
    assert phones(sms_gateway)[-1] == "13800000009"


def test_a_redispatch_voids_the_unsent_messages_and_their_call_tasks(
    agent, field, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(500, 500, 200)
    order = dispatch(agent, field["fitter"], django_capture_on_commit_callbacks)
    old = messages_of(order)
    with time_machine.travel(at(2), tick=False), django_capture_on_commit_callbacks(execute=True):
        services.dispatch_order(order.serial, actor=agent, assignee="fitter2")

    messages = messages_of(order)
    assert [(m.recipient, m.role, m.state) for m in messages] == [
        (field["fitter"], "assignee", "void"),
        (old[1].recipient, "copy", "void"),
        (field["helper"], "assignee", "sent"),
        (old[1].recipient, "copy", "sent"),
    ]
    assert [(m.delivery.status, m.delivery.last_error) for m in messages[:2]] == [
        ("failed", "派工单已改派,短信作废")
    ] * 2
    assert (
        list(CallTask.objects.order_by("pk").values_list("state", "note"))
        == [("void", "派工单已改派,无需电话通知")] * 2
    )
    assert list(sending.list_open_call_tasks(agent)) == []
    assert ("void", "改派:作废未发出的派工短信 2 条,关闭电话通知任务 2 个") in message_notes(order)
    with time_machine.travel(at(3), tick=False):
        assert sending.resend_unsent() == 0
    assert phones(sms_gateway) == ["13800000001", "13900000001", "13800000002", "13900000001"]
    assert latency.order_latency(order)["sent_at"] == at(2)


@pytest.mark.django_db(transaction=True)
def test_two_resend_sweeps_at_once_never_send_a_message_twice(people, field, sms_gateway):
    sms_gateway.reply_with(500, 500, 200)
    order = make_order(people["agent"], dispatch_to=field["fitter"])  # sent after commit
    assert [m.state for m in messages_of(order)] == ["failed", "failed"]
    sms_gateway.delay = 0.2  # the first sweep is still sending when the second claims
    start = threading.Barrier(2)
    results = []

    def sweep():
        try:
            start.wait()
            results.append(sending.resend_unsent())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 2
    # Each sent once more, in whichever order the two sweeps reached them.
    assert sorted(phones(sms_gateway)[2:]) == ["13800000001", "13900000001"]
    assert [(m.state, m.delivery.attempts) for m in messages_of(order)] == [("sent", 2)] * 2


# ---------------------------------------------------------------------------------- latency


def test_latency_summary_counts_each_dispatch_against_three_minutes(
    agent, field, django_capture_on_commit_callbacks
):
    def order_sent_after(confirmed: float, seconds: float | None) -> WorkOrder:
        """Confirmed at T0 + ``confirmed`` minutes, its SMS out ``seconds`` later (None:
        never, the worker was down)."""
        with (
            time_machine.travel(at(confirmed), tick=False),
            django_capture_on_commit_callbacks() as callbacks,
        ):
            order = make_order(agent, dispatch_to=field["fitter"])
        if seconds is not None:
            with time_machine.travel(at(confirmed) + dt.timedelta(seconds=seconds), tick=False):
                for callback in callbacks:
                    callback()
        return order

    a = order_sent_after(0, 30)
    b = order_sent_after(1, 90)
    c = order_sent_after(2, 240)
    d = order_sent_after(3, None)  # unsent for 17 minutes: late
    order_sent_after(19.5, None)  # unsent for 30 seconds: still on its way

    summary = latency.latency_summary(now=at(20), worst=3)
    assert {k: v for k, v in summary.items() if k != "worst"} == {
        "count": 4,
        "within": 2,
        "within_pct": 50.0,
        "pending": 1,
        "median_seconds": 90.0,
        "p95_seconds": 240.0,
    }
    assert [(r["serial"], r["seconds"], r["within"], r["state"]) for r in summary["worst"]] == [
        (d.serial, None, False, "queued"),
        (c.serial, 240.0, False, "sent"),
        (b.serial, 90.0, True, "sent"),
    ]
    window = latency.latency_summary(since=at(1), until=at(3), now=at(20))
    assert (window["count"], window["within"], window["median_seconds"]) == (2, 1, 165.0)
    only_a = latency.latency_summary(WorkOrder.objects.filter(pk=a.pk), now=at(20))
    assert (only_a["count"], only_a["within_pct"], only_a["p95_seconds"]) == (1, 100.0, 30.0)
    assert latency.order_latency(c) == {
        "serial": c.serial,
        "confirmed_at": at(2),
        "sent_at": at(6),
        "seconds": 240.0,
        "within": False,
        "state": "sent",
    }
    empty = latency.latency_summary(since=at(60), now=at(90))
    assert (empty["count"], empty["within_pct"], empty["median_seconds"]) == (0, None, None)
