"""Reads of many customers' personal data in full are audited, one row a request (not one a
customer): the list, the caller lookup, the call pop, an outbound list's numbers and export.
A viewer who sees them masked leaves no row; a read that showed nobody neither."""

from __future__ import annotations

import pytest

from kefu.core.models import AuditLog
from tests.customers.factories import make_customer
from tests.outbound.factories import excel_list
from tests.telephony.factories import cti


@pytest.fixture
def customers(agent):
    return [make_customer(agent, name=f"客户{i}", phones=(f"1381111000{i}",)) for i in range(1, 6)]


def _reads(action: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=action).order_by("pk"))


def test_a_page_of_the_customer_list_is_one_audit_row(customers, agent, people, api_as):
    api = api_as(agent)
    response = api.get("/customers", {"per_page": 3, "q": "客户"})
    assert response.status_code == 200

    (row,) = _reads("customer.list")
    shown = [str(c["id"]) for c in response.json()["items"]]
    assert row.actor == agent and row.object_type == "customers.customer"
    assert row.detail == {"count": 3, "ids": shown, "q": "客户", "page": 1}

    # The quality inspector sees them masked: nothing to audit.
    api_as(people["quality"]).get("/customers")
    assert len(_reads("customer.list")) == 1


def test_the_list_page_and_the_lookups_are_audited_with_the_customers_shown(
    customers, agent, web_as, api_as
):
    web = web_as(agent)
    assert web.get("/customers/").status_code == 200
    (page_read,) = _reads("customer.list")
    assert page_read.detail["count"] == 5

    api_as(agent).get("/customers/lookup", {"phone": "13811110002"})
    web.get("/workbench/lookup", {"phone": "138 1111 0003"})
    api_as(agent).get("/customers/lookup", {"phone": "13900000000"})  # nobody: no row
    lookups = _reads("customer.lookup")
    assert [(r.detail["ids"], r.detail["phone"]) for r in lookups] == [
        ([str(customers[1].pk)], "13811110002"),
        ([str(customers[2].pk)], "13811110003"),
    ]


def test_a_call_pop_showing_a_customer_is_audited_once_a_call(customers):
    cti("newCall", "pop-1", number="13811110004")
    cti("answer", "pop-1", number="13811110004", user=["agent"])
    cti("hangup", "pop-1", number="13811110004", cause="normalClearing")
    cti("newCall", "pop-2", number="13700000000")  # an unknown number shows nobody

    (row,) = _reads("customer.pop")
    assert row.actor is None
    assert row.detail == {"count": 1, "ids": [str(customers[3].pk)], "call": "pop-1", "agents": []}


def test_an_outbound_lists_numbers_and_its_export_are_audited(db, people, web_as, api_as):
    lead = people["lead"]
    built = excel_list(lead)
    outbound = built.outbound
    api_as(lead).get(f"/outbound/lists/{outbound.pk}/entries", {"per_page": 2})
    web = web_as(lead)
    web.get(f"/outbound/{outbound.pk}/")
    response = web.get(f"/outbound/{outbound.pk}.xlsx")
    assert response.status_code == 200

    api_read, page_read = _reads("outbound.list")
    (export,) = _reads("outbound.export")
    entries = outbound.entries.count()
    assert api_read.detail["count"] == 2 and api_read.detail["list"] == outbound.pk
    assert page_read.detail["count"] == export.detail["count"] == entries
    assert export.actor == lead

    # The quality inspector reads the same list masked: no row.
    web_as(people["quality"]).get(f"/outbound/{outbound.pk}.xlsx")
    assert len(_reads("outbound.export")) == 1
