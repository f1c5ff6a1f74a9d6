"""A notice's SMS campaigns: batched, rate-limited, resumable, never twice to anyone.

A notice has at most two campaigns (``Campaign.Purpose``):

* 发布通知 (``published``), started by publishing: every active customer of the notice's
  areas — only those whose address names one of its streets when it has streets
  (kefu.notices.streets) —, event ``notice.published``, keys ``notice:{id}:customer:{customer_id}``. It stops
  (finishes at its next batch) once the notice is closed.
* 结束通知 (``closed``), started by closing: only the customers the 发布通知 texted, event
  ``notice.closed``, keys ``notice:{id}:closed:customer:{customer_id}``. "Texted" means the
  发布通知 queued an SMS for them: a notify Delivery of ``notice.published`` with that
  customer's key exists. The campaign walks the active customers that have such a delivery
  (a correlated EXISTS on the delivery's unique key), in customer id order — so it keeps the
  same customer-id cursor as the 发布通知, and a customer added to the area after publishing,
  or skipped then for want of a mobile number, is not told that it is over. Walking the
  deliveries themselves would order by the key's text, not by customer id. The SMS goes to
  the customer's current first mobile number.

``send_campaign_batch`` takes the next ``NOTICE_SMS_BATCH`` customers after the cursor, in id
order, queues one SMS per customer with a usable mobile number (``send_sms_many``), counts the
others — and those whose number texted 退订, kefu.notify.optout — as skipped, and moves the
cursor — all in one transaction with the campaign row locked.
So a crash half-way rolls back only the batch it was in, the next run starts right after the
last committed batch (nobody skipped), and a batch run twice creates nothing new (nobody
messaged twice).

The batch's ``select_for_update`` also locks the notice's row (the notice is joined in), and
closing locks that row too: closing waits for a 发布通知 batch in flight to commit, and counts
its SMS among the customers to tell that it is over; every later 发布通知 batch sees the
notice closed and stops.

The task (kefu.notices.tasks) runs one batch and schedules the next one
``60 * batch / NOTICE_SMS_PER_MINUTE`` seconds later; a sweep re-queues a campaign whose next
batch is overdue (the worker stopped between batches).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from kefu.core import center
from kefu.core.phones import normalize_phone
from kefu.customers.models import Customer, CustomerPhone
from kefu.notices import streets, tasks
from kefu.notices.models import Campaign, Notice
from kefu.notify.models import Delivery
from kefu.notify.optout import opted_out
from kefu.notify.services import send_sms_many, sms_preview

logger = logging.getLogger(__name__)

Purpose = Campaign.Purpose

EVENTS: dict[str, str] = {Purpose.PUBLISHED: "notice.published", Purpose.CLOSED: "notice.closed"}
# The notice state a campaign runs in; in any other it stops.
RUNS_WHILE: dict[str, str] = {
    Purpose.PUBLISHED: Notice.State.PUBLISHED,
    Purpose.CLOSED: Notice.State.CLOSED,
}
# Punctuation ending a closing text: the 结束通知's words put their own full stop after it.
SENTENCE_END = re.compile(r"[。.!!;;,,、\s]+$")
# A running campaign whose next batch is this late has lost its worker: queue it again.
STALLED_AFTER = dt.timedelta(minutes=5)


def key_prefix(notice_id: int, purpose: str) -> str:
    """The start of every SMS key of the notice's campaign ``purpose``; the customer id ends it."""
    if purpose == Purpose.CLOSED:
        return f"notice:{notice_id}:closed:customer:"
    return f"notice:{notice_id}:customer:"


def sms_key(notice_id: int, customer_id: int, *, purpose: str) -> str:
    return f"{key_prefix(notice_id, purpose)}{customer_id}"


def batch_delay_seconds() -> float:
    """Seconds between two batches so that at most NOTICE_SMS_PER_MINUTE are queued a minute."""
    return 60.0 * settings.NOTICE_SMS_BATCH / settings.NOTICE_SMS_PER_MINUTE


def is_mobile(number: str) -> bool:
    return len(number) == 11 and number.startswith("1")


def _in_areas(notice: Notice) -> QuerySet[Customer]:
    area_ids = list(notice.areas.values_list("pk", flat=True))
    return Customer.objects.filter(area_id__in=area_ids, is_active=True)


def affected_customers(notice: Notice) -> QuerySet[Customer]:
    """The active customers of the notice's areas, narrowed to the addresses naming one of
    its streets when it has any: the one definition of who a notice's 发布通知 is for (the
    preview, the campaign's total and each of its batches)."""
    customers = _in_areas(notice)
    words = streets.street_words(notice.streets)
    return customers.filter(streets.address_matches(words)) if words else customers


def texted_customers(notice: Notice) -> QuerySet[Customer]:
    """The active customers the notice's 发布通知 queued an SMS for (see the module docstring)."""
    published_key = Concat(
        Value(key_prefix(notice.pk, Purpose.PUBLISHED)),
        Cast(OuterRef("pk"), output_field=CharField()),
        output_field=CharField(),
    )
    sms = Delivery.objects.filter(event=EVENTS[Purpose.PUBLISHED], key=published_key)
    return Customer.objects.filter(Exists(sms), is_active=True)


def _recipients(notice: Notice, purpose: str) -> QuerySet[Customer]:
    if purpose == Purpose.CLOSED:
        return texted_customers(notice)
    return affected_customers(notice)


def start_campaign(notice: Notice, *, purpose: str) -> Campaign:
    """The notice's campaign ``purpose`` (made once, in the caller's transaction, which holds
    the notice's row lock), its first batch queued after commit."""
    now = timezone.now()
    campaign, created = Campaign.objects.get_or_create(
        notice=notice,
        purpose=purpose,
        defaults={
            "total": _recipients(notice, purpose).count(),
            "started_at": now,
            "next_batch_at": now,
        },
    )
    if created:
        transaction.on_commit(lambda: _enqueue(campaign.pk))
    return campaign


def _enqueue(campaign_id: int, *, delay: float = 0) -> None:
    try:
        if delay > 0:
            tasks.run_campaign.schedule((campaign_id,), delay=delay)
        else:
            tasks.run_campaign(campaign_id)
    except Exception:  # noqa: BLE001 - the sweep queues what was not queued
        logger.exception("could not queue notice campaign %s", campaign_id)


def _mobiles_of(customer_ids: list[int]) -> dict[int, str]:
    """Each customer's first usable mobile number (primary first); customers without one are
    left out. One query of plain values: a batch builds no model objects."""
    mobiles: dict[int, str] = {}
    rows = (
        CustomerPhone.objects.filter(customer_id__in=customer_ids)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "number")
    )
    for customer_id, raw in rows:
        if customer_id in mobiles:
            continue
        # Stored numbers are normalized at entry: an 11-digit 1xx number needs no parsing.
        number = raw if is_mobile(raw) and raw.isdigit() else normalize_phone(raw)
        if is_mobile(number):
            mobiles[customer_id] = number
    return mobiles


def _when(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%m月%d日%H:%M}"


def _streets_said(notice: Notice) -> str:
    """The streets as the SMS says them after the areas: "(解放路、人民路)", or ""."""
    names = streets.street_names(notice.streets)
    return f"({'、'.join(names)})" if names else ""


def _context(notice: Notice, purpose: str) -> dict:
    context = {
        "kind": notice.get_kind_display(),
        "notice_title": notice.title,
        "areas": "、".join(a.name for a in notice.areas.all()),
        "streets": _streets_said(notice),
    }
    if purpose == Purpose.CLOSED:
        assert notice.actual_end is not None, "closing a notice sets its actual end"
        # The words end the closing text's sentence themselves.
        closing = SENTENCE_END.sub("", notice.closing_text.strip())
        return context | {"actual_end": _when(notice.actual_end), "closing_text": closing}
    return context | {
        "starts_at": _when(notice.starts_at),
        "expected_end": _when(notice.expected_end),
        # The words put the advice last, as a sentence of its own, and end it themselves.
        "advice": SENTENCE_END.sub("", notice.advice.strip()),
    }


# Customers whose mobile numbers are read in one query when previewing.
PREVIEW_CHUNK = 2000


@dataclass(frozen=True)
class Preview:
    """What publishing the notice would send now: shown before the agent confirms, and
    checked again when publishing (``token`` changes with the recipients and the text)."""

    customers: int  # affected: the areas' active customers, narrowed by the streets
    recipients: int  # of them, with a mobile number not opted out: the SMS to send
    in_areas: int  # the areas' active customers before the streets narrowed them
    streets: list[str]  # the street words that narrowed them
    sms_text: str  # as the phone shows it, signature first
    token: str
    unsubscribed: int = 0  # of them, with a mobile number that texted 退订 (not texted)

    @property
    def without_mobile(self) -> int:
        return self.customers - self.recipients - self.unsubscribed

    @property
    def length(self) -> int:
        return len(self.sms_text)

    @property
    def parts(self) -> int:
        return center.sms_parts(self.sms_text)


def preview(notice: Notice) -> Preview:
    """Who the notice's 发布通知 would text now and the SMS they would get: the same
    customers (``_affected``), numbers (``_mobiles_of``) and words (``_context``) the
    campaign's batches use. Writes nothing."""
    customer_ids = list(affected_customers(notice).order_by("pk").values_list("pk", flat=True))
    digest = hashlib.sha256()
    recipients = unsubscribed = 0
    for start in range(0, len(customer_ids), PREVIEW_CHUNK):
        chunk = customer_ids[start : start + PREVIEW_CHUNK]
        mobiles = _mobiles_of(chunk)
        refused = opted_out(mobiles.values())
        for customer_id in chunk:
            if mobiles.get(customer_id) in refused:
                unsubscribed += 1
            elif customer_id in mobiles:
                recipients += 1
                digest.update(f"{customer_id}:{mobiles[customer_id]};".encode())
    text = sms_preview(EVENTS[Purpose.PUBLISHED], context=_context(notice, Purpose.PUBLISHED))
    digest.update(f"|{notice.pk}|{text}".encode())
    return Preview(
        customers=len(customer_ids),
        recipients=recipients,
        in_areas=_in_areas(notice).count(),
        streets=streets.street_words(notice.streets),
        sms_text=text,
        token=digest.hexdigest()[:16],
        unsubscribed=unsubscribed,
    )


@transaction.atomic
def send_campaign_batch(campaign_id: int) -> bool:
    """Queue the next batch of the campaign; True when customers remain after it.

    Holds the campaign's and its notice's row locks for the batch, so two workers never run
    one batch at once and the notice is not closed half-way through one. A 发布通知 stops
    once its notice is closed (its remaining customers are not messaged any more); a 结束通知
    runs on the closed notice.
    """
    campaign = Campaign.objects.select_for_update().select_related("notice").get(pk=campaign_id)
    if campaign.state == Campaign.State.DONE:
        return False
    notice, purpose = campaign.notice, campaign.purpose
    if notice.state != RUNS_WHILE[purpose]:
        _finish(campaign)
        return False
    customers = list(
        _recipients(notice, purpose)
        .filter(pk__gt=campaign.cursor)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.NOTICE_SMS_BATCH + 1]
    )
    # One more than a batch is read to know whether this batch is the last one.
    more = len(customers) > settings.NOTICE_SMS_BATCH
    customers = customers[: settings.NOTICE_SMS_BATCH]
    if not customers:
        _finish(campaign)
        return False
    mobiles = _mobiles_of(customers)
    refused = opted_out(mobiles.values())  # 退订: skipped like a customer without a mobile
    recipients = []
    for customer_id in customers:
        number = mobiles.get(customer_id)
        if number and number not in refused:
            recipients.append((number, sms_key(notice.pk, customer_id, purpose=purpose)))
        else:
            campaign.skipped += 1
    # One write for the batch; each key sends once, however often the batch is run.
    queued = send_sms_many(recipients, event=EVENTS[purpose], context=_context(notice, purpose))
    campaign.sent += sum(1 for _number, key in recipients if key in queued)
    campaign.failed += sum(1 for _number, key in recipients if key not in queued)
    campaign.cursor = customers[-1]
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
    """Queue again each running campaign (either purpose) whose next batch is overdue;
    returns how many."""
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
    # the notify delivery log: queued / sending / sent / failed / gave_up / uncertain
    by_status: dict[str, int]
    key_prefix: str = ""  # the start of the campaign's delivery keys (to find them in the log)

    @property
    def delivered(self) -> int:
        return self.by_status.get(Delivery.Status.SENT, 0)

    @property
    def uncertain(self) -> int:
        """待核实: cut off after the gateway may have taken them; not sent again by themselves."""
        return self.by_status.get(Delivery.Status.UNCERTAIN, 0)

    @property
    def undeliverable(self) -> int:
        return self.by_status.get(Delivery.Status.FAILED, 0) + self.by_status.get(
            Delivery.Status.GAVE_UP, 0
        )


def delivery_summary(notice: Notice, *, purpose: str) -> DeliverySummary | None:
    """The counters of the notice's campaign ``purpose`` and its SMS by delivery status, or
    None before that campaign started (before publishing, before closing)."""
    campaign = Campaign.objects.filter(notice=notice, purpose=purpose).first()
    if campaign is None:
        return None
    rows = (
        Delivery.objects.filter(
            event=EVENTS[purpose], key__startswith=key_prefix(notice.pk, purpose)
        )
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
        key_prefix=key_prefix(notice.pk, purpose),
    )
