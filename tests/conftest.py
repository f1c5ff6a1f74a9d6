"""Shared fixtures: the test center's organization and personas, API clients."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.accounts.services import create_api_token
from kefu.core import refcache
from tests.accounts.factories import make_org, make_personas

# A real HTTP server standing in for an integrator's webhook receiver or an SMS gateway (the
# edge of the world), for every app's tests.
from tests.notify.conftest import http_receiver, sms_gateway  # noqa: E402,F401


def pytest_collection_modifyitems(config, items):
    """``postgres_only`` tests run on the PostgreSQL run (DATABASE_URL=postgres://...) only."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_reference_data(monkeypatch):
    """Each test starts with nothing kept in the process (a test's rows are rolled back). In
    one process a change drops what was kept at once: the shared counter, read once a second
    for other processes' changes, is left out, so that query counts are exact (its own test
    turns it back on)."""
    monkeypatch.setattr(refcache, "CHECK_EVERY", float("inf"))
    refcache.clear()
    yield
    refcache.clear()


@pytest.fixture
def org(db):
    return make_org()


@pytest.fixture
def people(org):
    return make_personas(org)


@pytest.fixture
def agent(people):
    return people["agent"]


@pytest.fixture
def lead(people):
    return people["lead"]


@pytest.fixture
def dept_handler(people):
    return people["dept_handler"]


@pytest.fixture
def other_dept_handler(people):
    return people["other_dept_handler"]


class ApiClient:
    """Django's test client speaking JSON with a bearer token, as an integrator would."""

    def __init__(self, user):
        self.token, _ = create_api_token(user=user, name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def get(self, path, params=None):
        return self.client.get("/api/v1" + path, params or {}, **self.auth)

    def post(self, path, body=None):
        return self.client.post(
            "/api/v1" + path, body or {}, content_type="application/json", **self.auth
        )

    def put(self, path, body=None):
        return self.client.put(
            "/api/v1" + path, body or {}, content_type="application/json", **self.auth
        )

    def delete(self, path):
        return self.client.delete("/api/v1" + path, **self.auth)


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture
def web_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# The reference data the migrations load (request types, time-limit policies, complaint
# categories and hotlines, notification templates, callback rules, dispatch SMS templates).
# A test that commits for real (transaction=True) starts after another such test flushed it
# all away: this loads it again, each loader adding only what is missing.
REFERENCE_LOADERS = [
    ("kefu.tickets.migrations.0002_search_and_types", "create_types"),
    ("kefu.tickets.migrations.0008_work_order_kind", "set_work_order_kinds"),
    ("kefu.sla.migrations.0002_default_policies", "add_policies"),
    ("kefu.sla.migrations.0008_policies_every_type", "add_policies"),
    ("kefu.complaints.migrations.0002_defaults", "add_defaults"),
    ("kefu.notify.migrations.0002_default_templates", "load"),
    ("kefu.followups.migrations.0002_default_rules", "add_rules"),
    ("kefu.dispatch.migrations.0002_default_templates", "add_templates"),
    ("kefu.dispatch.migrations.0003_default_rules", "load"),
    ("kefu.knowledge.migrations.0003_default_synonyms", "add_groups"),
    ("kefu.triage.migrations.0002_matters", "add_matters"),
    ("kefu.knowledge.migrations.0005_default_scripts", "add_scripts"),
    ("kefu.core.migrations.0005_default_phrases", "add_phrases"),
]


@pytest.fixture
def reference_data(transactional_db):
    import importlib

    from django.apps import apps

    for module, function in REFERENCE_LOADERS:
        getattr(importlib.import_module(module), function)(apps, None)
