"""The people of the lost and found are cleared after their retention period (3 years by
default): names gone, numbers masked, signatures destroyed; the items, reports and claims stay
and the monthly summary counts the same. An anonymised customer's number leaves the loss
reports, claims and handovers; a legal hold keeps what carries a held number."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone

from kefu.core import retention
from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.customers.models import Customer
from kefu.customers.retention import anonymise_customer
from kefu.frontdesk import selectors, services
from kefu.frontdesk.models import ClaimAttempt, FoundItem, Handover, ItemEvent, LossReport
from kefu.tickets import holds
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
from tests.frontdesk.factories import claim, found_item, loss_report

PERIOD = dt.timedelta(days=3 * 365)
OLD = timezone.now() - PERIOD - dt.timedelta(days=2)


@pytest.fixture
def admin(db):
    return make_person("root", "admin", number="9000")


def claimed_long_ago(agent, **over):
    """A wallet found, reported and claimed (with a witness) two days past the period."""
    with time_machine.travel(OLD, tick=False):
        report = loss_report(agent, **over.pop("report", {}))
        item = found_item(agent, found_at=OLD - dt.timedelta(hours=1))
        services.link_report(agent, item.pk, report_id=report.pk)
        with pytest.raises(ServiceError):  # a refused attempt first: it is kept too
            services.claim_item(agent, item.pk, claim(description_matched=False))
        accepted = services.claim_item(agent, item.pk, claim(witness_name="赵见证", **over))
    return item, report, accepted


def test_people_of_the_lost_and_found_are_cleared_after_the_period(agent, admin):
    item, report, accepted = claimed_long_ago(agent)
    signature = accepted.signature.name
    assert default_storage.exists(signature)
    recent = found_item(agent, finder_name="新拾获人", finder_phone="13900002222")
    fresh_report = loss_report(agent, owner_name="新失主", owner_phone="13800003333")
    when = timezone.localtime(report.created_at)

    def counted():
        summary = selectors.monthly_summary(admin, when.year, when.month)
        return summary.total, summary.by_category, summary.by_status

    before = counted()

    dry = retention.run_retention(dry_run=True, only=["lost_and_found"])
    assert dry.results["lost_and_found"]["anonymised"] == 4  # report, item, two claims
    assert LossReport.objects.get(pk=report.pk).owner_name == "张三丰"  # a dry run changes nothing

    run = retention.run_retention(only=["lost_and_found"])
    assert run.results["lost_and_found"]["anonymised"] == 4
    report.refresh_from_db()
    assert (report.owner_name, report.owner_phone) == ("已清除", "138****5678")
    item.refresh_from_db()
    assert (item.finder_name, item.finder_phone) == ("已清除", "139****1111")
    assert item.status == FoundItem.Status.CLAIMED and item.anonymised_at is not None
    for attempt in ClaimAttempt.objects.filter(item=item):
        assert attempt.claimant_name == "已清除"
        assert attempt.claimant_phone == "138****5678"
        assert attempt.id_number != "110101199003071234" and "*" in attempt.id_number
        assert not attempt.signature
    assert not default_storage.exists(signature)
    # The timeline and the audit log keep what happened, not who.
    for event in ItemEvent.objects.filter(item=item):
        assert "赵见证" not in str(event.data) and "赵见证" not in event.note
    for row in AuditLog.objects.filter(object_type="frontdesk.founditem", object_id=str(item.pk)):
        assert "赵见证" not in str(row.detail)
    # Newer ones untouched; the summary counts the same.
    recent.refresh_from_db()
    fresh_report.refresh_from_db()
    assert recent.finder_name == "新拾获人" and fresh_report.owner_name == "新失主"
    assert counted() == before
    # A second run finds nothing to do.
    again = retention.run_retention(only=["lost_and_found"])
    assert again.results["lost_and_found"]["anonymised"] == 0


def test_an_item_still_open_keeps_its_finder(agent, admin):
    with time_machine.travel(OLD, tick=False):
        item = found_item(agent, found_at=OLD - dt.timedelta(hours=1))
    retention.run_retention(only=["lost_and_found"])
    item.refresh_from_db()
    assert item.finder_name == "陈先生" and item.anonymised_at is None


def test_a_legal_hold_keeps_the_report_and_claims_that_carry_a_held_number(agent, lead, admin):
    item, report, _accepted = claimed_long_ago(agent)
    held = make_customer(lead, name="张三丰", phones=("13812345678",))
    holds.set_hold(actor=admin, reason="诉讼中:失物纠纷", customer=held)
    run = retention.run_retention(only=["lost_and_found"])
    assert run.results["lost_and_found"]["held"] >= 3
    report.refresh_from_db()
    assert report.owner_name == "张三丰"
    assert set(ClaimAttempt.objects.filter(item=item).values_list("claimant_name", flat=True)) == {
        "张三丰"
    }


def test_an_anonymised_customer_leaves_the_lost_and_found_and_the_handovers(agent, lead):
    customer = make_customer(lead, name="李四", phones=("13712345678",))
    report = loss_report(agent, owner_name="李四", owner_phone="13712345678")
    item = found_item(agent)
    services.claim_item(agent, item.pk, claim(claimant_name="李四", claimant_phone="13712345678"))
    handover = Handover.objects.create(
        day=timezone.localdate(),
        shift_code="BT",
        shift_ends_at=timezone.now(),
        next_ends_at=timezone.now() + dt.timedelta(hours=8),
        outgoing=agent,
        incoming=lead,
        matters=[{"kind": "callback", "text": "回拨 13712345678 李四"}],
        notes="李四 13712345678 明天再来",
        created_at=timezone.now(),
    )
    anonymise_customer(Customer.objects.get(pk=customer.pk))
    report.refresh_from_db()
    assert (report.owner_name, report.owner_phone) == ("已清除", "137****5678")
    attempt = ClaimAttempt.objects.get(item=item)
    assert attempt.claimant_phone == "137****5678" and attempt.claimant_name == "已清除"
    handover.refresh_from_db()
    assert "13712345678" not in str(handover.matters) and "李四" not in str(handover.matters)
    assert "13712345678" not in handover.notes
