"""Reference data kept per process: read once, dropped at once when it changes here, and
within a second when another process changed it (the shared counter)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.accounts.models import Role, StaffProfile
from kefu.accounts.services import (
    authenticate_token,
    create_api_token,
    revoke_api_tokens,
    sync_role_group,
)
from kefu.core import refcache
from kefu.core.errors import ServiceError
from kefu.core.masking import can_view_pii
from kefu.sla.models import Policy
from kefu.sla.services import active_policies
from kefu.tickets.models import TicketType
from kefu.tickets.services import active_type
from tests.tickets.factories import make_ticket


def _another_process_changed_something() -> None:
    """What ``refcache.changed`` does in another process: the shared counter moves, nothing
    of this process's store is touched."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_cachegeneration SET value = value + 1 WHERE id = 1")


def test_a_request_type_is_read_once_then_kept(agent):
    active_type("repair")
    with CaptureQueriesContext(connection) as queries:
        assert active_type("repair").code == "repair"
    assert len(queries) == 0


def test_switching_a_type_off_refuses_it_at_once_in_this_process(agent):
    make_ticket(agent, type="inquiry")
    inquiry = TicketType.objects.get(code="inquiry")
    inquiry.is_active = False
    inquiry.save()
    with pytest.raises(ServiceError) as refused:
        make_ticket(agent, type="inquiry")
    assert refused.value.field == "type"


def test_another_process_change_is_seen_within_the_check_interval(agent, monkeypatch):
    monkeypatch.setattr(refcache, "CHECK_EVERY", 0.0)  # every read looks at the counter
    kept = active_policies()
    assert active_type("repair").label == "报修"
    TicketType.objects.filter(code="repair").update(label="报修(改)")  # no signal: "elsewhere"
    assert active_type("repair").label == "报修"  # still what this process read
    _another_process_changed_something()
    assert active_type("repair").label == "报修(改)"
    assert active_policies() is not kept  # the whole store was dropped, not one key


def test_an_unchanged_counter_is_read_at_most_once_an_interval(agent, monkeypatch):
    monkeypatch.setattr(refcache, "CHECK_EVERY", 3600.0)
    refcache.clear()  # the next read looks at the counter once
    active_type("repair")
    active_policies()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            active_type("repair")
            active_policies()
    assert len(queries) == 0


def test_a_revoked_token_is_refused_at_once_though_it_was_kept(agent):
    token, record = create_api_token(user=agent, name="PBX")
    assert authenticate_token(token) == agent  # now kept
    assert revoke_api_tokens(prefix=record.prefix) == 1
    assert authenticate_token(token) is None


def test_a_deactivated_user_is_refused_at_once_though_the_token_was_kept(agent):
    token, _ = create_api_token(user=agent, name="PBX")
    assert authenticate_token(token) == agent
    agent.is_active = False
    agent.save()
    assert authenticate_token(token) is None


def test_each_request_gets_its_own_user_object_from_a_kept_token(agent):
    token, _ = create_api_token(user=agent, name="PBX")
    first, second = authenticate_token(token), authenticate_token(token)
    assert first == second == agent and first is not second


def test_personal_data_follows_a_role_change_at_once(people):
    person = people["agent"]
    assert can_view_pii(person) is True  # now kept
    staff = StaffProfile.objects.get(user=person)
    staff.role = Role.QUALITY
    staff.save()
    next_request_user = type(person).objects.get(pk=person.pk)
    sync_role_group(next_request_user)  # the role's permission group: the m2m is watched
    assert can_view_pii(next_request_user) is False


def test_a_policy_switched_off_stops_choosing_deadlines_at_once(agent):
    assert active_policies()
    Policy.objects.update(is_active=False)  # no signal; then one saved through the admin
    policy = Policy.objects.first()
    assert policy is not None
    policy.save()
    assert active_policies() == []
    ticket = make_ticket(agent)
    assert ticket.intake_results["deadlines"] == []


def _generation() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM core_cachegeneration WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def test_a_login_keeps_what_every_process_read(agent, client):
    active_type("repair")
    before = _generation()
    client.force_login(agent)  # saves last_login only
    assert _generation() == before
    with CaptureQueriesContext(connection) as queries:
        active_type("repair")
    assert len(queries) == 0
    agent.first_name = "娜"
    agent.save()  # a real change of a watched row
    assert _generation() == before + 1


def test_a_relation_change_moves_the_counter_once(agent):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="夜班")
    before = _generation()
    agent.groups.add(group)
    assert _generation() == before + 1


def test_a_value_read_while_a_change_landed_is_not_kept(agent):
    def load_while_another_process_changes():
        refcache.changed()  # the store is emptied during the read
        return "stale"

    assert refcache.get("probe", load_while_another_process_changes) == "stale"
    assert refcache.get("probe", lambda: "fresh") == "fresh"


def test_nothing_found_is_not_kept_so_made_up_keys_cannot_fill_the_store(agent):
    for i in range(50):
        assert authenticate_token(f"kefu_made-up-{i}") is None
        assert refcache.get(("area", f"nowhere-{i}"), lambda: None) is None
    assert not any(key[0] in ("api_token", "area") for key in refcache._store)


def test_what_is_read_during_an_uncommitted_change_is_not_kept_after_a_rollback(agent):
    from django.db import transaction

    assert active_type("repair").label == "报修"
    with pytest.raises(RuntimeError), transaction.atomic():
        repair = TicketType.objects.get(code="repair")
        repair.label = "报修(未生效)"
        repair.save()  # a change of a watched row, then the transaction fails
        assert active_type("repair").label == "报修(未生效)"  # this thread sees its change
        raise RuntimeError
    assert active_type("repair").label == "报修"
