#!/usr/bin/env python
"""Kefu notice benchmark: one outage notice to every customer of the loaded center.

    .venv/bin/python bench/notices.py --db postgres [--batch 500] [--send 5000]

Runs on the database bench/run.py loaded (`--tickets 1000000` gives 200,000 customers; load it
first, this script only reads it and adds the notice). Publishes a notice for every service
area, then runs the SMS campaign's batches one after the other in this process (no rate-limit
pause: the figure is the work, the pause is a setting) and reports the time to queue every SMS
and how much the process's peak memory grew meanwhile; then sends `--send` of the queued SMS through the log gateway
(kefu.notify's worker path: claim, send, record) and reports the rate; last it closes the
notice and runs the closing SMS (结束通知) to the customers told at publishing. Loopback and the
local database only.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kefu_bench")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--batch", type=int, default=500, help="customers per campaign batch")
    p.add_argument("--send", type=int, default=5000, help="queued SMS to send and time")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    data = Path(args.data_dir or f"/tmp/kefu-bench-{args.db}")
    os.environ.update(
        KEFU_DATA_DIR=str(data),
        DATABASE_URL=args.pg_url if args.db == "postgres" else f"sqlite:///{data / 'kefu.sqlite3'}",
        KEFU_SECRET_KEY="kefu-bench-secret-key-not-for-production",
        KEFU_LOG_LEVEL="WARNING",
        KEFU_NOTICE_SMS_BATCH=str(args.batch),
        DJANGO_SETTINGS_MODULE="kefu.settings",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the loaded database, brought up to this tree
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from kefu.accounts.models import ServiceArea
    from kefu.customers.models import Customer
    from kefu.notices import campaign as campaigns
    from kefu.notices import services as notices
    from kefu.notify import services as notify
    from kefu.notify.models import Delivery, DeliveryAttempt

    with connection.cursor() as cur:  # a previous run's notice SMS and their attempts
        table = Delivery._meta.db_table
        cur.execute(
            f'DELETE FROM "{DeliveryAttempt._meta.db_table}" WHERE delivery_id IN '
            f"(SELECT id FROM \"{table}\" WHERE key LIKE 'notice:%%')"
        )
        cur.execute(f"DELETE FROM \"{table}\" WHERE key LIKE 'notice:%%'")
    lead = get_user_model().objects.get(username="lead")
    areas = list(ServiceArea.objects.values_list("code", flat=True))
    customers = Customer.objects.filter(area__code__in=areas, is_active=True).count()
    now = timezone.now()
    notice = notices.create_notice(
        notices.NoticeIn(
            kind="outage",
            title="全市主管网抢修停水",
            starts_at=now,
            expected_end=now + dt.timedelta(hours=8),
            areas=areas,
            content="主管网爆管抢修,全部片区停水,恢复时间另行通知。",
        ),
        actor=lead,
    )
    preview = notices.preview_notice(notice.id, actor=lead)  # what the page asks to confirm
    notices.publish_notice(  # the campaign is queued, not run here
        notice.id, actor=lead, expected_recipients=preview.recipients, token=preview.token
    )
    campaign = notice.campaigns.get(purpose="published")  # the 发布通知
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    batches = 0
    while campaigns.send_campaign_batch(campaign.pk):
        batches += 1
    queue_seconds = time.perf_counter() - t0
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    campaign.refresh_from_db()
    ids = list(
        Delivery.objects.filter(key__startswith=f"notice:{notice.pk}:")
        .order_by("pk")
        .values_list("pk", flat=True)[: args.send]
    )
    t0 = time.perf_counter()
    for pk in ids:
        notify.send_delivery(pk)
    send_seconds = time.perf_counter() - t0
    rate = len(ids) / send_seconds if send_seconds else 0
    # Water back: closing the notice texts the customers told at publishing (结束通知).
    notices.close_notice(notice.id, actor=lead, closing_text="主管网抢修完毕,已恢复供水")
    closing = notice.campaigns.get(purpose="closed")
    t0 = time.perf_counter()
    closing_batches = 0
    while campaigns.send_campaign_batch(closing.pk):
        closing_batches += 1
    closing_seconds = time.perf_counter() - t0
    closing.refresh_from_db()
    command = " ".join(
        shlex.quote(a) for a in [".venv/bin/python", "bench/notices.py", *sys.argv[1:]]
    )
    print()
    print(f"== Kefu notice benchmark ({args.db})")
    print(f"{'affected customers':<52} {customers:,}")
    print(f"{'SMS queued / skipped (no mobile)':<52} {campaign.sent:,} / {campaign.skipped:,}")
    print(
        f"{'time to queue them all (' + str(batches + 1) + ' batches of ' + str(args.batch) + ')':<52} "
        f"{queue_seconds:.1f} s ({campaign.sent / queue_seconds:,.0f} SMS/s)"
    )
    print(f"{'peak memory growth while queuing':<52} {grown_kb / 1024:.1f} MB")
    print(
        f"{'sent through the log gateway':<52} {len(ids):,} in {send_seconds:.1f} s ({rate:,.0f} SMS/s)"
    )
    if rate:
        print(f"{'  so all of them would take':<52} {campaign.sent / rate / 60:.1f} min")
    print(
        f"{'closing SMS queued (' + str(closing_batches + 1) + ' batches)':<52} "
        f"{closing.sent:,} in {closing_seconds:.1f} s "
        f"({closing.sent / closing_seconds if closing_seconds else 0:,.0f} SMS/s)"
    )
    print(f"command: {command}")


if __name__ == "__main__":
    main()
