"""Integrators hear of every work order state change through webhooks."""

from __future__ import annotations

import pytest

from kefu.dispatch import services
from kefu.notify.models import WebhookEndpoint
from tests.dispatch.factories import make_field, make_order


@pytest.fixture
def field(org, people):
    return make_field(org, people)


def test_a_work_orders_changes_reach_a_subscribed_integrator_once_each(
    agent,
    field,
    http_receiver,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    WebhookEndpoint.objects.create(
        name="GIS",
        url=http_receiver.url,
        secret="k",
        events="workorder.created,workorder.dispatched,workorder.changed",
    )
    fitter = field["fitter"]
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch_order(order.serial, actor=agent, assignee="fitter")
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_order(order.serial, actor=fitter, action="accept")

    received = [
        (r.headers["X-Kefu-Event"], r.json()["data"]["status"], r.json()["data"]["assignee"])
        for r in http_receiver.requests
    ]
    assert received == [
        ("workorder.created", "pending", None),
        ("workorder.dispatched", "dispatched", "fitter"),
        ("workorder.changed", "accepted", "fitter"),
    ]
    assert http_receiver.requests[2].json()["data"]["action"] == "accept"
