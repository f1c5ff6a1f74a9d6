"""A dispatch that changes nothing writes nothing, and dispatches of one order at once queue on
its row: eight clicks of 派工 write one dispatch and one SMS, not seven 改派 and fourteen void
SMS (issue 14 §12).

Real threads against the real database (SQLite's file in WAL, or PostgreSQL), each with its own
connection; the SMS gateway is the real local HTTP server of notify's tests.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from kefu.dispatch import services
from kefu.dispatch.models import DispatchMessage, Status, TrackingRecord, WorkOrder
from kefu.notify.models import Delivery
from tests.dispatch.factories import make_field, make_order
from tests.notify import conftest as edge

http_receiver = edge.http_receiver
sms_gateway = edge.sms_gateway

AT_ONCE = 8


@pytest.fixture
def field(org, people):
    return make_field(org, people)


def _at_once(calls: list) -> list:
    """Run the calls in threads released together; what each returned or raised."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _dispatches(order: WorkOrder) -> list[tuple[str, str]]:
    return list(
        order.tracking.filter(kind=TrackingRecord.Kind.STATUS, action__contains="dispatch")
        .order_by("pk")
        .values_list("action", "data__assignee")
    )


def _messages(order: WorkOrder) -> list[tuple[str, str, str]]:
    return list(
        DispatchMessage.objects.filter(order=order)
        .order_by("pk")
        .values_list("recipient__username", "role", "state")
    )


def test_a_dispatch_to_whoever_has_the_order_in_the_field_writes_and_texts_nothing(
    agent, lead, field, api_as, sms_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(agent, dispatch_to=field["fitter"])
    tracking, deliveries = order.tracking.count(), Delivery.objects.count()
    api = api_as(agent)

    with django_capture_on_commit_callbacks(execute=True):
        for body in ({"assignee": "fitter"}, {"assignee": "5101", "dispatcher": "lead"}):
            reply = api.post(f"/workorders/{order.serial}/dispatch", body)
            assert reply.status_code == 200
            assert reply.json()["status"] == "dispatched"
        services.transition_order(order.serial, actor=field["fitter"], action="accept")
        tracking += 1  # the field's own step
        services.dispatch_order(order.serial, actor=agent, assignee="fitter")  # accepted: kept

    order.refresh_from_db()
    assert (order.status, order.assignee, order.accepted_at is not None) == (
        Status.ACCEPTED,
        field["fitter"],
        True,
    )
    assert order.tracking.count() == tracking
    assert Delivery.objects.count() == deliveries
    assert _messages(order) == [("fitter", "assignee", "sent"), ("lead", "copy", "sent")]
    assert len(sms_gateway.requests) == 2


def test_a_dispatch_to_another_dispatcher_or_after_a_return_is_a_change(
    agent, field, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(agent, dispatch_to=field["fitter"])
        services.dispatch_order(
            order.serial, actor=agent, assignee="fitter", dispatcher=people["supervisor"].username
        )
        services.transition_order(
            order.serial, actor=field["fitter"], action="return", note="配件不足"
        )
        services.dispatch_order(order.serial, actor=agent, assignee="fitter")

    assert _dispatches(order) == [
        ("dispatch", "fitter"),
        ("redispatch", "fitter"),
        ("redispatch", "fitter"),
    ]


@pytest.mark.django_db(transaction=True)
def test_eight_dispatches_to_one_person_at_once_write_one_dispatch_and_one_sms(
    reference_data, people, field, sms_gateway
):
    agent = people["agent"]
    order = make_order(agent)  # pending
    sms_gateway.delay = 0.05  # each send takes a moment, as a real gateway's does

    results = _at_once(
        [
            lambda: services.dispatch_order(order.serial, actor=agent, assignee="fitter")
            for _ in range(AT_ONCE)
        ]
    )

    assert [type(r) for r in results] == [WorkOrder] * AT_ONCE, [
        r for r in results if not isinstance(r, WorkOrder)
    ]
    assert _dispatches(order) == [("dispatch", "fitter")]
    assert _messages(order) == [("fitter", "assignee", "sent"), ("lead", "copy", "sent")]
    assert list(Delivery.objects.order_by("pk").values_list("address", "status")) == [
        ("13800000001", "sent"),
        ("13900000001", "sent"),
    ]
    assert sorted(r.json()["mobile"] for r in sms_gateway.requests) == [
        "13800000001",
        "13900000001",
    ]


@pytest.mark.django_db(transaction=True)
def test_eight_dispatches_to_two_people_at_once_end_with_one_assignee_texted_once_per_change(
    reference_data, people, field, sms_gateway
):
    agent = people["agent"]
    order = make_order(agent)
    names = ["fitter", "fitter2"] * (AT_ONCE // 2)

    results = _at_once(
        [
            lambda name=name: services.dispatch_order(order.serial, actor=agent, assignee=name)
            for name in names
        ]
    )

    assert [type(r) for r in results] == [WorkOrder] * AT_ONCE, [
        r for r in results if not isinstance(r, WorkOrder)
    ]
    order.refresh_from_db()
    changes = _dispatches(order)
    # Each written dispatch changed the assignee; the last one is the order's.
    assert changes[0][0] == "dispatch"
    assert all(action == "redispatch" for action, _who in changes[1:])
    assert all(a[1] != b[1] for a, b in zip(changes, changes[1:], strict=False))
    assert changes[-1][1] == order.assignee.username
    messages = _messages(order)
    to_assignees = [(who, state) for who, role, state in messages if role == "assignee"]
    # One SMS to the assignee per change; all but the last voided or already out.
    assert [who for who, _state in to_assignees] == [who for _action, who in changes]
    assert to_assignees[-1] == (order.assignee.username, "sent")
    current = [m for m in messages if m[2] in ("queued", "sent", "failed")]
    assert ("fitter", "assignee", "sent") in current or ("fitter2", "assignee", "sent") in current
    texted = [r.json()["mobile"] for r in sms_gateway.requests]
    sent = Delivery.objects.filter(status="sent").count()
    assert len(texted) == sent  # nothing texted twice, nothing texted unrecorded
    assert Delivery.objects.exclude(status__in=["sent", "failed"]).count() == 0
