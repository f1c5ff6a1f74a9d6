"""Integrators hear of ticket changes through webhooks."""

from __future__ import annotations

from kefu.notify.models import WebhookEndpoint
from kefu.tickets.services import transition_ticket
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
