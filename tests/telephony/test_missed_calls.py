"""Missed and abandoned calls become the callback worklist (未接来电回拨): one entry per number
per local day, counted once per call, with a 2-hour time limit on the 24-hour clock; closed by
an answered call back, a ticket from the number, or by hand with a reason."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.core.models import AuditLog
from kefu.telephony.blacklist import add_blacklist_entry
from kefu.telephony.models import CallRecord, MissedCallback
from kefu.telephony.services import close_stale_calls
from kefu.tickets.models import Ticket
from tests.telephony.factories import answered_call, cti, missed_call, more_people

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER = "13812345678"
# 23:30 in Shanghai on a Thursday: the hotline is staffed at night too.
NIGHT = dt.datetime(2026, 12, 3, 23, 30, tzinfo=SHANGHAI)
TICKET_FORM = {
    "caller_number": "+86 138 1234 5678",
    "contact_name": "王先生",
    "type": "inquiry",
    "channel": "phone",
    "priority": "normal",
    "content": "刚才打了几次没人接,问一下水费",
    "reply_method": "phone",
    "confirmed": "on",
}


@pytest.fixture
def everyone(people, org):
    return people | more_people(org)


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("cause", ["noAnswer", "cancel", "busy", "normalClearing"])
def test_an_unanswered_inbound_call_makes_an_entry_due_in_two_hours(db, cause, as_json):
    with time_machine.travel(NIGHT, tick=False):
        record = missed_call("m-1", number="+86 138-1234-5678", cause=cause, as_json=as_json)
    entry = MissedCallback.objects.get()
    assert (entry.number, entry.day, entry.attempts) == (NUMBER, dt.date(2026, 12, 3), 1)
    assert entry.first_at == entry.last_at == NIGHT
    # The wall clock, not the working calendar: due at 01:30 the next morning.
    assert entry.due_at == dt.datetime(2026, 12, 4, 1, 30, tzinfo=SHANGHAI)
    assert entry.status == MissedCallback.Status.OPEN
    assert list(entry.calls.all()) == [record]


def test_repeated_hangups_count_once_and_later_calls_the_same_day_add_up(db):
    with time_machine.travel(NIGHT, tick=False):
        missed_call("m-1", number=NUMBER)
    with time_machine.travel(NIGHT + dt.timedelta(minutes=5), tick=False):
        for _ in range(2):  # the PBX repeats the hangup
            cti("hangup", "m-1", number=NUMBER, cause="noAnswer")
        second = missed_call("m-2", number=NUMBER, cause="cancel")
    entry = MissedCallback.objects.get()
    assert entry.attempts == 2
    assert (entry.first_at, entry.last_at) == (NIGHT, NIGHT + dt.timedelta(minutes=5))
    assert entry.due_at == NIGHT + dt.timedelta(hours=2)  # from the first missed call
    assert set(entry.calls.values_list("call_id", flat=True)) == {"m-1", second.call_id}
    # After midnight (local time) it is a new day: a new entry.
    with time_machine.travel(NIGHT + dt.timedelta(minutes=40), tick=False):
        missed_call("m-3", number=NUMBER)
    assert list(MissedCallback.objects.order_by("day").values_list("day", "attempts")) == [
        (dt.date(2026, 12, 3), 2),
        (dt.date(2026, 12, 4), 1),
    ]


def test_a_hangup_arriving_before_its_new_call_still_counts_once(db):
    cti("hangup", "early", number=NUMBER, cause="noAnswer")
    cti("newCall", "early", number=NUMBER)
    assert MissedCallback.objects.get().attempts == 1


@pytest.mark.parametrize(
    "case", ["answered", "withheld", "forwarded", "outbound", "blocked", "flagged_counts"]
)
def test_which_calls_make_no_entry(lead, case):
    match case:
        case "answered":
            answered_call("c", number=NUMBER)
        case "withheld":
            missed_call("c", number="anonymous")
            missed_call("d", number="")
        case "forwarded":
            missed_call("c", number=NUMBER, cause="forwarded")
        case "outbound":
            cti("newCall", "c", number=NUMBER, direction="out")
            cti("hangup", "c", number=NUMBER, direction="out", cause="noAnswer")
        case "blocked":
            add_blacklist_entry(NUMBER, actor=lead, kind="block", reason="骚扰")
            missed_call("c", number=NUMBER)
        case "flagged_counts":  # a flag refuses nobody: the caller is still owed a callback
            add_blacklist_entry(NUMBER, actor=lead, kind="flag", reason="辱骂")
            missed_call("c", number=NUMBER)
    expected = 1 if case == "flagged_counts" else 0
    assert MissedCallback.objects.count() == expected


def test_an_answered_call_back_closes_the_entry(agent):
    with time_machine.travel(NIGHT, tick=False):
        missed_call("m-1", number=NUMBER)
    with time_machine.travel(NIGHT + dt.timedelta(minutes=20), tick=False):
        # A call back nobody answers does not close it.
        cti("newCall", "cb-1", number=NUMBER, direction="out")
        cti("hangup", "cb-1", number=NUMBER, direction="out", cause="noAnswer")
        assert MissedCallback.objects.get().status == "open"
        back = answered_call("cb-2", number="+8613812345678", direction="out")
    entry = MissedCallback.objects.get()
    assert (entry.status, entry.closing) == ("closed", "called_back")
    assert (entry.closing_call, entry.closed_by) == (back, agent)
    assert entry.closed_at == NIGHT + dt.timedelta(minutes=20)
    audit = AuditLog.objects.get(action="telephony.callback.close")
    assert audit.detail == {"number": NUMBER, "closing": "called_back", "call": "cb-2"}
    # Missed again the same evening: the entry opens again for a new callback.
    with time_machine.travel(NIGHT + dt.timedelta(minutes=25), tick=False):
        missed_call("m-2", number=NUMBER)
    entry.refresh_from_db()
    assert (entry.status, entry.attempts, entry.closing, entry.closing_call) == (
        "open",
        2,
        "",
        None,
    )
    assert entry.due_at == NIGHT + dt.timedelta(minutes=25, hours=2)
    assert AuditLog.objects.filter(action="telephony.callback.reopen").count() == 1


def test_a_ticket_from_the_number_closes_the_entry(agent, web_as):
    missed_call("m-1", number=NUMBER)
    other = missed_call("m-2", number="13900002222")
    web_as(agent).post("/tickets/new", TICKET_FORM, HTTP_HX_REQUEST="true")
    ticket = Ticket.objects.get()
    entry = MissedCallback.objects.get(number=NUMBER)
    assert (entry.status, entry.closing, entry.closing_ticket, entry.closed_by) == (
        "closed",
        "ticket",
        ticket,
        agent,
    )
    assert MissedCallback.objects.get(calls=other).status == "open"


def test_a_ticket_through_the_api_closes_it_too(agent, api_as):
    missed_call("m-1", number=NUMBER)
    body = {k: v for k, v in TICKET_FORM.items() if k != "confirmed"}
    assert api_as(agent).post("/tickets", body).status_code == 201
    assert MissedCallback.objects.get().closing == "ticket"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("agent", 200),
        ("lead", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("quality", 403),
        ("gm", 403),
        ("dept_handler", 403),
        ("field", 403),
    ],
)
def test_who_may_close_an_entry_by_hand(everyone, api_as, who, status):
    missed_call("m-1", number=NUMBER)
    entry = MissedCallback.objects.get()
    reply = api_as(everyone[who]).post(
        f"/telephony/callbacks/{entry.id}/close", {"note": "骚扰电话"}
    )
    assert reply.status_code == status, reply.content
    entry.refresh_from_db()
    if status == 200:
        assert reply.json()["status"] == "closed"
        assert (entry.closing, entry.closing_note, entry.closed_by) == (
            "not_needed",
            "骚扰电话",
            everyone[who],
        )
    else:
        assert entry.status == "open" and entry.closed_at is None
        assert not AuditLog.objects.filter(action="telephony.callback.close").exists()


def test_closing_by_hand_needs_a_reason_and_an_open_entry(agent, api_as):
    missed_call("m-1", number=NUMBER)
    entry = MissedCallback.objects.get()
    api = api_as(agent)
    no_reason = api.post(f"/telephony/callbacks/{entry.id}/close", {"note": "  "})
    assert (no_reason.status_code, no_reason.json()["field"]) == (422, "note")
    assert MissedCallback.objects.get().status == "open"
    assert api.post(f"/telephony/callbacks/{entry.id}/close", {"note": "已解决"}).status_code == 200
    twice = api.post(f"/telephony/callbacks/{entry.id}/close", {"note": "再关"})
    assert twice.status_code == 409
    assert api.post("/telephony/callbacks/99999/close", {"note": "x"}).status_code == 404
    assert MissedCallback.objects.get().closing_note == "已解决"


def test_the_list_puts_open_first_marks_overdue_and_counts(
    agent, api_as, django_assert_num_queries
):
    with time_machine.travel(NIGHT, tick=False):
        missed_call("m-1", number="13800000001")
    with time_machine.travel(NIGHT + dt.timedelta(hours=1), tick=False):
        missed_call("m-2", number="13800000002")
        missed_call("m-3", number="13800000003")
        api = api_as(agent)
        closed = MissedCallback.objects.get(number="13800000003")
        api.post(f"/telephony/callbacks/{closed.id}/close", {"note": "重复来电"})
    with time_machine.travel(NIGHT + dt.timedelta(hours=2, minutes=30), tick=False):
        assert api.get("/telephony/callbacks/counts").json() == {"open": 2, "overdue": 1}
        with django_assert_num_queries(2):  # the count and the page (customers joined)
            body = api.get("/telephony/callbacks", {"status": "all"}).json()
        assert [(e["number"], e["status"], e["overdue"]) for e in body["items"]] == [
            ("13800000001", "open", True),
            ("13800000002", "open", False),
            ("13800000003", "closed", False),
        ]
        assert [e["number"] for e in api.get("/telephony/callbacks").json()["items"]] == [
            "13800000001",
            "13800000002",
        ]
        overdue = api.get("/telephony/callbacks", {"status": "overdue"}).json()["items"]
        assert [e["number"] for e in overdue] == ["13800000001"]


def test_the_time_limit_is_configurable(db, settings):
    settings.TELEPHONY_CALLBACK_WITHIN_MINUTES = 30
    with time_machine.travel(NIGHT, tick=False):
        missed_call("m-1", number=NUMBER)
    assert MissedCallback.objects.get().due_at == NIGHT + dt.timedelta(minutes=30)


@pytest.mark.parametrize(
    ("who", "status", "shown"),
    [
        ("agent", 200, NUMBER),
        ("gm", 200, NUMBER),
        ("quality", 200, "138****5678"),
        ("dept_handler", 403, None),
        ("dept_head", 403, None),
        ("field", 403, None),
    ],
)
def test_the_worklist_is_the_centers_and_masked_without_the_pii_right(
    everyone, api_as, web_as, who, status, shown
):
    missed_call("m-1", number=NUMBER)
    reply = api_as(everyone[who]).get("/telephony/callbacks")
    assert reply.status_code == status
    assert api_as(everyone[who]).get("/telephony/callbacks/counts").status_code == status
    page = web_as(everyone[who]).get("/calls/missed/")
    assert page.status_code == status
    if status == 200:
        assert [e["number"] for e in reply.json()["items"]] == [shown]
        html = page.content.decode()
        if shown == NUMBER:
            assert f'href="tel:{NUMBER}"' in html
        else:
            assert shown in html and NUMBER not in html and "tel:" not in html


def test_the_worklist_page_marks_overdue_and_closes_by_hand(agent, web_as):
    with time_machine.travel(NIGHT, tick=False):
        missed_call("m-1", number=NUMBER)
    client = web_as(agent)
    with time_machine.travel(NIGHT + dt.timedelta(hours=3), tick=False):
        html = client.get("/calls/missed/").content.decode()
        assert 'data-testid="overdue"' in html and "待回拨 1 个号码" in html
        entry = MissedCallback.objects.get()
        assert client.post(f"/calls/missed/{entry.id}/close", {"note": ""}).status_code == 422
        assert (
            client.post(f"/calls/missed/{entry.id}/close", {"note": "骚扰电话"}).status_code == 302
        )
        closed = client.get("/calls/missed/", {"status": "closed"}).content.decode()
    assert "无需回拨 · 骚扰电话" in closed
    assert 'data-testid="nav-missed"' in closed


def test_lost_calls_swept_later_make_no_entry(db):
    """A call whose hangup never came (swept as lost) is not counted: its outcome is unknown."""
    cti("newCall", "lost-1", number=NUMBER)
    CallRecord.objects.filter(call_id="lost-1").update(started_at=NIGHT - dt.timedelta(hours=5))
    assert close_stale_calls() == 1
    assert not MissedCallback.objects.exists()


def test_the_menu_offers_the_calls_only_to_the_centers_staff(people, web_as):
    page = web_as(people["agent"]).get("/").content.decode()
    assert 'data-testid="nav-calls"' in page and 'data-testid="nav-missed"' in page
    for who in ("dept_handler", "dept_head"):
        page = web_as(people[who]).get("/notifications/").content.decode()
        assert 'data-testid="nav-missed"' not in page and 'data-testid="nav-calls"' not in page
        assert web_as(people[who]).get("/calls/missed/").status_code == 403


def test_a_branchs_staff_see_and_close_only_their_branchs_and_unknown_numbers(
    people, org, api_as, web_as
):
    from tests.customers.factories import make_customer

    hq = make_customer(people["agent"], name="于先生", phones=("13867795348",))
    sz = make_customer(people["agent"], name="深圳客户", phones=("13767795348",), area="nsh")
    missed_call("b-1", number="13867795348")
    missed_call("b-2", number="13767795348")
    missed_call("b-3", number="13667795348")  # no customer has it
    api = api_as(people["sz_agent"])
    listed = api.get("/telephony/callbacks").json()["items"]
    assert sorted(e["number"] for e in listed) == ["13667795348", "13767795348"]
    assert api.get("/telephony/callbacks/counts").json()["open"] == 2
    theirs = MissedCallback.objects.get(customer=hq)
    refused = api.post(f"/telephony/callbacks/{theirs.pk}/close", {"note": "骚扰"})
    assert refused.status_code == 404
    assert MissedCallback.objects.get(pk=theirs.pk).status == MissedCallback.Status.OPEN
    page = web_as(people["sz_agent"]).get("/calls/missed/").content.decode()
    assert "于先生" not in page and sz.name in page
    assert len(api_as(people["agent"]).get("/telephony/callbacks").json()["items"]) == 3


def test_an_id_that_is_no_number_is_a_json_error(agent, api_as):
    answer = api_as(agent).post("/telephony/callbacks/abc/close", {"note": "x"})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid"


def test_the_abuse_script_is_for_the_centers_staff(people, web_as):
    assert web_as(people["agent"]).get("/calls/flag-script").status_code == 200
    assert web_as(people["dept_handler"]).get("/calls/flag-script").status_code == 403
