"""退订 / TD by SMS: the number gets no more notice SMS (and the notices say how many they left
out); 订阅 brings them back; replies to the customer's own requests still go."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from kefu.conversations.models import Message
from kefu.conversations.services import reply
from kefu.notices.campaign import send_campaign_batch
from kefu.notices.models import Campaign
from kefu.notices.services import close_notice, preview_notice
from kefu.notify.models import Delivery, SmsOptOut
from kefu.notify.optout import opted_out
from kefu.notify.services import send_sms_many
from kefu.sms.models import InboundSms
from kefu.sms.services import command_of
from kefu.tickets.models import Ticket
from tests.customers.factories import make_customer
from tests.notices.factories import make_notice, publish_confirmed

STOPPER = "13800000002"


@pytest.mark.parametrize(
    "text",
    [
        "退订",
        "TD",
        "td",
        "ＴＤ",
        " T ",
        "t。",
        "取消订阅!",
        "Unsubscribe.",
        "退 订",
        "【退订】",
        "TD\n",
    ],
)
def test_unsubscribe_words_in_any_width_case_and_punctuation(text):
    assert command_of(text) == "unsubscribe"


@pytest.mark.parametrize("text", ["TD怎么办", "退订了还收到短信", "停水了", "TT", "订阅号", ""])
def test_other_texts_are_not_commands(text):
    assert command_of(text) == ""


@pytest.mark.parametrize("text", ["订阅", "恢复订阅", "Subscribe!"])
def test_subscribe_words(text):
    assert command_of(text) == "resubscribe"


def test_td_puts_the_number_on_the_list_makes_no_ticket_and_confirms(gateway):
    answer = gateway.send("ＴＤ。", sender="+86 13800000002", gid="u-1")
    assert answer.status_code == 200
    assert answer.json() | {"id": 0} == {"status": "unsubscribed", "serial": "", "id": 0}
    row = SmsOptOut.objects.get()
    assert (row.phone, row.source, row.revoked_at) == (STOPPER, "sms", None)
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0
    confirm = Delivery.objects.get(event="sms.unsubscribed")
    assert confirm.address == STOPPER and "您已退订停水等公告短信" in confirm.body
    assert InboundSms.objects.get().status == "unsubscribed"


def test_td_twice_keeps_one_entry_and_confirms_once(gateway):
    gateway.send("TD", sender=STOPPER, gid="u-1")
    again = gateway.send("退订", sender=STOPPER, gid="u-2")
    assert again.json()["status"] == "unsubscribed"
    assert SmsOptOut.objects.count() == 1
    assert Delivery.objects.filter(event="sms.unsubscribed").count() == 1
    assert InboundSms.objects.get(gateway_id="u-2").reason


def test_subscribing_again_revokes_and_keeps_the_history(gateway):
    gateway.send("TD", sender=STOPPER, gid="u-1")
    back = gateway.send("订阅", sender=STOPPER, gid="u-2")
    assert back.json()["status"] == "resubscribed"
    assert opted_out([STOPPER]) == set()
    assert Delivery.objects.filter(event="sms.resubscribed", address=STOPPER).count() == 1
    gateway.send("TD", sender=STOPPER, gid="u-3")
    rows = list(SmsOptOut.objects.order_by("pk").values_list("revoked_source", "revoked_at"))
    assert len(rows) == 2 and rows[0][0] == "sms" and rows[0][1] is not None
    assert rows[1] == ("", None)
    assert opted_out([STOPPER]) == {STOPPER}


@pytest.fixture
def area_customers(lead):
    """Three mobile customers in 阳光花园 (the notices' factory area)."""
    return [make_customer(lead, name=f"客户{i}", phones=(f"1380000000{i}",)) for i in (1, 2, 3)]


def _run(notice, purpose="published"):
    campaign = Campaign.objects.get(notice=notice, purpose=purpose)
    while send_campaign_batch(campaign.pk):
        pass
    campaign.refresh_from_db()
    return campaign


def test_a_notice_published_after_td_does_not_text_the_number(gateway, lead, area_customers):
    gateway.send("TD", sender=STOPPER, gid="u-1")
    notice = make_notice(lead)

    preview = preview_notice(notice.pk, actor=lead)
    assert (preview.customers, preview.recipients, preview.unsubscribed) == (3, 2, 1)
    assert preview.without_mobile == 0

    publish_confirmed(notice.pk, actor=lead)
    campaign = _run(notice)
    texted = set(
        Delivery.objects.filter(event="notice.published").values_list("address", flat=True)
    )
    assert texted == {"13800000001", "13800000003"}
    assert (campaign.sent, campaign.skipped) == (2, 1)


def test_a_number_that_stops_after_publishing_gets_no_closing_sms(gateway, lead, area_customers):
    notice = make_notice(lead, publish=True)
    _run(notice)
    gateway.send("退订", sender=STOPPER, gid="u-1")
    close_notice(notice.pk, actor=lead, closing_text="已恢复供水")
    _run(notice, "closed")
    closing = set(Delivery.objects.filter(event="notice.closed").values_list("address", flat=True))
    assert closing == {"13800000001", "13800000003"}


def test_the_preview_shows_how_many_were_left_out_for_td(
    gateway, lead, area_customers, api_as, web_as
):
    gateway.send("TD", sender=STOPPER, gid="u-1")
    notice = make_notice(lead)

    api = api_as(lead).get(f"/notices/{notice.pk}/preview").json()
    assert (api["recipients"], api["unsubscribed"], api["without_mobile"]) == (2, 1, 0)
    page = web_as(lead).get(f"/notices/{notice.pk}/", {"confirm": "publish"}).content.decode()
    assert "将向 2 位客户发送短信" in page
    assert "其中 1 户已退订公告短信,不发送短信" in page


def test_notice_sms_to_an_opted_out_number_are_not_queued_even_when_asked(gateway):
    gateway.send("TD", sender=STOPPER, gid="u-1")
    queued = send_sms_many(
        [(STOPPER, "notice:1:customer:2"), ("13800000001", "notice:1:customer:1")],
        event="notice.published",
        context={"notice_title": "停水"},
    )
    assert queued == {"notice:1:customer:1"}
    assert not Delivery.objects.filter(address=STOPPER, event="notice.published").exists()


def test_a_reply_to_the_customers_own_request_still_goes_after_td(gateway, agent):
    serial = gateway.send("水管漏水", sender=STOPPER, gid="m-1").json()["serial"]
    gateway.send("TD", sender=STOPPER, gid="u-1")
    reply(serial, actor=agent, text="维修人员下午到。", via="sms")
    answer = Delivery.objects.get(event="ticket.reply")
    assert answer.address == STOPPER and "维修人员下午到。" in answer.body


def test_an_admin_adds_and_restores_a_number_and_nothing_is_deleted(admin_client, org):
    add = admin_client.post(
        reverse("admin:notify_smsoptout_add"), {"phone": "138-0000-0002", "note": "电话要求退订"}
    )
    assert add.status_code == 302, add.content.decode()[:2000]
    row = SmsOptOut.objects.get()
    assert (row.phone, row.source, row.note) == (STOPPER, "admin", "电话要求退订")
    again = admin_client.post(reverse("admin:notify_smsoptout_add"), {"phone": STOPPER})
    assert again.status_code == 200 and "该号码已退订" in again.content.decode()

    restore = admin_client.post(
        reverse("admin:notify_smsoptout_changelist"),
        {"action": "restore", "_selected_action": [row.pk]},
    )
    assert restore.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_source == "admin"
    assert opted_out([STOPPER]) == set()
    assert not site._registry[SmsOptOut].has_delete_permission(None)
