"""The SMS campaign of a published notice: once to every affected mobile customer, batched,
rate-limited, resumable after a crash half-way."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Count
from huey.contrib.djhuey import HUEY

from kefu.customers.services import deactivate_customer
from kefu.notices import campaign as campaign_module
from kefu.notices import tasks
from kefu.notices.campaign import delivery_summary, send_campaign_batch
from kefu.notices.models import Campaign
from kefu.notices.services import close_notice
from kefu.notify.models import Delivery
from tests.customers.factories import make_customer
from tests.notices.factories import make_notice

MOBILES = ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005"]


@pytest.fixture
def affected(lead):
    """Five mobile customers and one with only a landline in 阳光花园; others not affected."""
    people = [make_customer(lead, name=f"客户{i}", phones=(m,)) for i, m in enumerate(MOBILES)]
    landline = make_customer(lead, name="固话客户", phones=("01088881234",))
    make_customer(lead, name="南山客户", phones=("13900000009",), area="nsh")
    gone = make_customer(lead, name="已销户", phones=("13900000008",))
    deactivate_customer(gone.pk, actor=lead)
    return people, landline


def _campaign(notice, purpose: str = "published") -> Campaign:
    return Campaign.objects.get(notice=notice, purpose=purpose)


def _run_to_end(campaign_id: int) -> int:
    batches = 1
    while send_campaign_batch(campaign_id):
        batches += 1
    return batches


def _sms_per_number(notice) -> dict[str, int]:
    rows = (
        Delivery.objects.filter(key__startswith=f"notice:{notice.pk}:")
        .values("address")
        .annotate(n=Count("pk"))
    )
    return {r["address"]: r["n"] for r in rows}


def test_campaign_sends_exactly_once_to_each_affected_mobile_customer(lead, affected, settings):
    settings.NOTICE_SMS_BATCH = 2
    notice = make_notice(lead, publish=True)
    campaign = _campaign(notice)

    batches = _run_to_end(campaign.pk)

    campaign.refresh_from_db()
    assert _sms_per_number(notice) == {m: 1 for m in MOBILES}
    assert (campaign.total, campaign.sent, campaign.skipped, campaign.failed) == (6, 5, 1, 0)
    assert (campaign.state, campaign.batches, batches) == ("done", 3, 3)
    assert campaign.cursor == affected[1].pk
    assert send_campaign_batch(campaign.pk) is False  # a finished campaign sends nothing more
    assert Delivery.objects.filter(key__startswith=f"notice:{notice.pk}:").count() == 5


def test_campaign_sms_says_what_where_and_when(lead, affected):
    notice = make_notice(lead, publish=True)

    _run_to_end(_campaign(notice).pk)

    sms = Delivery.objects.get(address=MOBILES[0])
    assert (sms.event, sms.channel, sms.key) == (
        "notice.published",
        "sms",
        f"notice:{notice.pk}:customer:{affected[0][0].pk}",
    )
    # The body without a signature: the gateway puts the center's first (kefu.core.center).
    assert sms.body == "停水通知:阳光花园停水,阳光花园,11月24日09:00至11月24日18:00。请提前储水"


def test_customer_with_a_landline_and_a_mobile_gets_the_sms_on_the_mobile(lead):
    make_customer(lead, name="两个号码", phones=("01088881234", "13811112222"))
    notice = make_notice(lead, publish=True)

    _run_to_end(_campaign(notice).pk)

    assert _sms_per_number(notice) == {"13811112222": 1}


def test_a_crash_half_way_resumes_after_the_last_batch_and_never_sends_twice(
    lead, affected, settings, monkeypatch
):
    settings.NOTICE_SMS_BATCH = 2
    notice = make_notice(lead, publish=True)
    campaign = _campaign(notice)
    real_send_sms = campaign_module.send_sms_many
    calls = []

    def dies_in_the_second_batch(recipients, **kwargs):
        calls.append(recipients)
        queued = real_send_sms(recipients, **kwargs)  # batch 2's rows written, then …
        if len(calls) == 2:
            raise ConnectionError("worker killed")
        return queued

    monkeypatch.setattr(campaign_module, "send_sms_many", dies_in_the_second_batch)
    assert send_campaign_batch(campaign.pk) is True  # batch 1 committed: customers 0, 1
    with pytest.raises(ConnectionError):
        send_campaign_batch(campaign.pk)  # batch 2 dies after queuing its SMS

    campaign.refresh_from_db()
    assert (campaign.cursor, campaign.sent, campaign.batches) == (affected[0][1].pk, 2, 1)
    assert _sms_per_number(notice) == {MOBILES[0]: 1, MOBILES[1]: 1}  # batch 2 rolled back

    monkeypatch.setattr(campaign_module, "send_sms_many", real_send_sms)
    _run_to_end(campaign.pk)

    campaign.refresh_from_db()
    assert _sms_per_number(notice) == {m: 1 for m in MOBILES}
    assert (campaign.sent, campaign.skipped, campaign.failed, campaign.state) == (5, 1, 0, "done")


def test_a_batch_run_again_creates_no_new_sms(lead, affected, settings):
    settings.NOTICE_SMS_BATCH = 10
    notice = make_notice(lead, publish=True)
    campaign = _campaign(notice)
    send_campaign_batch(campaign.pk)
    # A second worker that read the old cursor before the first committed runs the batch again.
    Campaign.objects.filter(pk=campaign.pk).update(cursor=0, state="running")

    send_campaign_batch(campaign.pk)

    assert _sms_per_number(notice) == {m: 1 for m in MOBILES}


def test_the_task_schedules_the_next_batch_later_to_keep_the_rate(lead, affected, settings):
    settings.NOTICE_SMS_BATCH = 2
    settings.NOTICE_SMS_PER_MINUTE = 10  # 2 a batch: one batch every 12 seconds
    notice = make_notice(lead, publish=True)
    campaign = _campaign(notice)
    HUEY.flush()
    now = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)

    with time_machine.travel(now, tick=False):
        assert tasks.run_campaign.call_local(campaign.pk) is True

    scheduled = HUEY.scheduled()
    assert [(t.name, t.args) for t in scheduled] == [("run_campaign", (campaign.pk,))]
    assert scheduled[0].eta.replace(tzinfo=None) == (now + dt.timedelta(seconds=12)).replace(
        tzinfo=None
    )
    campaign.refresh_from_db()
    assert campaign.next_batch_at == now + dt.timedelta(seconds=12)
    assert _sms_per_number(notice) == {MOBILES[0]: 1, MOBILES[1]: 1}
    HUEY.flush()


def test_the_last_batch_schedules_nothing(lead, affected):
    notice = make_notice(lead, publish=True)
    HUEY.flush()

    assert tasks.run_campaign.call_local(_campaign(notice).pk) is False

    assert HUEY.scheduled() == []
    assert _campaign(notice).state == "done"


def test_a_stalled_campaign_is_queued_again_by_the_sweep(lead, affected, settings):
    settings.NOTICE_SMS_BATCH = 2
    notice = make_notice(lead, publish=True)
    campaign = _campaign(notice)
    send_campaign_batch(campaign.pk)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)):
        resumed = campaign_module.resume_stalled_campaigns()

    assert resumed == 1
    campaign.refresh_from_db()  # huey runs inline in tests: the next batch went out
    assert (campaign.state, campaign.sent, campaign.batches) == ("running", 4, 2)
    assert _sms_per_number(notice) == {m: 1 for m in MOBILES[:4]}
    HUEY.flush()


@time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False)
def test_closing_the_notice_stops_its_campaign(lead, affected, settings):
    settings.NOTICE_SMS_BATCH = 2
    notice = make_notice(lead, publish=True)
    campaign = _campaign(notice)
    send_campaign_batch(campaign.pk)
    close_notice(notice.pk, actor=lead, closing_text="已恢复供水")

    assert send_campaign_batch(campaign.pk) is False

    campaign.refresh_from_db()
    assert (campaign.state, campaign.sent) == ("done", 2)


def test_delivery_summary_counts_the_campaign_and_the_delivery_log(lead, affected, settings):
    notice = make_notice(lead, publish=True)
    _run_to_end(_campaign(notice).pk)
    Delivery.objects.filter(address=MOBILES[0]).update(status="sent")
    Delivery.objects.filter(address=MOBILES[1]).update(status="gave_up")

    summary = delivery_summary(notice, purpose="published")

    assert (summary.total, summary.sent, summary.skipped, summary.failed) == (6, 5, 1, 0)
    assert (summary.remaining, summary.delivered, summary.undeliverable) == (0, 1, 1)
    assert summary.by_status == {
        "queued": 3,
        "sending": 0,
        "sent": 1,
        "failed": 0,
        "gave_up": 1,
        "uncertain": 0,
    }


def test_a_draft_has_no_delivery_summary(lead):
    assert delivery_summary(make_notice(lead), purpose="published") is None


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_with_real_commits_resumes_without_duplicates(
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
    campaign = _campaign(notice)
    assert (campaign.cursor, campaign.sent) > (0, 0)
    real_send_sms = campaign_module.send_sms_many

    def killed(recipients, **kwargs):
        real_send_sms(recipients, **kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(campaign_module, "send_sms_many", killed)
    with pytest.raises(SystemExit):
        send_campaign_batch(campaign.pk)
    assert _sms_per_number(notice) == {MOBILES[0]: 1, MOBILES[1]: 1}

    monkeypatch.setattr(campaign_module, "send_sms_many", real_send_sms)
    _run_to_end(campaign.pk)

    campaign.refresh_from_db()
    assert _sms_per_number(notice) == {m: 1 for m in MOBILES}
    assert (campaign.sent, campaign.skipped, campaign.state) == (5, 0, "done")
    HUEY.flush()
