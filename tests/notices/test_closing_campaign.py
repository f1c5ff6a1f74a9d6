"""The SMS that a notice is over (结束通知): at closing, once to each customer the publishing SMS
went to, batched and resumable like the publishing one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count
from huey.contrib.djhuey import HUEY

from kefu.customers.services import CustomerIn, PhoneIn, update_customer
from kefu.notices import campaign as campaign_module
from kefu.notices.campaign import send_campaign_batch
from kefu.notices.models import Campaign
from kefu.notices.services import close_notice
from kefu.notify.models import Delivery
from tests.customers.factories import make_customer
from tests.notices.factories import make_notice

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENDED = dt.datetime(2026, 11, 24, 16, 0, tzinfo=SHANGHAI)
CLOSING_TIME = dt.datetime(2026, 11, 24, 16, 30, tzinfo=SHANGHAI)
MOBILES = ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005"]


@pytest.fixture
def affected(lead):
    """Five mobile customers and one with only a landline in 阳光花园; others not affected."""
    people = [make_customer(lead, name=f"客户{i}", phones=(m,)) for i, m in enumerate(MOBILES)]
    landline = make_customer(lead, name="固话客户", phones=("01088881234",))
    make_customer(lead, name="南山客户", phones=("13900000009",), area="nsh")
    return people, landline


def _campaign(notice, purpose: str) -> Campaign:
    return Campaign.objects.get(notice=notice, purpose=purpose)


def _run_to_end(campaign_id: int) -> None:
    while send_campaign_batch(campaign_id):
        pass


def _sms_per_number(notice, event: str) -> dict[str, int]:
    rows = (
        Delivery.objects.filter(event=event, key__startswith=f"notice:{notice.pk}:")
        .values("address")
        .annotate(n=Count("pk"))
    )
    return {r["address"]: r["n"] for r in rows}


def _close(notice, lead):
    with time_machine.travel(CLOSING_TIME, tick=False):
        return close_notice(notice.pk, actor=lead, closing_text="已恢复供水。", actual_end=ENDED)


def test_closing_texts_each_customer_texted_at_publishing_once_with_the_closing_words(
    lead, affected, settings
):
    settings.NOTICE_SMS_BATCH = 2
    notice = make_notice(lead, publish=True, title="阳光花园小区主管道抢修停水")
    _run_to_end(_campaign(notice, "published").pk)

    _close(notice, lead)
    closing = _campaign(notice, "closed")
    _run_to_end(closing.pk)

    closing.refresh_from_db()
    assert _sms_per_number(notice, "notice.closed") == {m: 1 for m in MOBILES}
    assert (closing.total, closing.sent, closing.skipped, closing.failed) == (5, 5, 0, 0)
    assert (closing.state, closing.batches, closing.cursor) == ("done", 3, affected[0][4].pk)
    sms = Delivery.objects.get(event="notice.closed", address=MOBILES[0])
    assert (sms.channel, sms.key) == (
        "sms",
        f"notice:{notice.pk}:closed:customer:{affected[0][0].pk}",
    )
    assert sms.body == (
        "停水结束:阳光花园小区主管道抢修停水,阳光花园已于11月24日16:00结束,已恢复供水。感谢您的理解。"
    )
    assert send_campaign_batch(closing.pk) is False  # a finished campaign sends nothing more
    assert Delivery.objects.filter(event="notice.closed").count() == 5
    assert _sms_per_number(notice, "notice.published") == {m: 1 for m in MOBILES}


def test_a_customer_added_to_the_area_after_publishing_gets_no_closure_sms(lead, affected):
    notice = make_notice(lead, publish=True)
    _run_to_end(_campaign(notice, "published").pk)
    make_customer(lead, name="新开户", phones=("13700000007",))

    _close(notice, lead)
    _run_to_end(_campaign(notice, "closed").pk)

    assert _sms_per_number(notice, "notice.closed") == {m: 1 for m in MOBILES}
    assert _campaign(notice, "closed").total == 5


def test_a_customer_without_a_mobile_at_publishing_gets_no_closure_sms_after_adding_one(
    lead, affected
):
    notice = make_notice(lead, publish=True)
    _run_to_end(_campaign(notice, "published").pk)
    landline = affected[1]
    update_customer(
        landline.pk,
        CustomerIn(
            name="固话客户", phones=[PhoneIn("01088881234"), PhoneIn("13700000008")], area="yhy"
        ),
        actor=lead,
    )

    _close(notice, lead)
    _run_to_end(_campaign(notice, "closed").pk)

    assert _sms_per_number(notice, "notice.closed") == {m: 1 for m in MOBILES}


def test_closing_a_notice_whose_publishing_sms_was_half_way_texts_only_those_already_told(
    lead, affected, settings
):
    settings.NOTICE_SMS_BATCH = 2
    notice = make_notice(lead, publish=True)
    published = _campaign(notice, "published")
    send_campaign_batch(published.pk)  # customers 0 and 1 told; the other three not yet

    _close(notice, lead)
    stopped = send_campaign_batch(published.pk)
    closing = _campaign(notice, "closed")
    _run_to_end(closing.pk)

    published.refresh_from_db()
    closing.refresh_from_db()
    assert stopped is False
    assert (published.state, published.sent) == ("done", 2)
    assert _sms_per_number(notice, "notice.published") == {MOBILES[0]: 1, MOBILES[1]: 1}
    assert _sms_per_number(notice, "notice.closed") == {MOBILES[0]: 1, MOBILES[1]: 1}
    assert (closing.total, closing.sent, closing.skipped, closing.state) == (2, 2, 0, "done")


def test_an_open_notice_has_no_closure_summary_and_closing_starts_the_closure_campaign(
    lead, affected
):
    notice = make_notice(lead, publish=True)
    assert campaign_module.delivery_summary(notice, purpose="closed") is None

    _close(notice, lead)

    closing = _campaign(notice, "closed")
    assert (closing.state, closing.total, closing.cursor) == ("running", 0, 0)  # none texted yet


def test_a_stalled_closure_campaign_is_queued_again_by_the_sweep(lead, affected, settings):
    settings.NOTICE_SMS_BATCH = 2
    notice = make_notice(lead, publish=True)
    _run_to_end(_campaign(notice, "published").pk)
    _close(notice, lead)
    closing = _campaign(notice, "closed")
    send_campaign_batch(closing.pk)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)):
        resumed = campaign_module.resume_stalled_campaigns()

    assert resumed == 1
    closing.refresh_from_db()  # huey runs inline in tests: the next batch went out
    assert (closing.state, closing.sent, closing.batches) == ("running", 4, 2)
    assert _sms_per_number(notice, "notice.closed") == {m: 1 for m in MOBILES[:4]}
    HUEY.flush()


def test_closure_delivery_summary_counts_its_campaign_and_only_its_sms(lead, affected):
    notice = make_notice(lead, publish=True)
    _run_to_end(_campaign(notice, "published").pk)
    _close(notice, lead)
    _run_to_end(_campaign(notice, "closed").pk)
    Delivery.objects.filter(event="notice.closed", address=MOBILES[0]).update(status="sent")

    closing = campaign_module.delivery_summary(notice, purpose="closed")
    published = campaign_module.delivery_summary(notice, purpose="published")

    assert (closing.total, closing.sent, closing.skipped, closing.remaining) == (5, 5, 0, 0)
    assert closing.by_status == {
        "queued": 4,
        "sending": 0,
        "sent": 1,
        "failed": 0,
        "gave_up": 0,
        "uncertain": 0,
    }
    assert (published.total, published.sent, published.skipped) == (6, 5, 1)
    assert published.by_status == {
        "queued": 5,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "gave_up": 0,
        "uncertain": 0,
    }


@pytest.mark.django_db(transaction=True)
def test_a_closure_campaign_killed_half_way_with_real_commits_resumes_without_duplicates(
    reference_data, settings, monkeypatch
):
    from kefu.accounts.models import Role
    from tests.accounts.factories import make_org, make_person

    make_org()  # committed for real: each batch is its own transaction
    lead = make_person("lead", Role.TEAM_LEAD, number="8001")
    for i, number in enumerate(MOBILES):
        make_customer(lead, name=f"客户{i}", phones=(number,))
    settings.NOTICE_SMS_BATCH = 2
    notice = make_notice(lead, publish=True)  # on_commit ran the first batch inline
    _run_to_end(_campaign(notice, "published").pk)
    _close(notice, lead)  # on_commit ran the closure's first batch inline: customers 0, 1
    closing = _campaign(notice, "closed")
    assert (closing.total, closing.sent, closing.batches) == (5, 2, 1)
    real_send_sms = campaign_module.send_sms_many

    def killed(recipients, **kwargs):
        real_send_sms(recipients, **kwargs)  # batch 2's SMS written, then …
        raise SystemExit("worker killed")

    monkeypatch.setattr(campaign_module, "send_sms_many", killed)
    with pytest.raises(SystemExit):
        send_campaign_batch(closing.pk)
    assert _sms_per_number(notice, "notice.closed") == {MOBILES[0]: 1, MOBILES[1]: 1}

    monkeypatch.setattr(campaign_module, "send_sms_many", real_send_sms)
    _run_to_end(closing.pk)

    closing.refresh_from_db()
    assert _sms_per_number(notice, "notice.closed") == {m: 1 for m in MOBILES}
    assert _sms_per_number(notice, "notice.published") == {m: 1 for m in MOBILES}
    assert (closing.sent, closing.skipped, closing.batches, closing.state) == (5, 0, 3, "done")
    HUEY.flush()
