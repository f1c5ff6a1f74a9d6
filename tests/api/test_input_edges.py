"""Inputs at the edges (issue 14 §6): dates of year 1 or 9999, bodies past the size limit or
with too many fields, JSON nested too deep. Each answers a 4xx in the API's error shape (or a
page's form error), never a 500, and writes nothing.

Every date and datetime an operation of the API takes is found by walking the operations'
input declarations, so a field added later is covered without a line here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import pkgutil
import types
import typing

import pytest
from django import forms
from django.test import Client

import kefu
from kefu.api import api
from kefu.core.schemas import DayField, MomentField, in_years
from kefu.dispatch.models import WorkOrder
from kefu.notices.models import Notice
from kefu.sms.models import InboundSms
from kefu.telephony.models import CallRecord
from kefu.tickets.models import Ticket
from tests.sms.conftest import SECRET as SMS_SECRET
from tests.sms.conftest import Gateway
from tests.tickets.factories import make_ticket

CTI = "/api/v1/cti/test-cti-token"
EDGES = {dt.date: ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"]}
EDGES[dt.datetime] = [
    "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:59:59-08:00",
    "9999-12-31T00:00:00",
    "1999-12-31T23:59:00+08:00",
]


def _error(resp, status: int, code: str, field=None) -> dict:
    assert resp.status_code == status, resp.content[:500]
    body = resp.json()
    assert body["code"] == code and body["detail"], body
    if field is not None:
        assert body["field"] == field or field in [e["field"] for e in body["errors"]], body
    return body


# --- every date and datetime of the API's inputs -------------------------------------------


def _date_types(annotation) -> typing.Iterator[tuple[type, bool]]:
    """The date and datetime types inside ``annotation``, each with whether the range check of
    kefu.core.schemas is on it (an ``Annotated`` carrying ``in_years``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extras = typing.get_args(annotation)
        checked = any(getattr(extra, "func", None) is in_years for extra in extras)
        for found, inner_checked in _date_types(inner):
            yield found, checked or inner_checked
    elif origin in (typing.Union, types.UnionType, list, tuple, set):
        for arg in typing.get_args(annotation):
            yield from _date_types(arg)
    elif annotation in (dt.date, dt.datetime):
        yield annotation, False


def _date_inputs():
    """(method, path, location, field, type, checked) of every date input of the API."""
    found = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.signature.models:
                    location = model.__ninja_param_source__
                    for param in model.model_fields.values():
                        schema = param.annotation
                        for name, field in getattr(schema, "model_fields", {}).items():
                            top = any(getattr(m, "func", None) is in_years for m in field.metadata)
                            for kind, checked in _date_types(field.annotation):
                                method = operation.methods[0]
                                found.append(
                                    (method, prefix + path, location, name, kind, checked or top)
                                )
    return found


DATE_INPUTS = _date_inputs()


def test_the_walk_finds_the_date_inputs():
    names = {(m, p, f) for m, p, _, f, _, _ in DATE_INPUTS}
    assert ("GET", "/tickets", "date_to") in names
    assert ("POST", "/tickets", "reply_by") in names
    assert ("POST", "/workorders", "ordered_at") in names
    assert ("POST", "/notices", "expected_end") in names
    assert len(DATE_INPUTS) >= 30


def test_every_date_input_of_the_api_refuses_years_outside_the_range():
    unchecked = [(m, p, f) for m, p, _, f, _, checked in DATE_INPUTS if not checked]
    assert unchecked == []


def _concrete(path: str) -> str:
    for pattern, value in (("{int:", "1"), ("{", "x")):
        while pattern in path:
            start = path.index(pattern)
            path = path[:start] + value + path[path.index("}", start) + 1 :]
    return "/api/v1" + path


@pytest.mark.parametrize(
    ("method", "path", "location", "field", "kind"),
    [row[:5] for row in DATE_INPUTS],
    ids=[f"{m} {p} {f}" for m, p, _, f, _, _ in DATE_INPUTS],
)
def test_a_date_at_the_edges_is_422_naming_the_field(
    api_as, people, method, path, location, field, kind
):
    admin = people["supervisor"]
    client = api_as(admin)
    url = _concrete(path)
    for value in EDGES[kind]:
        if location == "query":
            resp = client.client.get(url, {field: value}, **client.auth)
        elif location == "form":
            resp = client.client.post(url, {field: value}, **client.auth)
        else:
            resp = client.client.generic(
                method, url, json.dumps({field: value}), "application/json", **client.auth
            )
        body = _error(resp, 422, "invalid")
        messages = {e["field"]: e for e in body["errors"]}
        assert field in messages, (value, body)
        assert messages[field]["type"] == "year_out_of_range", (value, body)
        assert "2000" in messages[field]["message"], messages[field]


@pytest.mark.parametrize("value", ["2000-01-01", "2100-12-31"])
def test_the_first_and_last_day_of_the_range_are_taken(api_as, people, value):
    client = api_as(people["supervisor"])
    resp = client.get("/tickets", {"date_from": value, "date_to": value})
    assert resp.status_code == 200, resp.content
    assert resp.json()["count"] == 0


# The ones the probe found, with what they must leave behind.


@pytest.mark.parametrize("query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
@pytest.mark.parametrize("path", ["/tickets", "/followups/stats"])
def test_ticket_list_and_followup_stats_at_the_edges_are_422(api_as, people, path, query):
    _error(api_as(people["supervisor"]).get(path, query), 422, "invalid", next(iter(query)))


@pytest.mark.parametrize(
    "query", [{"until": "9999-12-31T23:59:59+08:00"}, {"since": "0001-01-01T00:00:00+08:00"}]
)
def test_work_order_latency_at_the_edges_is_422(api_as, people, query):
    _error(api_as(people["supervisor"]).get("/workorders/latency", query), 422, "invalid")


def test_a_work_order_ordered_in_year_1_is_422_and_writes_nothing(api_as, agent):
    ticket = make_ticket(agent)
    body = {
        "serial": ticket.serial,
        "kind": "repair",
        "address": "阳光花园 3 栋",
        "ordered_at": "0001-01-01T00:00:00+08:00",
    }
    _error(api_as(agent).post("/workorders", body), 422, "invalid", "ordered_at")
    assert not WorkOrder.objects.exists()


def test_a_reply_by_in_9999_is_422_and_writes_nothing(api_as, agent):
    body = {"type": "repair", "channel": "phone", "content": "漏水"}
    resp = api_as(agent).post("/tickets", {**body, "reply_by": "9999-12-31T12:00:00+08:00"})
    _error(resp, 422, "invalid", "reply_by")
    assert not Ticket.objects.exists()


def test_a_notice_expected_to_end_in_9999_is_422_and_writes_nothing(api_as, people):
    body = {
        "kind": "water",
        "title": "停水",
        "content": "管道检修",
        "areas": ["yhy"],
        "starts_at": "2026-12-08T08:00:00+08:00",
        "expected_end": "9999-12-31T18:00:00+08:00",
    }
    _error(api_as(people["supervisor"]).post("/notices", body), 422, "invalid", "expected_end")
    assert not Notice.objects.exists()


# --- the pages with the same inputs --------------------------------------------------------


@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01"])
def test_the_callback_statistics_page_at_the_edges_shows_the_error_with_422(web_as, people, query):
    resp = web_as(people["supervisor"]).get(f"/followups/stats?{query}")
    assert resp.status_code == 422, resp.status_code
    assert "年份应在 2000 到 2100 之间" in resp.content.decode()


@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01"])
def test_the_ticket_list_page_at_the_edges_shows_the_error_and_leaves_the_filter_out(
    web_as, agent, query
):
    make_ticket(agent, content="厨房漏水")
    resp = web_as(agent).get(f"/tickets/?view=all&{query}")
    assert resp.status_code == 200, resp.status_code
    page = resp.content.decode()
    assert "年份应在 2000 到 2100 之间" in page and "厨房漏水" in page


def test_the_ticket_list_page_within_the_range_still_filters(web_as, agent):
    make_ticket(agent, content="厨房漏水")
    resp = web_as(agent).get("/tickets/?view=all&date_from=2000-01-01&date_to=2100-12-31")
    assert resp.status_code == 200
    assert "厨房漏水" in resp.content.decode()


def _forms():
    """Every form class of the pages (kefu.<app>.forms)."""
    found = []
    for module in pkgutil.iter_modules(kefu.__path__):
        try:
            forms_module = importlib.import_module(f"kefu.{module.name}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(forms_module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                found.append(value)
    return found


def test_every_date_field_of_the_pages_refuses_years_outside_the_range():
    ours = {forms.DateTimeField: MomentField, forms.DateField: DayField}
    loose = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _forms()
        for name, field in form.base_fields.items()
        if any(
            isinstance(field, base) and not isinstance(field, kind) for base, kind in ours.items()
        )
    ]
    assert loose == []


# --- bodies past the limits, nested too deep -------------------------------------------------


def test_a_cti_form_of_1500_fields_is_400_in_the_error_shape(db):
    resp = Client().post(CTI, {f"f{n}": "1" for n in range(1500)})
    _error(resp, 400, "invalid")
    assert not CallRecord.objects.exists()


@pytest.mark.parametrize("depth", [100, 950, 100_000])
@pytest.mark.parametrize("path", [CTI, "/api/v1/tickets"])
def test_json_nested_too_deep_is_400(api_as, agent, path, depth):
    client = api_as(agent)
    deep = '{"event": ' + "[" * depth + "]" * depth + "}"
    resp = client.client.post(path, deep, content_type="application/json", **client.auth)
    body = _error(resp, 400, "invalid")
    assert "JSON" in body["detail"]
    assert not CallRecord.objects.exists() and not Ticket.objects.exists()


def test_json_nested_a_little_is_still_read(db):
    body = {"event": "newCall", "from": "13812345678", "to": "95598", "direction": "in"}
    body = {**body, "callId": "n1", "user": ["agent"], "extra": {"a": [[{"b": 1}]]}}
    resp = Client().post(CTI, json.dumps(body), content_type="application/json")
    assert resp.status_code == 200, resp.content
    assert CallRecord.objects.filter(call_id="n1").exists()


BIG = 25 * 1024 * 1024


@pytest.mark.parametrize("as_json", [True, False])
def test_a_25_mb_cti_body_is_413_in_the_error_shape(db, as_json):
    if as_json:
        body = json.dumps({"event": "newCall", "callId": "x" * BIG})
        resp = Client().post(CTI, body, content_type="application/json")
    else:
        resp = Client().post(CTI, {"event": "newCall", "callId": "x" * BIG})
    _error(resp, 413, "too_large")
    assert not CallRecord.objects.exists()


def test_a_25_mb_multipart_body_to_the_api_is_413_in_the_error_shape(api_as, agent):
    ticket = make_ticket(agent)
    client = api_as(agent)
    url = f"/api/v1/tickets/{ticket.serial}/attachments"
    resp = client.client.post(url, {"note": "x" * BIG}, **client.auth)
    _error(resp, 413, "too_large")
    upload = io.BytesIO(b"x" * BIG)
    upload.name = "big.txt"
    resp = client.client.post(url, {"file": upload}, **client.auth)
    _error(resp, 413, "too_large", "file")
    assert not ticket.attachments.exists()


def test_a_25_mb_json_body_to_the_api_is_413_in_the_error_shape(api_as, agent):
    client = api_as(agent)
    big = json.dumps({"type": "repair", "channel": "phone", "content": "x" * BIG})
    resp = client.client.post("/api/v1/tickets", big, "application/json", **client.auth)
    _error(resp, 413, "too_large")
    assert not Ticket.objects.exists()


def test_the_sms_webhook_refuses_json_nested_too_deep_as_unreadable(settings, org):
    settings.SMS_INBOUND_SECRET = SMS_SECRET
    body = '{"from": "13812345678", "id": "gw-deep", "text": ' + "[" * 5000 + "]" * 5000 + "}"
    resp = Gateway().post_raw(body.encode(), content_type="application/json")
    _error(resp, 422, "invalid")
    assert InboundSms.objects.get().status == InboundSms.Status.INVALID
    assert not Ticket.objects.exists()


# --- an error names the field as sent, whatever the handler calls its body -------------------


@pytest.mark.parametrize(
    ("path", "field"), [("/triage", "text"), ("/knowledge/questions", "serial")]
)
def test_a_missing_field_is_named_alone(api_as, agent, path, field):
    _error(api_as(agent).post(path, {}), 422, "invalid", field)


# --- an address under the API that names nothing, the schema of a refusal --------------------


@pytest.mark.parametrize(
    "path", ["/customers/null,null", "/notices/abc/preview", "/no-such-thing", "/tickets/"]
)
def test_an_address_under_the_api_that_names_nothing_is_404_in_the_error_shape(api_as, agent, path):
    client = Client(enforce_csrf_checks=True)
    auth = api_as(agent).auth
    for resp in (
        client.get("/api/v1" + path, **auth),
        client.post("/api/v1" + path, "{}", "application/json", **auth),
        client.delete("/api/v1" + path, **auth),
    ):
        assert resp["Content-Type"] == "application/json; charset=utf-8"
        _error(resp, 404, "not_found")


def test_the_schema_declares_the_error_shape_for_every_refusal(db):
    schema = Client().get("/api/v1/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["code", "detail", "field", "errors"]
    refusals = {
        (method, path): operation["responses"].get("4XX")
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    assert len(refusals) > 150
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    assert [
        k for k, r in refusals.items() if r["content"]["application/json"]["schema"] != ref
    ] == []
