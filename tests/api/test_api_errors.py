"""Regression tests for inputs the schema fuzzer (and probing around it) found answered with a 500.

Each must now be a 4xx in the API's one error shape ``{"code", "detail", "field", "errors"}``,
on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from kefu.customers.models import Customer
from kefu.telephony.models import CallRecord
from kefu.tickets.models import Ticket
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

BEYOND_BIGINT = 10**20
CTI = "/api/v1/cti/"


def _assert_error(resp, status: int, code: str, field=None):
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert body["code"] == code
    assert body["detail"]
    if field is not None:
        assert body["field"] == field
    return body


# --- CTI: a wrong token used to crash (Router has no .api in django-ninja 1.7) -------------


@pytest.mark.parametrize("token", ["x", "0", "test-cti-token-"])
def test_cti_wrong_token_is_401_not_500(db, token):
    resp = Client().post(CTI + token, {"event": "newCall", "callId": "a", "direction": "in"})
    _assert_error(resp, 401, "unauthorized")
    assert not CallRecord.objects.exists()


# --- CTI: a JSON ``user`` that is neither a string nor a list of them -------------------------


@pytest.mark.parametrize("user", [True, {"name": "agent"}, 1.5, [None], [["agent"]], [True]])
def test_cti_json_user_of_the_wrong_type_is_422(db, user):
    body = {"event": "newCall", "from": "13812345678", "to": "95598", "direction": "in"}
    resp = Client().post(
        CTI + "test-cti-token",
        json.dumps({**body, "callId": "u", "user": user}),
        content_type="application/json",
    )
    _assert_error(resp, 422, "invalid", "user")
    assert not CallRecord.objects.exists()


@pytest.mark.parametrize(("user", "stored"), [(8011, ["8011"]), ("agent", ["agent"])])
def test_cti_json_user_as_a_single_value_is_accepted(db, user, stored):
    body = {"event": "newCall", "from": "13812345678", "to": "95598", "direction": "in"}
    resp = Client().post(
        CTI + "test-cti-token",
        json.dumps({**body, "callId": "u", "user": user}),
        content_type="application/json",
    )
    assert resp.status_code == 200
    assert CallRecord.objects.get(call_id="u").users == stored


@pytest.mark.parametrize("field", ["from", "to", "callId", "queue", "answeringNumber", "user"])
@pytest.mark.parametrize("as_json", [False, True])
def test_cti_nul_character_is_422(db, field, as_json):
    body = {"event": "newCall", "from": "13812345678", "to": "95598", "direction": "in"}
    body = {**body, "callId": "n", field: "a\x00b"}
    client = Client()
    if as_json:
        resp = client.post(
            CTI + "test-cti-token", json.dumps(body), content_type="application/json"
        )
    else:
        resp = client.post(CTI + "test-cti-token", body)
    _assert_error(resp, 422, "invalid", field)
    assert not CallRecord.objects.exists()


# --- NUL characters in bodies, queries and paths (PostgreSQL: DataError → 500) ---------------


def test_ticket_content_with_nul_is_422(api_as, agent):
    resp = api_as(agent).post(
        "/tickets", {"type": "repair", "channel": "phone", "content": "漏水\x00"}
    )
    _assert_error(resp, 422, "invalid", "content")
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "王\x00", "phones": [{"number": "13812345678"}]}, "name"),
        (
            {"name": "王先生", "phones": [{"number": "13812345678", "label": "家\x00"}]},
            "phones.label",
        ),
        ({"name": "王先生", "contacts": [{"name": "\x00"}]}, "contacts.name"),
        ({"name": "王先生", "tags": ["a\x00"]}, "tags"),
    ],
)
def test_customer_fields_with_nul_are_422(api_as, agent, body, field):
    resp = api_as(agent).post("/customers", body)
    _assert_error(resp, 422, "invalid", field)
    assert not Customer.objects.exists()


def test_customer_update_with_nul_is_422_and_changes_nothing(api_as, agent):
    customer = make_customer(agent, name="王先生")
    resp = api_as(agent).put(f"/customers/{customer.id}", {"name": "李\x00", "phones": []})
    _assert_error(resp, 422, "invalid", "name")
    customer.refresh_from_db()
    assert customer.name == "王先生"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/customers", {"q": "王\x00"}),
        ("/customers", {"area": "\x00"}),
        ("/tickets", {"q": "漏水\x00"}),
        ("/tickets", {"department": "\x00"}),
        ("/customers/lookup", {"phone": "138\x00"}),
    ],
)
def test_query_parameters_with_nul_are_422(api_as, agent, path, params):
    resp = api_as(agent).get(path, params)
    _assert_error(resp, 422, "invalid", next(iter(params)))


@pytest.mark.parametrize("suffix", ["", "/transitions", "/assign", "/notes", "/merge"])
def test_ticket_serial_with_nul_is_404(api_as, agent, suffix):
    client = api_as(agent)
    path = "/tickets/a%00b" + suffix
    resp = client.get(path) if not suffix else client.post(path, {"action": "accept"})
    assert resp.status_code in (404, 422), resp.content
    assert resp.json()["code"] in ("not_found", "invalid")


def test_merge_into_serial_with_nul_is_refused(api_as, agent):
    ticket = make_ticket(agent)
    resp = api_as(agent).post(f"/tickets/{ticket.serial}/merge", {"into": "T\x00"})
    _assert_error(resp, 422, "invalid", "into")


def test_attachment_upload_still_works_after_the_parser_change(api_as, agent):
    ticket = make_ticket(agent)
    client = api_as(agent)
    upload = io.BytesIO(b"hello")
    upload.name = "note.txt"
    resp = client.client.post(
        f"/api/v1/tickets/{ticket.serial}/attachments", {"file": upload}, **client.auth
    )
    assert resp.status_code == 201, resp.content


# --- integers beyond the database's range ------------------------------------------------------


def test_customer_list_page_beyond_bigint_is_not_a_500(api_as, agent):
    make_customer(agent)
    resp = api_as(agent).get("/customers", {"page": BEYOND_BIGINT})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["items"] == []
    assert body["count"] == 1
    assert body["page"] == 100000


def test_ticket_list_customer_id_beyond_bigint_is_422(api_as, agent):
    resp = api_as(agent).get("/tickets", {"customer_id": BEYOND_BIGINT})
    _assert_error(resp, 422, "invalid", "customer_id")


def test_ticket_list_customer_id_in_range_still_filters(api_as, agent):
    customer = make_customer(agent)
    make_ticket(agent, customer_id=customer.id)
    make_ticket(agent)
    resp = api_as(agent).get("/tickets", {"customer_id": customer.id})
    assert resp.status_code == 200
    assert resp.json()["count"] == 1


@pytest.mark.parametrize("customer_id", [BEYOND_BIGINT, 2**63])
def test_customer_id_path_beyond_bigint_is_404(api_as, agent, customer_id):
    client = api_as(agent)
    _assert_error(client.get(f"/customers/{customer_id}"), 404, "not_found")
    _assert_error(client.delete(f"/customers/{customer_id}"), 404, "not_found")


# --- a body past the upload limit, a body that is not JSON ----------------------------------


def test_a_body_past_the_limit_is_413_in_the_error_shape(agent, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    big = json.dumps({"type": "repair", "content": "漏" * (600 * 1024)})
    before = Ticket.objects.count()
    resp = api_as(agent).client.post(
        "/api/v1/tickets", big, content_type="application/json", **api_as(agent).auth
    )
    body = _assert_error(resp, 413, "too_large")
    assert "MB" in body["detail"] and Ticket.objects.count() == before
    # A gateway's callback too (no login there: the signature is checked after the size).
    resp = Client().post("/api/v1/sms/inbound", big, content_type="application/json")
    _assert_error(resp, 413, "too_large")


def test_a_body_that_is_not_json_is_400_in_chinese(agent, api_as):
    client = api_as(agent)
    resp = client.client.post(
        "/api/v1/tickets", "{not json", content_type="application/json", **client.auth
    )
    body = _assert_error(resp, 400, "invalid")
    assert "JSON" in body["detail"] and "Cannot parse" not in body["detail"]


@pytest.mark.parametrize("authorization", ["Bearer nope", "Bearer ", None])
def test_a_write_without_a_valid_token_or_session_is_401_not_a_csrf_error(db, authorization):
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    reply = client.post("/api/v1/tickets", "{}", content_type="application/json", **headers)
    assert (reply.status_code, reply.json()["code"]) == (401, "unauthorized")
    assert not Ticket.objects.exists()


def test_a_revoked_token_is_401_on_a_write(api_as, agent):
    from kefu.accounts.models import ApiToken

    api = api_as(agent)
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    client = Client(enforce_csrf_checks=True)
    reply = client.post("/api/v1/tickets", "{}", content_type="application/json", **api.auth)
    assert reply.status_code == 401


def test_a_session_write_still_needs_its_csrf_token(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    reply = client.post("/api/v1/tickets", "{}", content_type="application/json")
    assert reply.status_code == 403
    assert not Ticket.objects.exists()
