"""Least privilege: each role reaches the tickets, work orders and customers of its own work,
by the one table in kefu.accounts.scope (README "Who sees what"), on the API and the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kefu.accounts.models import Role
from kefu.accounts.scope import ROLE_REACH, Reach, scope_of
from tests.customers.factories import make_customer
from tests.dispatch.factories import make_field, make_order
from tests.tickets.factories import make_ticket


@pytest.fixture
def center(org, people):
    """Four customers of the head office: one with a repair ticket of 维修部 that became a work
    order for 张师傅, one with a repair ticket of 维修部 not sent out, one with a billing
    ticket of 营业部, one who never called; and one customer of 深圳."""
    agent, field = people["agent"], make_field(org, people)
    sent = make_customer(agent, name="派工客户", phones=("13811110001",))
    repair = make_customer(agent, name="报修客户", phones=("13811110002",))
    billing = make_customer(agent, name="缴费客户", phones=("13811110003",))
    quiet = make_customer(agent, name="没来电的客户", phones=("13811110004",))
    far = make_customer(people["sz_agent"], name="深圳客户", phones=("13811110005",), area="nsh")
    sent_ticket = make_ticket(agent, customer_id=sent.id, department="repair")
    repair_ticket = make_ticket(agent, customer_id=repair.id, department="repair")
    billing_ticket = make_ticket(
        agent, type="inquiry", customer_id=billing.id, department="billing"
    )
    order = make_order(
        people["lead"], ticket_serial=sent_ticket.serial, dispatch_to=field["fitter"]
    )
    return {
        "customers": {
            "sent": sent,
            "repair": repair,
            "billing": billing,
            "quiet": quiet,
            "far": far,
        },
        "tickets": {"sent": sent_ticket, "repair": repair_ticket, "billing": billing_ticket},
        "order": order,
        **field,
    }


def _names(api, path: str) -> set[str]:
    response = api.get(path, {"per_page": 100})
    assert response.status_code == 200, response.content
    return {row.get("name") or row.get("serial") for row in response.json()["items"]}


def test_field_staff_see_only_their_orders_and_what_those_need(center, api_as, people):
    fitter = api_as(center["fitter"])
    customers, tickets = center["customers"], center["tickets"]

    assert _names(fitter, "/customers") == {"派工客户"}
    assert _names(fitter, "/tickets") == {tickets["sent"].serial}
    assert _names(fitter, "/workorders") == {center["order"].serial}
    assert fitter.get(f"/customers/{customers['sent'].id}").status_code == 200
    assert fitter.get(f"/tickets/{tickets['sent'].serial}").status_code == 200
    for name in ("repair", "billing", "quiet", "far"):
        assert fitter.get(f"/customers/{customers[name].id}").status_code == 404
    # Another ticket of the same department is not theirs.
    assert fitter.get(f"/tickets/{tickets['repair'].serial}").status_code == 404
    assert fitter.get("/customers/lookup", {"phone": "13811110002"}).json()["customers"] == []
    # The crew's other member sees the order once it is the crew's; not before.
    assert _names(api_as(center["helper"]), "/customers") == set()


def test_a_department_sees_the_customers_of_its_work_only(center, api_as, people):
    handler = api_as(people["dept_handler"])
    customers = center["customers"]

    assert _names(handler, "/customers") == {"派工客户", "报修客户"}
    assert _names(api_as(people["dept_head"]), "/customers") == {"派工客户", "报修客户"}
    assert _names(api_as(people["other_dept_handler"]), "/customers") == {"缴费客户"}
    for name in ("billing", "quiet", "far"):
        assert handler.get(f"/customers/{customers[name].id}").status_code == 404


def test_the_center_sees_its_branch_or_everything(center, api_as, people):
    everyone = {"派工客户", "报修客户", "缴费客户", "没来电的客户", "深圳客户"}
    for role in ("agent", "lead", "supervisor", "quality", "gm"):
        assert _names(api_as(people[role]), "/customers") == everyone, role
    assert _names(api_as(people["sz_agent"]), "/customers") == {"深圳客户"}


def test_the_pages_show_the_same(center, web_as):
    page = web_as(center["fitter"]).get("/customers/").content.decode()
    assert "派工客户" in page
    assert "报修客户" not in page and "缴费客户" not in page
    customers = center["customers"]
    client = web_as(center["fitter"])
    assert client.get(f"/customers/{customers['repair'].id}/").status_code == 404
    assert client.get(f"/tickets/{center['tickets']['repair'].serial}/").status_code == 404


def test_every_role_has_a_reach_and_the_readme_states_it():
    assert set(ROLE_REACH) == set(Role.values)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Who sees what", 1)[1].split("\n#", 1)[0]
    rows = {
        cells[0]: cells[1]
        for line in section.splitlines()
        if line.startswith("|") and (cells := [c.strip() for c in line.strip("|").split("|")])
    }
    words = {
        Reach.BRANCH: "the whole center, or their branch",
        Reach.DEPARTMENT: "their department's",
        Reach.OWN_ORDERS: "their own work orders",
    }
    for role, reach in ROLE_REACH.items():
        label = str(Role(role).label)
        (row,) = [cells for name, cells in rows.items() if re.search(rf"\b{label}\b|{label}", name)]
        assert words[reach] in row, (label, row)


def test_a_user_without_a_department_or_branch_reaches_nothing(db, people):
    assert scope_of(None).reach == Reach.NONE
    assert scope_of(people["agent"]).reach == Reach.ALL
    assert scope_of(people["sz_agent"]).reach == Reach.BRANCH
    assert scope_of(people["dept_handler"]).reach == Reach.DEPARTMENT
