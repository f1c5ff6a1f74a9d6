"""Periodic jobs run once per period, however many workers run.

Every ``kefu worker`` runs huey's scheduler, so with two workers each periodic job is queued
twice each period (twice a minute for the time-limit sweep). Before a periodic job runs, its
worker claims the period in ``core_periodicrun`` — one row per job and period, unique — and the
worker that finds the period claimed skips the run, logged as such. The period is the last
minute at or before the run that the job's crontab names (a job queued at 10:00:59 and run at
10:01:00 counts for 10:01), looked for up to 32 days back (the monthly report); a job started
by hand off its schedule (``kefu shell``) thus counts for its latest scheduled minute.

A worker killed while running a job has claimed the period: the job runs again at its next
period (as with one worker). The jobs are written to be safe to run again (each sweep looks at
what is due now; the monthly report is prepared once per month, kefu.reports.services).

In immediate mode (tests, ``KEFU_HUEY_IMMEDIATE``) nothing is claimed: one process runs each
job as it is called. Claims older than a week are forgotten (kefu.core.tasks).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from huey.api import Huey, PeriodicTask, Task
from huey.exceptions import CancelExecution

from kefu.core.models import PeriodicRun

logger = logging.getLogger(__name__)

LOOKBACK = dt.timedelta(days=32)
KEEP = dt.timedelta(days=7)
WORKER = f"{socket.gethostname()}:{os.getpid()}"[:100]


def task_name(task: Task) -> str:
    return f"{type(task).__module__}.{task.name}"


def period_of(task: PeriodicTask, now: dt.datetime) -> dt.datetime:
    """The last minute at or before ``now`` (aware) that ``task``'s schedule names, in the
    center's time; the current minute if none within LOOKBACK."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    naive = timezone.make_naive(local)  # huey checks crontabs against naive local times
    minute = naive
    oldest = naive - LOOKBACK
    while minute >= oldest:
        if task.validate_datetime(minute):
            return timezone.make_aware(minute)
        minute -= dt.timedelta(minutes=1)
    return local


def claim(name: str, period: dt.datetime) -> bool:
    """Claim ``period`` of the job ``name`` for this worker: False when another worker has."""
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(task=name, period=period, worker=WORKER)
    except IntegrityError:
        return False
    return True


def claim_period(task: Task) -> None:
    """huey's pre-execute hook: a periodic job runs only in the worker that claims its
    period; any other task runs as queued."""
    if not isinstance(task, PeriodicTask):
        return
    close_old_connections()  # a connection broken since the last job is not reused
    name, period = task_name(task), period_of(task, timezone.now())
    if not claim(name, period):
        logger.info(
            "periodic job %s for %s skipped: another worker ran it", name, f"{period:%H:%M}"
        )
        close_old_connections()
        raise CancelExecution()
    logger.info("periodic job %s for %s runs here (%s)", name, f"{period:%Y-%m-%d %H:%M}", WORKER)


def install(huey: Huey) -> None:
    """Register the claim on ``huey`` (kefu.core.apps), unless it runs tasks immediately."""
    if not huey.immediate:
        huey.pre_execute(name="kefu.periodic.claim")(claim_period)


def forget_old() -> int:
    """Drop the claims older than KEEP."""
    deleted, _ = PeriodicRun.objects.filter(claimed_at__lt=timezone.now() - KEEP).delete()
    return deleted
