"""办理会员 / 修改会员资料 on the customer's page: the archive keepers enrol a customer and change
the membership; a refused form keeps what was typed and writes nothing; a birth date the editor
may not see shows masked and stays as it was when left blank; others may not open the form."""

from __future__ import annotations

import datetime as dt

from kefu.accounts.models import Role
from kefu.accounts.services import role_group
from kefu.core import refcache
from kefu.core.models import AuditLog
from kefu.customers.models import Member
from tests.customers.factories import make_customer
from tests.customers.member_factories import make_member, make_store

FORM = {
    "number": "VIP300",
    "level": "silver",
    "store": "S01",
    "joined_on": "2026-10-01",
    "expires_on": "2027-09-30",
    "birth_date": "1990-05-06",
}


def test_an_agent_enrols_a_customer_and_changes_the_membership(org, people, web_as):
    first = make_store(org, "S01", "人民路店")
    make_store(org, "S02", "解放路店")
    make_store(org, "S09", "南山店", "sz")  # a branch's: the center's staff reach every store
    agent = people["agent"]
    customer = make_customer(agent, name="钱女士", phones=("13700000011",))
    web = web_as(agent)
    page = web.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="enrol"' in page
    form = web.get(f"/customers/{customer.pk}/membership").content.decode()
    assert "办理会员" in form and 'value="S01"' in form and 'value="S09"' in form

    assert web.post(f"/customers/{customer.pk}/membership", FORM).status_code == 302
    member = Member.objects.get(customer=customer)
    assert (member.number, member.level, member.store.code) == ("VIP300", "silver", "S01")
    assert (member.joined_on, member.expires_on, member.birth_date) == (
        dt.date(2026, 10, 1),
        dt.date(2027, 9, 30),
        dt.date(1990, 5, 6),
    )
    page = web.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="membership-edit"' in page and 'data-testid="enrol"' not in page

    # The form starts from the membership; a change is audited with what it was.
    form = web.get(f"/customers/{customer.pk}/membership").content.decode()
    assert 'value="VIP300"' in form and 'value="1990-05-06"' in form and "修改会员资料" in form
    changed = FORM | {"level": "gold", "store": "S02", "expires_on": ""}
    assert web.post(f"/customers/{customer.pk}/membership", changed).status_code == 302
    member.refresh_from_db()
    assert (member.level, member.store.code, member.expires_on) == ("gold", "S02", None)
    audit = AuditLog.objects.filter(action="member.update").get()
    assert audit.detail["before"] == {"number": "VIP300", "level": "silver", "store": first.pk}


def test_a_refused_form_keeps_what_was_typed_and_writes_nothing(org, people, web_as):
    store = make_store(org, "S01", "人民路店")
    agent = people["agent"]
    customer = make_customer(agent, name="孙先生", phones=("13700000012",))
    make_member(agent, store, "VIP001")
    web = web_as(agent)
    for fields, field in (
        ({"joined_on": "2026-13-01"}, "joined_on"),
        ({"joined_on": ""}, "joined_on"),
        ({"expires_on": "2026-01-01"}, "expires_on"),
        ({"birth_date": "1899-01-01"}, "birth_date"),
        ({"store": "S99"}, "store"),
        ({"level": "platinum"}, "level"),
        ({"number": ""}, "number"),
        ({"number": "VIP001"}, "number"),  # another member's number
    ):
        answer = web.post(f"/customers/{customer.pk}/membership", FORM | fields)
        assert answer.status_code in (409, 422), fields
        body = answer.content.decode()
        assert f"{field}:" in body, fields
        typed = (FORM | fields)["number"]
        assert f'value="{typed}"' in body, fields  # what was typed is still in the form
    assert not Member.objects.filter(customer=customer).exists()


def test_a_birth_date_the_editor_may_not_see_stays_masked_and_unchanged(
    org, people, web_as, api_as
):
    store = make_store(org, "S01", "人民路店")
    agent = people["agent"]
    member = make_member(agent, store, "VIP010", birth=dt.date(1985, 2, 3))
    role_group(Role.AGENT).permissions.clear()  # this center hides personal data from agents
    refcache.clear()
    web = web_as(agent)
    form = web.get(f"/customers/{member.customer_id}/membership").content.decode()
    assert "1985" not in form and 'data-testid="birth-masked"' in form
    posted = FORM | {"number": "VIP010", "birth_date": ""}
    assert web.post(f"/customers/{member.customer_id}/membership", posted).status_code == 302
    member.refresh_from_db()
    assert (member.level, member.birth_date) == ("silver", dt.date(1985, 2, 3))
    # The same rule over the API: sent without it, the birth date this caller cannot see stays.
    body = {"number": "VIP010", "store": "S01", "joined_on": "2026-10-01", "level": "gold"}
    answer = api_as(agent).put(f"/customers/{member.customer_id}/membership", body)
    assert answer.status_code == 200 and answer.json()["birth_date"] == "****-**-**"
    member.refresh_from_db()
    assert (member.level, member.birth_date) == ("gold", dt.date(1985, 2, 3))
    # One who may see it clears it by sending it blank.
    answer = api_as(people["lead"]).put(f"/customers/{member.customer_id}/membership", body)
    assert answer.status_code == 200
    member.refresh_from_db()
    assert member.birth_date is None


def test_who_may_open_the_membership_form(org, people, web_as):
    store = make_store(org, "S01", "人民路店")
    member = make_member(people["agent"], store, "VIP020")
    for role in ("quality", "gm", "dept_handler"):
        web = web_as(people[role])
        assert web.get(f"/customers/{member.customer_id}/membership").status_code == 403, role
        assert web.post(f"/customers/{member.customer_id}/membership", FORM).status_code == 403
        page = web.get(f"/customers/{member.customer_id}/").content.decode()
        assert 'data-testid="membership-edit"' not in page, role
    assert Member.objects.get().number == "VIP020"
    # A branch's agent does not reach the center's customer.
    sz = web_as(people["sz_agent"])
    assert sz.get(f"/customers/{member.customer_id}/membership").status_code == 404
    assert web_as(people["agent"]).get("/customers/99999999/membership").status_code == 404
