"""The API's Idempotency-Key: a write sent again with the same key is answered, not redone."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from kefu.accounts.services import create_api_token
from kefu.core import idempotency
from kefu.core.models import IdempotentRequest
from kefu.tickets.models import Ticket

REPAIR = {"type": "repair", "channel": "phone", "content": "厨房水管漏水"}


def _post(api, body, key=None, path="/tickets"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.client.post(
        "/api/v1" + path, body, content_type="application/json", **api.auth, **headers
    )


def test_a_write_sent_again_with_its_key_is_answered_once(agent, api_as):
    api = api_as(agent)
    key = str(uuid.uuid4())

    first = _post(api, REPAIR, key)
    again = _post(api, REPAIR, key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    # Without a key, or with another, the same body is a new request.
    assert _post(api, REPAIR).status_code == 201
    assert _post(api, REPAIR, str(uuid.uuid4())).status_code == 201
    assert Ticket.objects.count() == 3


def test_a_refusal_is_kept_too_and_another_request_under_the_key_is_refused(agent, api_as):
    api = api_as(agent)
    refused = _post(api, {"channel": "phone"}, "k-1")
    assert refused.status_code == 422
    assert _post(api, {"channel": "phone"}, "k-1").json() == refused.json()

    other = _post(api, REPAIR, "k-1")
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    assert not Ticket.objects.exists()


def test_keys_are_each_clients_own(agent, lead, api_as):
    key = "shared-key"
    assert _post(api_as(agent), REPAIR, key).status_code == 201
    assert _post(api_as(lead), REPAIR, key).status_code == 201
    assert Ticket.objects.count() == 2


def test_a_bad_key_is_refused_with_the_error_shape(agent, api_as):
    api = api_as(agent)
    for key in ("", "x" * 201, "a\tb"):
        response = _post(api, REPAIR, key)
        assert response.status_code == 422, key
        assert response.json()["code"] == "invalid"
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_once_from_many_threads_writes_one_ticket(reference_data, people):
    agent = people["agent"]
    token, _ = create_api_token(user=agent, name="retry")
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(6)

    def send() -> None:
        client = Client()
        start.wait()
        try:
            response = client.post(
                "/api/v1/tickets",
                REPAIR,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
                HTTP_IDEMPOTENCY_KEY="burst-1",
            )
            answers.append((response.status_code, response.json().get("serial", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert Ticket.objects.count() == 1
    serial = Ticket.objects.get().serial
    assert answers == [(201, serial)] * 6


def test_old_keys_are_forgotten(agent, api_as):
    _post(api_as(agent), REPAIR, "old")
    IdempotentRequest.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    _post(api_as(agent), REPAIR, "new")

    assert idempotency.forget_old() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
