"""The SMS gateway's webhook from the customer's side: signed SMS in, a ticket or one more
message on the number's open ticket; refused calls recorded with nothing else written."""

from __future__ import annotations

import json

import pytest

from kefu.conversations.models import Direction, Message
from kefu.notify.gateways import signature
from kefu.sms.models import InboundSms
from kefu.sms.services import MAX_TEXT
from kefu.tickets.models import Ticket
from tests.sms.conftest import Gateway


def _nothing_taken() -> None:
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0


def test_an_sms_makes_a_ticket_and_the_next_one_joins_it(gateway):
    first = gateway.send("小区停水两天了,什么时候来水?", gid="gw-1", to="10690001")
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["status"] == "created"
    ticket = Ticket.objects.get(serial=body["serial"])
    assert (ticket.channel, ticket.caller_number) == ("sms", "13812345678")
    row = InboundSms.objects.get(gateway_id="gw-1")
    assert (row.status, row.ticket, row.sender, row.center_number) == (
        "created",
        ticket,
        "13812345678",
        "10690001",
    )

    second = gateway.send("补充:3号楼也没水", gid="gw-2", sender="+86 138-1234-5678")
    assert second.json() | {"id": 0} == {"status": "joined", "serial": ticket.serial, "id": 0}
    bodies = list(
        Message.objects.filter(ticket=ticket, direction=Direction.IN).values_list("body", flat=True)
    )
    assert sorted(bodies) == sorted(["小区停水两天了,什么时候来水?", "补充:3号楼也没水"])


def test_the_same_gateway_id_twice_records_one_message_and_answers_the_same_serial(gateway):
    first = gateway.send("停水了", gid="gw-7").json()
    again = gateway.send("停水了", gid="gw-7")
    assert again.status_code == 200
    assert again.json() == {
        "status": "duplicate",
        "first": "created",
        "serial": first["serial"],
        "id": first["id"],
    }
    assert Message.objects.filter(direction=Direction.IN).count() == 1
    assert InboundSms.objects.count() == 1


def test_a_wrong_signature_is_refused_with_a_record_and_nothing_else(gateway):
    body = json.dumps({"from": "13812345678", "text": "停水了", "id": "gw-1"}).encode()
    answer = gateway.post_raw(body, content_type="application/json", sign="sha256=" + "0" * 64)
    assert answer.status_code == 401
    assert answer.json()["code"] == "bad_signature"
    assert "签名不符" in answer.json()["detail"]
    row = InboundSms.objects.get()
    assert row.status == "refused" and row.reason.startswith("wrong signature")
    assert row.raw == body.decode() and row.gateway_id == "" and row.ticket is None
    _nothing_taken()


def test_a_missing_signature_is_refused(gateway):
    body = json.dumps({"from": "13812345678", "text": "停水了"}).encode()
    answer = gateway.post_raw(body, content_type="application/json", sign="")
    assert (answer.status_code, answer.json()["code"]) == (401, "bad_signature")
    assert InboundSms.objects.get().reason == "no X-Kefu-Signature header"
    _nothing_taken()


def test_a_body_changed_after_signing_is_refused(gateway):
    signed = json.dumps({"from": "13812345678", "text": "停水了", "id": "gw-1"}).encode()
    tampered = signed.replace(b"13812345678", b"13999999999")
    answer = gateway.post_raw(
        tampered, content_type="application/json", sign=signature(gateway.secret, signed)
    )
    assert answer.status_code == 401
    assert InboundSms.objects.get().status == "refused"
    _nothing_taken()


def test_a_signature_with_another_secret_is_refused(gateway):
    answer = Gateway(secret="not-the-secret").send("停水了")
    assert answer.status_code == 401
    _nothing_taken()


def test_without_a_secret_configured_nothing_is_taken(settings, org):
    settings.SMS_INBOUND_SECRET = ""
    answer = Gateway(secret="").send("停水了")
    assert answer.status_code == 503
    assert answer.json()["code"] == "not_configured"
    assert InboundSms.objects.get().status == "refused"
    _nothing_taken()


def test_a_refused_call_does_not_hold_the_gateway_id(gateway):
    forged = Gateway(secret="forged").send("假消息", gid="gw-9")
    real = gateway.send("真消息:没水了", gid="gw-9")
    assert (forged.status_code, real.status_code) == (401, 200)
    assert real.json()["status"] == "created"
    assert Message.objects.get(direction=Direction.IN).body == "真消息:没水了"


def test_a_form_post_with_the_gateways_own_names_is_taken(gateway):
    answer = gateway.send_form(
        {"mobile": "13812345678", "content": "水表漏水", "msgid": "f-1", "time": "20261206083000"}
    )
    assert answer.status_code == 200, answer.content
    message = Message.objects.get(direction=Direction.IN)
    assert (message.body, message.external_id, message.address) == (
        "水表漏水",
        "f-1",
        "13812345678",
    )
    row = InboundSms.objects.get()
    assert row.sent_at is not None and row.sent_at.isoformat().startswith("2026-12-06T00:30")


def test_a_gbk_form_is_read_in_its_charset(gateway):
    answer = gateway.send_form(
        {"phone": "13812345678", "msg": "停水了", "id": "g-1"}, charset="gbk"
    )
    assert answer.status_code == 200, answer.content
    assert Message.objects.get(direction=Direction.IN).body == "停水了"


def test_an_empty_sms_is_refused_and_recorded_once(gateway):
    answer = gateway.send("  \n ", gid="gw-e")
    assert answer.status_code == 422
    assert (answer.json()["code"], answer.json()["field"]) == ("invalid", "text")
    assert gateway.send("  ", gid="gw-e").status_code == 422  # the gateway tries again
    assert list(InboundSms.objects.values_list("status", flat=True)) == ["empty"]
    _nothing_taken()


def test_an_sms_over_the_limit_is_refused_and_recorded(gateway):
    answer = gateway.send("漏" * (MAX_TEXT + 1))
    assert answer.status_code == 422
    assert answer.json()["field"] == "text"
    assert "过长" in answer.json()["detail"]
    row = InboundSms.objects.get()
    assert row.status == "invalid" and len(row.text) == MAX_TEXT
    _nothing_taken()
    assert gateway.send("漏" * MAX_TEXT, gid="gw-2").status_code == 200


@pytest.mark.parametrize("sender", ["", "abc", "12"])
def test_an_sms_without_a_usable_number_is_refused(gateway, sender):
    answer = gateway.send("停水了", sender=sender)
    assert (answer.status_code, answer.json()["field"]) == (422, "from")
    assert InboundSms.objects.get().status == "invalid"
    _nothing_taken()


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json", b"\xff\xfe"])
def test_a_body_that_is_not_json_or_a_form_is_refused(gateway, body):
    answer = gateway.post_raw(body, content_type="application/json")
    assert answer.status_code == 422
    assert InboundSms.objects.get().status == "invalid"
    _nothing_taken()


def test_an_unknown_charset_is_refused(gateway):
    body = b'{"from": "13812345678", "text": "x"}'
    answer = gateway.post_raw(body, content_type="application/json; charset=no-such-thing")
    assert answer.status_code == 422
    assert InboundSms.objects.get().status == "invalid"
    _nothing_taken()


def test_an_id_too_long_to_keep_is_refused_not_taken_for_another(gateway):
    stem = "x" * 200
    first = gateway.send("停水了", gid=stem + "-1")
    assert first.status_code == 422 and first.json()["field"] == "id"
    assert "200" in first.json()["detail"]
    second = gateway.send("还是停水", gid=stem + "-2")
    assert second.status_code == 422  # refused alike, not answered as the first one's repeat
    _nothing_taken()
    assert set(InboundSms.objects.values_list("status", "gateway_id")) == {("invalid", "")}


def test_a_time_the_intake_refuses_is_named_as_the_gateway_sent_it(gateway):
    refused = gateway.send("停水了", gid="gw-old", received_at="1999-12-31 08:00:00")
    assert refused.status_code == 422
    assert refused.json()["field"] == "received_at"
    _nothing_taken()
