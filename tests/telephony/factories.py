"""Calls as a PBX reports them through the real CTI endpoint, and the people of the
telephony tests beyond the shared personas."""

from __future__ import annotations

import json

from django.test import Client

from kefu.accounts.models import Role
from kefu.telephony.models import CallRecord
from tests.accounts.factories import make_person

CTI_PATH = "/api/v1/cti/test-cti-token"
HOTLINE = "96116"


def cti(event: str, call_id: str, *, number: str, direction: str = "in", as_json=False, **extra):
    """Post one event as a Zammad PBX script does (form-encoded, or JSON); returns the reply."""
    body = {"event": event, "callId": call_id, "direction": direction, **extra}
    body |= {"from": number, "to": HOTLINE} if direction == "in" else {"from": "8011", "to": number}
    client = Client()
    if as_json:
        reply = client.post(CTI_PATH, json.dumps(body), content_type="application/json")
    else:
        reply = client.post(CTI_PATH, body)
    assert reply.status_code == 200, reply.content
    return reply.json()


def missed_call(call_id: str, *, number: str, cause: str = "noAnswer", as_json=False) -> CallRecord:
    """An inbound call that rang and ended unanswered."""
    cti("newCall", call_id, number=number, as_json=as_json)
    cti("hangup", call_id, number=number, cause=cause, as_json=as_json)
    return CallRecord.objects.get(call_id=call_id)


def answered_call(call_id: str, *, number: str, direction: str = "in") -> CallRecord:
    """A call answered by the agent (工号 8011) and hung up."""
    cti("newCall", call_id, number=number, direction=direction, user=["agent"])
    cti("answer", call_id, number=number, direction=direction, answeringNumber="8011")
    cti("hangup", call_id, number=number, direction=direction, cause="normalClearing")
    return CallRecord.objects.get(call_id=call_id)


def more_people(org) -> dict:
    return {
        "admin": make_person("admin", Role.ADMIN, number="0001"),
        "field": make_person(
            "field", Role.FIELD_STAFF, number="3102", department=org["depts"]["repair"]
        ),
    }
