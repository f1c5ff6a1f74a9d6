"""Integrators hear of ticket changes through webhooks."""

from __future__ import annotations

from kefu.notify.models import WebhookEndpoint
from kefu.tickets.services import transition_ticket
from tests.dispatch.factories import make_order
from tests.tickets.factories import make_ticket


def test_creating_and_changing_a_ticket_posts_webhooks_once_each(
    agent, http_receiver, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(name="crm", url=http_receiver.url, secret="k")

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(agent, accept=False)
    with django_capture_on_commit_callbacks(execute=True):
        transition_ticket(ticket.serial, actor=agent, action="accept", note="")

    events = [(r.headers["X-Kefu-Event"], r.json()["data"]) for r in http_receiver.requests]
    assert events == [
        ("ticket.created", {"type": "ticket.created", "serial": ticket.serial, "status": "new"}),
        (
            "ticket.changed",
            {"type": "ticket.changed", "serial": ticket.serial, "status": "accepted"},
        ),
    ]


def test_time_limit_and_complaint_events_reach_subscribed_integrators(
    people, http_receiver, django_capture_on_commit_callbacks, time_machine
):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kefu.sla.services import sweep

    sh = ZoneInfo("Asia/Shanghai")
    WebhookEndpoint.objects.create(
        name="监管平台",
        url=http_receiver.url,
        secret="k",
        events="complaint.major,sla.breach",
    )
    time_machine.move_to(dt.datetime(2025, 3, 17, 10, 0, tzinfo=sh), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(people["agent"], type="complaint", content="媒体曝光", source="media")
    with django_capture_on_commit_callbacks(execute=True):
        sweep(dt.datetime(2025, 3, 17, 10, 10, tzinfo=sh))
    received = [(r.headers["X-Kefu-Event"], r.json()["data"]) for r in http_receiver.requests]
    assert received == [
        ("complaint.major", {"serial": ticket.serial, "reason": "媒体曝光"}),
        (
            "sla.breach",
            {
                "serial": ticket.serial,
                "target_code": "transmit",
                "target": "转至责任部门",
                "due": "2025-03-17 10:10",
            },
        ),
    ]


def test_a_work_order_sending_its_ticket_to_a_department_is_announced(
    agent, http_receiver, django_capture_on_commit_callbacks
):
    ticket = make_ticket(agent, accept=True)
    WebhookEndpoint.objects.create(name="crm", url=http_receiver.url, secret="k")
    with django_capture_on_commit_callbacks(execute=True):
        make_order(agent, ticket_serial=ticket.serial)

    changed = [
        r.json()["data"]
        for r in http_receiver.requests
        if r.headers["X-Kefu-Event"].startswith("ticket.")
    ]
    assert changed == [{"type": "ticket.changed", "serial": ticket.serial, "status": "dispatched"}]
