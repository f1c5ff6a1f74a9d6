"""A notice's SMS to every active customer of its areas: batched, rate-limited, resumable.

``send_campaign_batch`` takes the next ``NOTICE_SMS_BATCH`` customers after the cursor, in id
order, queues one SMS per customer with a usable mobile number (``send_sms_many``, a key
``notice:{id}:customer:{customer_id}``), counts the others as skipped, and moves the cursor —
all in one transaction with the campaign row locked. So a crash half-way rolls back only the
batch it was in, the next run starts right after the last committed batch (nobody skipped),
and a batch run twice creates nothing new (nobody messaged twice).

The task (kefu.notices.tasks) runs one batch and schedules the next one
``60 * batch / NOTICE_SMS_PER_MINUTE`` seconds later; a sweep re-queues a campaign whose next
batch is overdue (the worker stopped between batches).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from kefu.core.phones import normalize_phone
from kefu.customers.models import Customer
from kefu.notices.models import Campaign, Notice
from kefu.notify.models import Delivery
from kefu.notify.services import send_sms_many

logger = logging.getLogger(__name__)

EVENT = "notice.published"
# A running campaign whose next batch is this late has lost its worker: queue it again.
STALLED_AFTER = dt.timedelta(minutes=5)


def sms_key(notice_id: int, customer_id: int) -> str:
    return f"notice:{notice_id}:customer:{customer_id}"


def batch_delay_seconds() -> float:
    """Seconds between two batches so that at most NOTICE_SMS_PER_MINUTE are queued a minute."""
    return 60.0 * settings.NOTICE_SMS_BATCH / settings.NOTICE_SMS_PER_MINUTE


def is_mobile(number: str) -> bool:
    return len(number) == 11 and number.startswith("1")


def _affected(notice: Notice):
    area_ids = list(notice.areas.values_list("pk", flat=True))
    return Customer.objects.filter(area_id__in=area_ids, is_active=True)


def start_campaign(notice: Notice) -> Campaign:
    """The notice's campaign (made once, in the caller's transaction), its first batch queued
    after commit."""
    now = timezone.now()
    campaign, created = Campaign.objects.get_or_create(
        notice=notice,
        defaults={"total": _affected(notice).count(), "started_at": now, "next_batch_at": now},
    )
    if created:
        transaction.on_commit(lambda: _enqueue(campaign.pk))
    return campaign


def _enqueue(campaign_id: int, *, delay: float = 0) -> None:
    from kefu.notices.tasks import run_campaign

    try:
        if delay > 0:
            run_campaign.schedule((campaign_id,), delay=delay)
        else:
            run_campaign(campaign_id)
    except Exception:  # noqa: BLE001 - the sweep queues what was not queued
        logger.exception("could not queue notice campaign %s", campaign_id)


def _mobile_of(customer: Customer) -> str:
    """The customer's first usable mobile number (primary first), or ""."""
    for phone in customer.phones.all():  # ordered primary first
        number = normalize_phone(phone.number)
        if is_mobile(number):
            return number
    return ""


def _context(notice: Notice) -> dict:
    def when(value: dt.datetime) -> str:
        return f"{timezone.localtime(value):%m月%d日%H:%M}"

    return {
        "kind": notice.get_kind_display(),
        "notice_title": notice.title,
        "areas": "、".join(a.name for a in notice.areas.all()),
        "starts_at": when(notice.starts_at),
        "expected_end": when(notice.expected_end),
    }


@transaction.atomic
def send_campaign_batch(campaign_id: int) -> bool:
    """Queue the next batch of the campaign; True when customers remain after it.

    Holds the campaign row's lock for the batch, so two workers never run one batch at once.
    A closed notice's campaign stops (its remaining customers are not messaged any more).
    """
    campaign = Campaign.objects.select_for_update().select_related("notice").get(pk=campaign_id)
    if campaign.state == Campaign.State.DONE:
        return False
    notice = campaign.notice
    if notice.state != Notice.State.PUBLISHED:
        _finish(campaign)
        return False
    customers = list(
        _affected(notice)
        .filter(pk__gt=campaign.cursor)
        .order_by("pk")
        .prefetch_related("phones")[: settings.NOTICE_SMS_BATCH + 1]
    )
    # One more than a batch is read to know whether this batch is the last one.
    more = len(customers) > settings.NOTICE_SMS_BATCH
    customers = customers[: settings.NOTICE_SMS_BATCH]
    if not customers:
        _finish(campaign)
        return False
    recipients = []
    for customer in customers:
        number = _mobile_of(customer)
        if number:
            recipients.append((number, sms_key(notice.pk, customer.pk)))
        else:
            campaign.skipped += 1
    # One write for the batch; each key sends once, however often the batch is run.
    queued = send_sms_many(recipients, event=EVENT, context=_context(notice))
    campaign.sent += sum(1 for _number, key in recipients if key in queued)
    campaign.failed += sum(1 for _number, key in recipients if key not in queued)
    campaign.cursor = customers[-1].pk
    campaign.batches += 1
    if more:
        campaign.next_batch_at = timezone.now() + dt.timedelta(seconds=batch_delay_seconds())
        campaign.save()
    else:
        _finish(campaign)
    return more


def _finish(campaign: Campaign) -> None:
    campaign.state = Campaign.State.DONE
    campaign.finished_at = timezone.now()
    campaign.next_batch_at = None
    campaign.save()


def resume_stalled_campaigns() -> int:
    """Queue again each running campaign whose next batch is overdue; returns how many."""
    late = timezone.now() - STALLED_AFTER
    ids = list(
        Campaign.objects.filter(state=Campaign.State.RUNNING, next_batch_at__lt=late).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        _enqueue(pk)
    return len(ids)


@dataclass
class DeliverySummary:
    total: int
    sent: int
    skipped: int
    failed: int
    remaining: int
    by_status: dict[str, int]  # the notify delivery log: queued / sending / sent / failed / gave_up

    @property
    def delivered(self) -> int:
        return self.by_status.get(Delivery.Status.SENT, 0)

    @property
    def undeliverable(self) -> int:
        return self.by_status.get(Delivery.Status.FAILED, 0) + self.by_status.get(
            Delivery.Status.GAVE_UP, 0
        )


def delivery_summary(notice: Notice) -> DeliverySummary | None:
    """The campaign's counters and its SMS by delivery status, or None before publishing."""
    campaign = Campaign.objects.filter(notice=notice).first()
    if campaign is None:
        return None
    rows = (
        Delivery.objects.filter(event=EVENT, key__startswith=f"notice:{notice.pk}:customer:")
        .values("status")
        .annotate(n=Count("pk"))
    )
    by_status = {s: 0 for s in Delivery.Status.values} | {r["status"]: r["n"] for r in rows}
    return DeliverySummary(
        total=campaign.total,
        sent=campaign.sent,
        skipped=campaign.skipped,
        failed=campaign.failed,
        remaining=max(campaign.total - campaign.done, 0)
        if campaign.state == Campaign.State.RUNNING
        else 0,
        by_status=by_status,
    )
