"""The caller log links each call to the ticket taken on it: the pop carries the PBX's callId
to the workbench; a request typed in by hand is linked to the agent's own call from that
number within the hour; a callId that names no call is refused and nothing is saved."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kefu.telephony.models import CallRecord
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db

CALLER = "13812345678"
FORM = {
    "caller_number": CALLER,
    "contact_name": "王先生",
    "type": "inquiry",
    "channel": "phone",
    "priority": "normal",
    "content": "问一下水费怎么交",
    "reply_method": "phone",
}


def call(
    call_id: str, *, user: str = "agent", extension: str = "8011", number: str = CALLER
) -> CallRecord:
    """A call the PBX reports through the CTI endpoint: new, answered by ``user`` at the
    extension of their 工号."""
    client = Client()
    base = {"from": number, "to": "96116", "direction": "in", "callId": call_id}
    for body in (
        {**base, "event": "newCall", "user": [user]},
        {**base, "event": "answer", "user": [user], "answeringNumber": extension},
    ):
        reply = client.post(
            "/api/v1/cti/test-cti-token", json.dumps(body), content_type="application/json"
        )
        assert reply.status_code == 200, reply.content
    return CallRecord.objects.get(call_id=call_id)


def save(client, form) -> Ticket:
    client.post("/tickets/new", form | {"confirmed": "on"}, HTTP_HX_REQUEST="true")
    return Ticket.objects.order_by("-id").first()


def test_the_pop_carries_the_call_to_the_saved_ticket_and_the_log_links_it(agent, web_as):
    record = call("pbx-1")
    client = web_as(agent)
    # The pop's 打开受理 opens the workbench with the call; the form keeps it through the
    # read-back.
    page = client.get("/", {"phone": CALLER, "call": "pbx-1"}).content.decode()
    assert 'name="call_id" value="pbx-1"' in page
    readback = client.post("/tickets/new", FORM | {"call_id": "pbx-1"}, HTTP_HX_REQUEST="true")
    assert 'name="call_id" value="pbx-1"' in readback.content.decode()
    ticket = save(client, FORM | {"call_id": "pbx-1"})
    assert list(record.tickets.all()) == [ticket]
    log = client.get("/calls/").content.decode()
    assert f'href="/tickets/{ticket.serial}/"' in log
    assert 'data-testid="ticket-call"' in client.get(f"/tickets/{ticket.serial}/").content.decode()
    # The caller reports a second matter on the same call: both tickets are on it.
    second = save(client, FORM | {"call_id": "pbx-1", "content": "另外报修水表漏水"})
    assert set(record.tickets.all()) == {ticket, second}


def test_a_request_typed_in_by_hand_is_linked_to_the_agents_own_recent_call(
    agent, people, web_as
):  # (the colleague's call came later: the newest call of the number is not simply taken)
    mine = call("pbx-2")
    colleagues = call("pbx-3", user="lead", extension="8001")  # the team lead took this one
    assert colleagues.agent == people["lead"]
    ticket = save(web_as(agent), FORM)
    assert list(mine.tickets.all()) == [ticket]
    assert not colleagues.tickets.exists()
    # A call already linked is not taken again by a request typed in by hand.
    other = save(web_as(agent), FORM | {"content": "再问一下发票"})
    assert list(mine.tickets.all()) == [ticket] and not other.calls.exists()


def test_an_old_call_or_another_number_is_not_linked(agent, web_as):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=2)):
        old = call("pbx-4")
    elsewhere = call("pbx-5", number="13900001111")
    ticket = save(web_as(agent), FORM)
    assert not old.tickets.exists() and not elsewhere.tickets.exists()
    assert not ticket.calls.exists()


def test_a_call_id_that_names_no_call_is_refused_and_nothing_is_saved(agent, web_as, api_as):
    reply = web_as(agent).post(
        "/tickets/new", FORM | {"call_id": "nope", "confirmed": "on"}, HTTP_HX_REQUEST="true"
    )
    assert reply.status_code == 422
    assert "来电记录不存在" in reply.content.decode()
    api = api_as(agent).post("/tickets", FORM | {"call_id": "nope"})
    assert api.status_code == 422, api.content
    assert api.json()["field"] == "call_id"
    assert not Ticket.objects.exists()


def test_the_api_links_the_call_named(agent, api_as):
    record = call("pbx-6")
    reply = api_as(agent).post("/tickets", FORM | {"call_id": "pbx-6"})
    assert reply.status_code == 201, reply.content
    assert list(record.tickets.values_list("serial", flat=True)) == [reply.json()["serial"]]


def hangup(call_id: str, **extra):
    body = {"event": "hangup", "from": CALLER, "to": "96116", "direction": "in", "callId": call_id}
    return Client().post(
        "/api/v1/cti/test-cti-token",
        json.dumps(body | {"cause": "normalClearing"} | extra),
        content_type="application/json",
    )


def test_the_recording_the_pbx_gives_is_linked_on_the_call_the_ticket_and_the_customer(
    agent, web_as
):
    from tests.customers.factories import make_customer

    customer = make_customer(agent, phones=(CALLER,))
    record = call("pbx-7")
    client = web_as(agent)
    ticket = save(client, FORM | {"call_id": "pbx-7", "customer_id": customer.id})
    assert hangup("pbx-7").status_code == 200  # ended, the recording not ready yet
    url = "https://pbx.example.com/rec/pbx-7.wav?sig=a&b=1"
    assert hangup("pbx-7", recordingUrl=url).status_code == 200  # brought by a later hangup
    record.refresh_from_db()
    assert (record.state, record.recording_url) == ("ended", url)
    escaped = url.replace("&", "&amp;")
    assert f'href="{escaped}"' in client.get("/calls/").content.decode()
    assert f'href="{escaped}"' in client.get(f"/tickets/{ticket.serial}/").content.decode()
    overview = client.get(f"/customers/{customer.id}/overview").content.decode()
    assert f'href="{escaped}"' in overview


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://pbx/rec.wav", "not a url", "https://x/" + "a" * 500],
)
def test_a_recording_address_that_is_not_a_web_address_is_refused(agent, url):
    call("pbx-8")
    reply = hangup("pbx-8", recordingUrl=url)
    assert reply.status_code == 422
    assert reply.json()["field"] == "recordingUrl"
    record = CallRecord.objects.get(call_id="pbx-8")
    assert (record.state, record.recording_url) == ("answered", "")


def test_department_staff_do_not_see_the_call_or_its_recording_on_the_ticket(agent, people, web_as):
    """Calls are the center's (the caller log's rule): the ticket page shows its call and the
    recording to center staff only, not to the department the ticket was sent to."""
    call("pbx-9")
    ticket = save(web_as(agent), FORM | {"call_id": "pbx-9", "department": "repair"})
    assert ticket.department.code == "repair"
    url = "https://pbx.example.com/rec/pbx-9.wav"
    assert hangup("pbx-9", recordingUrl=url).status_code == 200
    page = f"/tickets/{ticket.serial}/"
    assert url in web_as(people["lead"]).get(page).content.decode()
    seen = web_as(people["dept_handler"]).get(page)
    assert seen.status_code == 200
    assert 'data-testid="ticket-call"' not in seen.content.decode()
    assert url not in seen.content.decode()
