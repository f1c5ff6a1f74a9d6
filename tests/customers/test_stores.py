"""门店 over the API: the center's supervisors and administrators open and change stores (by
the code the till system sends), never delete one; a closed store takes no new members; each
reader lists the stores of their reach with their members; bad input is a 422 naming the
field with nothing written."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Role
from kefu.core.models import AuditLog
from kefu.customers.models import Member, Store
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
from tests.customers.member_factories import make_member, make_store


def test_a_supervisor_opens_changes_and_closes_a_store(org, people, api_as):
    api = api_as(people["supervisor"])
    opened = api.put("/customers/stores/S-10", {"name": "滨江店", "branch": "hq"})
    assert opened.status_code == 201, opened.content
    assert opened.json() == {
        "code": "S-10",
        "name": "滨江店",
        "branch": "hq",
        "branch_name": org["hq"].name,
        "is_active": True,
        "members": 0,
    }
    store = Store.objects.get(code="S-10")
    make_member(people["agent"], store, "VIP700")
    moved = api.put("/customers/stores/S-10", {"name": "滨江旗舰店", "branch": "sz"})
    assert moved.status_code == 200
    assert (moved.json()["name"], moved.json()["branch"], moved.json()["members"]) == (
        "滨江旗舰店",
        "sz",
        1,
    )
    closed = api.put(
        "/customers/stores/S-10", {"name": "滨江旗舰店", "branch": "sz", "is_active": False}
    )
    assert closed.status_code == 200 and closed.json()["is_active"] is False
    assert Store.objects.filter(code="S-10").count() == 1  # changed in place, never deleted
    actions = list(
        AuditLog.objects.filter(object_type="customers.store").order_by("id").values_list("action")
    )
    assert actions == [("store.open",), ("store.update",), ("store.update",)]
    # A closed store takes no new member.
    customer = make_customer(people["agent"], name="冯女士", phones=("13700000021",))
    refused = api_as(people["agent"]).put(
        f"/customers/{customer.pk}/membership",
        {"number": "VIP701", "store": "S-10", "joined_on": "2026-11-01"},
    )
    assert (refused.status_code, refused.json()["field"]) == (422, "store")
    # Its members keep it while the rest of their card changes.
    member = Member.objects.get(number="VIP700")
    kept = api_as(people["agent"]).put(
        f"/customers/{member.customer_id}/membership",
        {"number": "VIP700", "store": "S-10", "joined_on": "2024-01-01", "level": "gold"},
    )
    assert kept.status_code == 200, kept.content
    assert (kept.json()["store"], kept.json()["level"]) == ("S-10", "gold")
    listed = api.get("/customers/stores").json()
    assert [(s["code"], s["is_active"], s["members"]) for s in listed["items"]] == [
        ("S-10", False, 1)
    ]


@pytest.mark.parametrize(
    ("code", "body", "field"),
    [
        ("S 01", {"name": "x", "branch": "hq"}, "code"),
        ("门店一", {"name": "x", "branch": "hq"}, "code"),
        ("S" * 21, {"name": "x", "branch": "hq"}, "code"),
        ("S01", {"name": "  ", "branch": "hq"}, "name"),
        ("S01", {"name": "x" * 61, "branch": "hq"}, "name"),
        ("S01", {"name": "x", "branch": "nowhere"}, "branch"),
        ("S01", {"name": "x", "branch": "h\u0000q"}, "branch"),
        ("S01", {"name": "x\u0000", "branch": "hq"}, "name"),
        ("S01", {"name": "x"}, "branch"),
        ("S01", {"name": "x", "branch": "hq", "is_active": "maybe"}, "is_active"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(org, api_as, code, body, field):
    admin = make_person("admin", Role.ADMIN, number="0001")
    answer = api_as(admin).put(f"/customers/stores/{code}", body)
    assert answer.status_code == 422, answer.content
    got = answer.json()
    assert field in [got.get("field")] + [e.get("field") for e in got.get("errors", [])]
    assert not Store.objects.exists()


def test_who_may_open_and_who_lists_which_stores(org, people, api_as):
    make_store(org, "S01", "人民路店")
    make_store(org, "S09", "南山店", "sz")
    body = {"name": "新店", "branch": "hq"}
    for role in ("agent", "lead", "gm", "quality", "dept_handler"):
        assert api_as(people[role]).put("/customers/stores/S02", body).status_code == 403, role
    sz_supervisor = make_person("sz-sup", Role.SUPERVISOR, number="8601", branch=org["sz"])
    assert api_as(sz_supervisor).put("/customers/stores/S02", body).status_code == 403
    assert not Store.objects.filter(code="S02").exists()

    def codes(user):
        answer = api_as(user).get("/customers/stores")
        if answer.status_code != 200:
            return answer.status_code
        return [s["code"] for s in answer.json()["items"]]

    for role in ("agent", "lead", "supervisor", "gm", "quality"):
        assert codes(people[role]) == ["S01", "S09"], role
    assert codes(make_person("admin", Role.ADMIN, number="0001")) == ["S01", "S09"]
    assert codes(people["sz_agent"]) == ["S09"]
    assert codes(sz_supervisor) == ["S09"]
    assert codes(people["dept_handler"]) == 403
