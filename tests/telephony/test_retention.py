"""Retention of the telephone floor's records: after two years a call keeps everything but the
customer's number (masked), and so do the missed-call callbacks; after one year a recording's
link is cleared and the pages say the recording was destroyed. Calls of a held customer or
ticket are left as they are."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kefu.core import retention
from kefu.core.models import AuditLog
from kefu.telephony.callbacks import record_missed_call
from kefu.telephony.models import CallRecord, MissedCallback
from kefu.tickets import holds
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

HOUR = dt.timedelta(hours=1)
URL = "https://pbx.example.com/rec/1.wav"


def ago(days: int, offset: dt.timedelta = dt.timedelta(0)) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days) + offset


def call(call_id: str, number: str, at: dt.datetime, *, direction="in", **fields) -> CallRecord:
    ours, theirs = ("96116", number)
    return CallRecord.objects.create(
        call_id=call_id,
        direction=direction,
        from_number=theirs if direction == "in" else "8011",
        to_number=ours if direction == "in" else theirs,
        customer_number=number,
        state="ended",
        started_at=at,
        ended_at=at + dt.timedelta(minutes=3),
        **fields,
    )


def counts(kind: str, *, dry_run: bool = False) -> dict:
    results = retention.run_retention(dry_run=dry_run, only=[kind]).results[kind]
    return {k: v for k, v in results.items() if k not in ("days", "cutoff")}


@pytest.fixture
def admin(db):
    return make_person("root", "admin", number="9000")


def test_calls_older_than_two_years_keep_everything_but_the_customers_number(db):
    inbound = call("old-in", "13812345678", ago(730, -HOUR), recording_url=URL)
    outbound = call("old-out", "01088881234", ago(730, -HOUR), direction="out")
    recent = call("recent", "13812345678", ago(730, HOUR))

    assert counts("call_records") == {"anonymised": 2, "held": 0}

    inbound.refresh_from_db()
    outbound.refresh_from_db()
    recent.refresh_from_db()
    assert (inbound.from_number, inbound.to_number, inbound.customer_number) == (
        "138****5678",
        "96116",
        "138****5678",
    )
    # The recording has a period of its own (here: it was 2 years old, past its 1).
    assert (inbound.recording_url, inbound.state) == (URL, "ended")
    assert inbound.anonymised_at is not None
    assert (outbound.from_number, outbound.to_number) == ("8011", "010****1234")
    assert (recent.customer_number, recent.anonymised_at) == ("13812345678", None)
    assert CallRecord.objects.count() == 3
    assert counts("call_records") == {"anonymised": 0, "held": 0}


def test_a_dry_run_counts_the_calls_and_changes_none(db):
    old = call("old", "13812345678", ago(730, -HOUR))
    assert counts("call_records", dry_run=True) == {"anonymised": 1, "held": 0}
    old.refresh_from_db()
    assert (old.customer_number, old.anonymised_at) == ("13812345678", None)


def test_missed_callbacks_of_expired_days_are_masked_two_alike_numbers_kept_apart(db):
    moment = ago(731)
    with time_machine.travel(moment, tick=False):
        first = record_missed_call(call("m1", "13812345678", moment, answered_at=None))
        second = record_missed_call(call("m2", "13899995678", moment, answered_at=None))
    assert MissedCallback.objects.count() == 2
    AuditLog.objects.create(
        action="telephony.callback.close",
        object_type="telephony.missedcallback",
        object_id=str(first.pk),
        detail={"number": "13812345678"},
    )

    counts("call_records")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.number == "138****5678"
    assert second.number == f"138****5678·{second.pk}"
    assert AuditLog.objects.get(action="telephony.callback.close").detail == {
        "number": "138****5678"
    }


def test_the_calls_of_a_held_customer_or_ticket_are_kept(admin, agent):
    held = make_customer(agent, name="张三", phones=("13811110000",))
    holds.set_hold(actor=admin, reason="仲裁中", customer=held)
    of_customer = call("c1", "13811110000", ago(800))  # found by the held customer's number
    ticket = make_ticket(agent, caller_number="13822220000")
    on_ticket = call("c2", "13822220000", ago(800))
    on_ticket.tickets.add(ticket)
    holds.set_hold(actor=admin, reason="投诉复核", ticket=ticket)
    free = call("c3", "13833330000", ago(800))

    assert counts("call_records") == {"anonymised": 1, "held": 2}

    for record, number in ((of_customer, "13811110000"), (on_ticket, "13822220000")):
        record.refresh_from_db()
        assert record.customer_number == number
    free.refresh_from_db()
    assert free.customer_number == "138****0000"


def test_recording_links_older_than_a_year_are_cleared_and_the_log_says_so(agent, web_as):
    old = call("r-old", "13812345678", ago(365, -HOUR), recording_url=URL, agent=agent)
    recent = call("r-new", "13812345679", ago(365, HOUR), recording_url=URL, agent=agent)

    assert counts("recordings") == {"purged": 1, "held": 0}

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.recording_url, recent.recording_url) == ("", URL)
    assert old.recording_purged_at is not None
    assert old.customer_number == "13812345678"  # the numbers have their own period
    page = web_as(agent).get("/calls/").content.decode()
    assert page.count('data-testid="recording-purged"') == 1
    assert page.count('data-testid="recording"') == 1
    assert counts("recordings") == {"purged": 0, "held": 0}
