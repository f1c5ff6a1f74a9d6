"""Property-based fuzzing of the REST API from its own OpenAPI schema (schemathesis 4).

Every operation is called with generated (valid and invalid) parameters and bodies, against the
WSGI app in process, twice: with an administrator's token (every operation open to them) and
with the quality inspector's (a low role: most writes refused, numbers masked). However wrong
the input, the answer must be one the schema declares — never a server error (5xx), a status it
does not list, or a body unlike its declared schema (a 4xx in the error shape). Half of the
examples that take a ticket serial or customer id are pointed at a real ticket or customer, so
the generated bodies reach the services rather than stopping at "not found".

Bounded and deterministic: schemathesis' coverage cases (the administrator's run) and 10
generated examples per operation, derandomized (same cases every run), no example database;
the whole file takes about 2½ minutes on SQLite (two cores, otherwise idle).
"""

from __future__ import annotations

import itertools
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.db.models import Count
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kefu.accounts.models import Role
from kefu.accounts.services import create_api_token
from kefu.telephony.models import CallRecord
from kefu.wsgi import application
from tests.accounts.factories import make_org, make_person, make_personas
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# The low role's run goes without the coverage phase (its boundary values, each parameter's
# edges and wrong types, are what the administrator's run already sends; for this role most
# operations stop at 403): it keeps the whole file within about four minutes.
low_role_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
low_role_schema.config.phases.coverage.enabled = False

FUZZ_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# What every answer is held to: no 5xx; a status the operation declares (its success, or any
# 4xx); a content type and a body that match what is declared for that status.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(db):
    org = make_org()
    people = make_personas(org)
    agent = people["agent"]
    admin = make_person("admin", Role.ADMIN, number="9000", name="管理员")
    customer = make_customer(agent, name="王先生", phones=("13812345678",))
    ticket = make_ticket(agent, customer_id=customer.id, caller_number="13812345678")
    tokens = {
        "admin": create_api_token(user=admin, name="fuzz")[0],
        "quality": create_api_token(user=people["quality"], name="fuzz")[0],
    }
    return {"tokens": tokens, "serial": ticket.serial, "customer_id": customer.id}


@pytest.fixture
def keep_connection():
    """Serve the raw WSGI app like Django's test client does: without closing the database
    connection at the end of each request (that would close the test's own transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def turn():
    return itertools.count()


def _call(case, world, turn, persona: str) -> None:
    params = case.path_parameters or {}
    if next(turn) % 2 == 0:
        if "serial" in params:
            params["serial"] = world["serial"]
        if "customer_id" in params:
            params["customer_id"] = world["customer_id"]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world['tokens'][persona]}"}, checks=CHECKS
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_answers_as_declared_to_an_administrator(
    case, world, turn, keep_connection
):
    _call(case, world, turn, "admin")


@low_role_schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_answers_as_declared_to_a_low_role(case, world, turn, keep_connection):
    _call(case, world, turn, "quality")


# The CTI route takes no declared body (a PBX posts form fields or JSON), so the schema fuzzer
# only ever sends it a random token. Fuzz its body here, with the right token.

CTI_KEYS = [
    "event",
    "from",
    "to",
    "direction",
    "callId",
    "user",
    "queue",
    "cause",
    "answeringNumber",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
likely_values = {
    "event": st.sampled_from(["newCall", "answer", "hangup"]) | json_values,
    "direction": st.sampled_from(["in", "out"]) | json_values,
    "callId": st.sampled_from(["c1", "c2"]) | json_values,
    "cause": st.sampled_from(["normalClearing", "noAnswer", "busy"]) | json_values,
    "user": st.lists(st.sampled_from(["agent", "李娜", "8011", "nobody"]), max_size=2)
    | json_values,
    "answeringNumber": st.sampled_from(["8011", "8001", ""]) | json_values,
}
cti_bodies = st.fixed_dictionaries(
    {},
    optional={key: likely_values.get(key, json_values) for key in CTI_KEYS},
)


@settings(FUZZ_SETTINGS, max_examples=150)
@given(body=cti_bodies, as_json=st.booleans())
def test_cti_endpoint_never_answers_with_a_server_error(world, body, as_json):
    client = Client()
    if as_json:
        resp = client.post(
            "/api/v1/cti/test-cti-token", json.dumps(body), content_type="application/json"
        )
    else:
        form = {k: v for k, v in body.items() if v is not None and not isinstance(v, dict)}
        resp = client.post("/api/v1/cti/test-cti-token", form)
    assert resp.status_code in (200, 422), (body, resp.status_code, resp.content[:300])
    if resp.status_code == 422:
        assert resp.json()["code"] == "invalid"
    # Whatever arrives, a call is one record: events of a callId never make a second one.
    per_call = CallRecord.objects.values("call_id").annotate(n=Count("id"))
    assert not per_call.filter(n__gt=1).exists()
