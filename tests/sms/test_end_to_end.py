"""The SMS channel end to end over real HTTP: the customer's SMS comes from the gateway to the
webhook, becomes a ticket, is acknowledged through the real HTTP SMS transport to a local
gateway server, and the agent's reply arrives there for the customer's number."""

from __future__ import annotations

from kefu.conversations.models import Direction, Message
from kefu.conversations.services import reply
from kefu.notify.models import Delivery

CUSTOMER = "13812345678"


def _to_customer(sms_gateway) -> list[str]:
    return [r.json()["content"] for r in sms_gateway.requests if r.json()["mobile"] == CUSTOMER]


def test_an_sms_in_becomes_a_ticket_and_the_agents_reply_reaches_the_customers_phone(
    gateway, sms_gateway, agent, django_capture_on_commit_callbacks
):
    sms_gateway.reply_with(200, body=b'{"code": 0, "msgid": "out-1"}')
    with django_capture_on_commit_callbacks(execute=True):
        answer = gateway.send("我家水表井冒水,请派人来看看", sender=f"+86{CUSTOMER}")
    assert answer.status_code == 200, answer.content
    serial = answer.json()["serial"]

    (ack,) = _to_customer(sms_gateway)
    assert ack.startswith("【阳光水务】") and serial in ack

    with django_capture_on_commit_callbacks(execute=True):
        reply(serial, actor=agent, text="已派维修人员今天下午前往处理。", via="sms")

    texts = _to_customer(sms_gateway)
    assert len(texts) == 2
    assert texts[1] == f"【阳光水务】【答复】工单{serial}:已派维修人员今天下午前往处理。"
    delivery = Delivery.objects.get(event="ticket.reply")
    assert (delivery.status, delivery.address) == ("sent", CUSTOMER)
    out = Message.objects.get(ticket__serial=serial, direction=Direction.OUT, automatic=False)
    assert out.delivery == delivery

    # The customer answers the reply by SMS: it joins the same ticket, not acknowledged again.
    with django_capture_on_commit_callbacks(execute=True):
        again = gateway.send("好的,谢谢", sender=CUSTOMER, gid="gw-2")
    assert again.json()["status"] == "joined" and again.json()["serial"] == serial
    assert len(_to_customer(sms_gateway)) == 2


def test_td_by_real_http_gets_a_confirmation_from_the_gateway(
    gateway, sms_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = gateway.send("ＴＤ", sender=CUSTOMER, gid="gw-td")
    assert answer.json()["status"] == "unsubscribed"
    (text,) = _to_customer(sms_gateway)
    assert text.startswith("【阳光水务】您已退订停水等公告短信")
