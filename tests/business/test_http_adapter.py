"""The HTTP/JSON connector against a real local server: mapping, not found, slow, failing,
bad JSON, and the circuit breaker opening and closing."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kefu.business.adapters import (
    HttpAdapter,
    Mapper,
    MappingError,
    State,
    breaker_for,
    get_path,
)
from kefu.business.admin import mask_secret
from kefu.business.models import Connector, Kind
from kefu.business.services import lookup
from tests.business.factories import account_connector, shipment_connector


def test_connector_maps_their_fields_to_ours_and_sends_the_auth_header(db, billing):
    adapter = HttpAdapter(account_connector(billing))

    outcome = adapter.account("SW100001")

    assert outcome.state == State.OK and outcome.source == "营收系统"
    account = outcome.data
    assert (account.account_no, account.owner, account.arrears, account.balance) == (
        "SW100001",
        "王建国",
        Decimal("86.40"),
        Decimal("0.00"),
    )
    # Newest bill first, their 已缴/未缴 read as paid or not.
    assert [(b.period, b.usage, b.amount, b.paid) for b in account.bills] == [
        ("2026-06", Decimal(18), Decimal("86.40"), False),
        ("2026-05", Decimal(16), Decimal("76.80"), True),
    ]
    assert billing.requests == [("/accounts/SW100001", "secret-key-123")]


def test_url_values_are_quoted(db, billing):
    adapter = HttpAdapter(account_connector(billing))

    assert adapter.account("A/1 2").state == State.NOT_FOUND
    assert billing.requests[0][0] == "/accounts/A%2F1%202"


def test_unknown_account_is_not_found_and_not_a_failure(db, billing):
    connector = account_connector(billing, fail_max=1)
    adapter = HttpAdapter(connector)

    assert adapter.account("NOPE").state == State.NOT_FOUND
    assert adapter.account("NOPE").state == State.NOT_FOUND
    assert breaker_for(connector).state == "closed"


def test_shipment_with_tracking_events_newest_first(db, billing):
    adapter = HttpAdapter(shipment_connector(billing))

    outcome = adapter.shipments(waybill="YD001")

    assert outcome.state == State.OK
    [shipment] = outcome.data
    assert (shipment.waybill, shipment.status, shipment.origin, shipment.destination) == (
        "YD001",
        "派送中",
        "深圳",
        "杭州",
    )
    assert [(e.at.strftime("%m-%d %H:%M"), e.place, e.description) for e in shipment.events] == [
        ("06-02 19:10", "杭州", "派送中"),
        ("06-01 08:30", "深圳", "已揽收"),
    ]


def test_slow_system_answers_slow_within_the_timeout(db, billing):
    billing.mode = "slow"  # answers after 1 s; the connector waits 300 ms
    adapter = HttpAdapter(account_connector(billing))

    start = time.perf_counter()
    outcome = adapter.account("SW100001")
    waited = time.perf_counter() - start

    assert outcome.state == State.SLOW
    assert 0.25 < waited < 0.6


def test_failing_system_and_bad_json_are_unavailable(db, billing):
    adapter = HttpAdapter(account_connector(billing, fail_max=10))

    billing.mode = "fail"
    assert adapter.account("SW100001").state == State.UNAVAILABLE
    billing.mode = "badjson"
    assert adapter.account("SW100001").state == State.UNAVAILABLE


def test_json_that_does_not_fit_the_mapping_is_unavailable(db, billing):
    adapter = HttpAdapter(account_connector(billing, field_map={"account_no": "data.missing"}))

    assert adapter.account("SW100001").state == State.UNAVAILABLE


def test_nothing_listening_is_unavailable(db):
    connector = Connector.objects.create(
        name="x", kind=Kind.ACCOUNT, url_template="http://127.0.0.1:9/{account_no}"
    )

    assert HttpAdapter(connector).account("SW1").state == State.UNAVAILABLE


def test_breaker_opens_after_consecutive_failures_then_half_open_closes_it(db, billing):
    connector = account_connector(billing, fail_max=3, reset_seconds=1)
    adapter = HttpAdapter(connector)
    billing.mode = "fail"
    for _ in range(3):
        assert adapter.account("SW100001").state == State.UNAVAILABLE
    assert len(billing.requests) == 3
    assert breaker_for(connector).state == "open"

    # Open: answered at once, the system not asked, even when it is healthy again.
    billing.mode = "ok"
    start = time.perf_counter()
    assert adapter.account("SW100001").state == State.UNAVAILABLE
    assert time.perf_counter() - start < 0.05
    assert len(billing.requests) == 3

    # After the cool-down one lookup is let through; it succeeds and closes the breaker.
    time.sleep(1.1)
    assert adapter.account("SW100001").state == State.OK
    assert breaker_for(connector).state == "closed"
    assert len(billing.requests) == 4


def test_timeouts_count_as_failures_and_a_failed_trial_reopens(db, billing):
    connector = account_connector(billing, fail_max=2, reset_seconds=1, timeout_ms=100)
    adapter = HttpAdapter(connector)
    billing.mode = "slow"
    assert adapter.account("SW100001").state == State.SLOW
    assert adapter.account("SW100001").state == State.SLOW
    # Each request's thread sees its own timeout just after the workbench stopped waiting.
    assert _eventually(lambda: breaker_for(connector).state == "open")
    assert adapter.account("SW100001").state == State.UNAVAILABLE

    billing.mode = "fail"
    time.sleep(1.1)
    assert adapter.account("SW100001").state == State.UNAVAILABLE  # the trial failed
    assert breaker_for(connector).state == "open"


def _eventually(check, seconds: float = 1.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_lowered_threshold_applies_at_once(db, billing):
    connector = account_connector(billing, fail_max=5)
    adapter = HttpAdapter(connector)
    billing.mode = "fail"
    adapter.account("SW100001")
    connector.fail_max = 2
    connector.save()

    HttpAdapter(connector).account("SW100001")

    assert breaker_for(connector).state == "open"


def test_half_open_lets_one_trial_through_however_many_ask(db, billing):
    connector = account_connector(billing, fail_max=1, reset_seconds=1)
    billing.mode = "fail"
    HttpAdapter(connector).account("SW100001")
    time.sleep(1.05)
    breaker = breaker_for(connector)

    assert breaker.state == "half_open"
    assert [breaker.allow() for _ in range(3)] == [True, False, False]


def test_lookup_uses_the_enabled_connector_and_the_pop_waits_no_longer_than_its_timeout(
    agent, billing
):
    account_connector(billing, timeout_ms=200)
    shipment_connector(billing, timeout_ms=200, url_template=billing.base + "/shipments/{phone}")
    billing.mode = "slow"

    start = time.perf_counter()
    view = lookup(agent, account_no="SW100001", phone="13812345678")
    waited = time.perf_counter() - start

    # Two slow systems share one budget: the account took it all, the shipments got none.
    assert (view.account.state, view.shipments.state) == (State.SLOW, State.SLOW)
    assert waited < 0.3


def test_disabled_connector_leaves_the_local_store_answering(agent, billing):
    account_connector(billing, enabled=False)

    view = lookup(agent, account_no="SW100001")

    assert view.account.state == State.NOT_FOUND and view.account.source == "local"
    assert billing.requests == []


def test_get_path_reads_dicts_and_list_indexes():
    data = {"a": {"b": [{"c": 1}, {"c": 2}]}}

    assert get_path(data, "a.b.1.c") == 2
    assert get_path(data, "a.b.-1.c") == 2
    assert get_path(data, "a.x") is not None and get_path(data, "a.b.5") is get_path(data, "a.x")


def test_mapper_refuses_money_that_is_not_a_number():
    with pytest.raises(MappingError):
        Mapper({}).account({"account_no": "1", "arrears": "很多"})


def test_mapper_reads_a_list_of_shipments_when_items_is_mapped():
    found = Mapper({"items": "rows"}).shipments(
        {"rows": [{"waybill": "A", "status": "已签收", "events": []}, {"waybill": "B"}]}
    )

    assert [(s.waybill, s.status) for s in found] == [("A", "已签收"), ("B", "")]


def test_connector_validation_names_each_bad_field(db):
    connector = Connector(
        name="x",
        kind=Kind.ACCOUNT,
        url_template="ftp://x",
        timeout_ms=20,
        fail_max=0,
        field_map={"arrears": 3},
        auth_header="X-Key",
    )

    with pytest.raises(ValidationError) as error:
        connector.clean()

    assert set(error.value.message_dict) == {
        "url_template",
        "timeout_ms",
        "fail_max",
        "field_map",
        "auth_header",
    }


def test_admin_shows_the_auth_secret_masked_and_keeps_it_when_left_blank(admin_client, billing):
    connector = account_connector(billing)

    page = admin_client.get("/admin/business/connector/").content.decode()
    assert "X-Api-Key: se****23" in page and "secret-key-123" not in page
    form = admin_client.get(f"/admin/business/connector/{connector.pk}/change/").content.decode()
    assert "secret-key-123" not in form

    response = admin_client.post(
        f"/admin/business/connector/{connector.pk}/change/",
        {
            "name": "营收系统",
            "kind": "account",
            "url_template": connector.url_template,
            "auth_header": "X-Api-Key",
            "auth_value": "",
            "field_map": '{"arrears": "data.owed"}',
            "timeout_ms": 500,
            "fail_max": 3,
            "reset_seconds": 10,
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    connector.refresh_from_db()
    assert (connector.auth_value, connector.timeout_ms) == ("secret-key-123", 500)
    assert mask_secret("abc") == "***"


@pytest.mark.parametrize("value", [1e20, float("inf"), float("nan"), -1e20])
def test_a_time_out_of_range_is_a_mapping_error_not_a_crash(value):
    """A billing system's Unix time that no date holds (JSON allows Infinity) makes the answer
    unusable — "unavailable" on the workbench — never a 500."""
    from kefu.business.adapters import MappingError, to_datetime

    with pytest.raises(MappingError):
        to_datetime(value)
