"""Background sending of notifications."""

import logging
import threading

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from kefu.notify import services

logger = logging.getLogger(__name__)


@db_task()
def send_delivery(delivery_id: int) -> str | None:
    """Send one delivery (queued after its creator's transaction commits)."""
    return services.send_delivery(delivery_id)


@db_task()
def send_deliveries(delivery_ids: list[int]) -> list[str | None]:
    """Send a batch of deliveries made together (a sweep's notices), each claimed on its own."""
    return [services.send_delivery(pk) for pk in delivery_ids]


@db_periodic_task(crontab(minute="*"))
def send_due_deliveries() -> int:
    """Send queued e-mail, SMS and webhooks whose retry is due or whose send was lost (every minute)."""
    return services.send_due_deliveries()


@db_task()
def take_over_after_start() -> int:
    """The minute's sending, run once a lease after a worker started (see below)."""
    return services.send_due_deliveries()


_started = threading.Lock()


@on_startup()
def look_again_after_a_lease() -> None:
    """A worker starting may be the one restarted after being killed mid-send: one lease from
    now whatever that worker held has lapsed, and is taken over then rather than at the next
    minute's sweep. Once per process (the hook runs in each of its worker threads)."""
    if not _started.acquire(blocking=False):
        return
    delay = settings.NOTIFY_LEASE + 1
    try:
        take_over_after_start.schedule(delay=delay)
    except Exception:  # noqa: BLE001 - the minute's sweep takes over instead
        logger.exception("could not schedule the take-over of lapsed deliveries")
