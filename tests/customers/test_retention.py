"""A customer without activity for the retention period (3 years by default) is anonymised,
never deleted: the row stays for its tickets and the statistics; its personal data goes, here
and in the other apps' copies. Activity anywhere, or a legal hold, keeps it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kefu.core import retention
from kefu.core.models import AuditLog
from kefu.customers.models import Contact, Customer, CustomerPhone
from kefu.notify.models import Notification
from kefu.telephony.models import CallRecord
from kefu.tickets import holds
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.search import filter_fulltext
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

PERIOD = dt.timedelta(days=3 * 365)
HOUR = dt.timedelta(hours=1)
NUMBER = "13987654321"


def before_cutoff() -> dt.datetime:
    return timezone.now() - PERIOD - HOUR


def after_cutoff() -> dt.datetime:
    return timezone.now() - PERIOD + HOUR


def customer_at(moment, actor, **fields) -> Customer:
    with time_machine.travel(moment, tick=False):
        return make_customer(actor, **fields)


def ticket_at(moment, actor, **fields) -> Ticket:
    with time_machine.travel(moment, tick=False):
        return make_ticket(actor, **fields)


def closed_ticket_at(moment, actor, **fields) -> Ticket:
    with time_machine.travel(moment, tick=False):
        ticket = make_ticket(actor, **fields)
        return tickets.transition_ticket(ticket.serial, actor=actor, action="cancel", note="撤回")


def run(*, dry_run: bool = False) -> dict:
    """The customers' counts of a run (without its period and cutoff)."""
    results = retention.run_retention(dry_run=dry_run, only=["customers"]).results["customers"]
    return {k: v for k, v in results.items() if k not in ("days", "cutoff")}


@pytest.fixture
def admin(db):
    return make_person("root", "admin", number="9000")


@pytest.fixture
def nana(agent):
    """A customer last changed just before the cutoff, with everything personal filled in."""
    return customer_at(
        before_cutoff(),
        agent,
        name="欧阳娜娜",
        gender="female",
        phones=("13987654321",),
        account_no="HQ900001",
        id_number="440301199001011234",
        address="阳光花园3栋2单元501",
        email="ouyang.nana@example.com",
        notes="独居老人,耳背",
        contacts=[{"name": "欧阳明", "relation": "儿子"}],
    )


def test_a_customer_idle_for_the_period_is_anonymised_and_its_row_stays(agent, nana):
    recent = customer_at(after_cutoff(), agent, name="李四", phones=("13900000009",))
    CustomerPhone.objects.create(customer=nana, number="13711112222", contact=nana.contacts.get())

    counts = run()

    assert (counts["anonymised"], counts["held"]) == (1, 0)
    nana.refresh_from_db()
    assert (
        nana.name,
        nana.gender,
        nana.account_no,
        nana.id_number,
        nana.address,
        nana.email,
        nana.notes,
        nana.is_active,
    ) == ("已注销客户", "", None, "", "", "", "", False)
    assert nana.anonymised_at is not None
    assert not CustomerPhone.objects.filter(customer=nana).exists()
    assert not Contact.objects.filter(customer=nana).exists()
    audit = AuditLog.objects.get(action="customer.anonymise")
    assert (audit.object_id, audit.actor) == (str(nana.pk), None)
    recent.refresh_from_db()
    assert (recent.name, recent.anonymised_at) == ("李四", None)
    assert list(recent.phones.values_list("number", flat=True)) == ["13900000009"]


def test_a_dry_run_changes_nothing_and_a_second_run_finds_nothing(nana):
    assert run(dry_run=True) == {"anonymised": 1, "held": 0}
    nana.refresh_from_db()
    assert (nana.name, nana.anonymised_at) == ("欧阳娜娜", None)
    assert run()["anonymised"] == 1
    assert run() == {"anonymised": 0, "held": 0, "copies": 0}


def test_activity_anywhere_since_the_cutoff_keeps_a_customer(agent, nana):
    with_ticket = customer_at(before_cutoff(), agent, name="甲", phones=("13900000001",))
    ticket_at(after_cutoff(), agent, customer_id=with_ticket.pk)
    with_open_ticket = customer_at(before_cutoff(), agent, name="乙", phones=("13900000002",))
    ticket_at(before_cutoff(), agent, customer_id=with_open_ticket.pk)  # accepted: still open
    customer_at(before_cutoff(), agent, name="丙", phones=("13900000003",))
    CallRecord.objects.create(
        call_id="c1",
        direction="in",
        from_number="13900000003",
        to_number="96116",
        customer_number="13900000003",  # not linked to the customer: found by its number
        state="ended",
        started_at=after_cutoff(),
    )
    closed_ticket_at(before_cutoff(), agent, customer_id=nana.pk)  # old and done: no activity

    assert run()["anonymised"] == 1

    assert set(
        Customer.objects.filter(anonymised_at__isnull=True).values_list("name", flat=True)
    ) == {
        "甲",
        "乙",
        "丙",
    }
    nana.refresh_from_db()
    assert nana.anonymised_at is not None


def test_a_held_customer_is_kept_and_counted_until_the_hold_is_lifted(admin, nana):
    hold = holds.set_hold(actor=admin, reason="诉讼中:(2025)粤0305民初123号", customer=nana)

    assert run() == {"anonymised": 0, "held": 1, "copies": 0}
    nana.refresh_from_db()
    assert nana.anonymised_at is None

    holds.lift_hold(hold.pk, actor=admin, reason="判决已生效")
    assert run()["anonymised"] == 1


def test_a_hold_on_one_of_its_tickets_keeps_the_customer(admin, agent, nana):
    ticket = closed_ticket_at(before_cutoff(), agent, customer_id=nana.pk)
    holds.set_hold(actor=admin, reason="监管部门调阅", ticket=ticket)
    assert run()["held"] == 1
    nana.refresh_from_db()
    assert nana.anonymised_at is None


def test_its_tickets_stay_counted_and_lose_the_number_and_the_personal_data(agent, nana):
    ticket = closed_ticket_at(
        before_cutoff(),
        agent,
        customer_id=nana.pk,
        caller_number=NUMBER,
        contact_name="欧阳明",
        content="欧阳娜娜来电:家里漏水,回电13987654321,地址阳光花园3栋2单元501",
        desired_result="尽快上门,联系 ouyang.nana@example.com 或 OUYANG.NANA@EXAMPLE.COM",
    )
    assert filter_fulltext(Ticket.objects.all(), NUMBER).count() == 1

    counts = run()

    ticket.refresh_from_db()
    assert counts["copies"] >= 1
    assert (ticket.customer_id, ticket.caller_number, ticket.contact_name) == (nana.pk, "", "")
    assert ticket.content == "***来电:家里漏水,回电139****4321,地址阳光花园3栋****"
    assert ticket.desired_result == "尽快上门,联系 ou****@example.com 或 OU****@EXAMPLE.COM"
    assert filter_fulltext(Ticket.objects.all(), NUMBER).count() == 0
    assert Ticket.objects.filter(customer=nana).count() == 1


def test_a_number_another_customer_also_has_stays_on_the_copies_no_customer_is_on(agent, nana):
    customer_at(after_cutoff(), agent, name="欧阳明", phones=(NUMBER,))  # the son, same phone
    nobody = closed_ticket_at(before_cutoff(), agent, caller_number=NUMBER, anonymous=True)
    hers = closed_ticket_at(before_cutoff(), agent, customer_id=nana.pk, caller_number=NUMBER)

    assert run()["anonymised"] == 1

    nobody.refresh_from_db()
    hers.refresh_from_db()
    assert (nobody.caller_number, hers.caller_number) == (NUMBER, "")
    assert CustomerPhone.objects.filter(number=NUMBER).count() == 1  # the son's


def test_an_unknown_callers_tickets_from_its_number_are_cleared_with_what_hangs_on_them(
    agent, nana
):
    ticket = closed_ticket_at(before_cutoff(), agent, caller_number=NUMBER, anonymous=True)
    told = Notification.objects.create(
        user=agent, event="ticket.created", title="新工单", body=f"来电 {NUMBER}", ticket=ticket
    )

    run()

    ticket.refresh_from_db()
    told.refresh_from_db()
    assert (ticket.customer_id, ticket.caller_number) == (None, "")
    assert told.body == "来电 139****4321"
