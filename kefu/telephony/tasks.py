"""Periodic jobs of the caller log."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.telephony.services import close_stale_calls


@db_periodic_task(crontab(minute="*/10"))
def sweep_stale_calls() -> int:
    """End calls whose hangup never arrived (every 10 minutes)."""
    return close_stale_calls()
