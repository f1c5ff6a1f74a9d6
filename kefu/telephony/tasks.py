"""Periodic jobs of the caller log and the floor."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.telephony.ladder import check_ladder
from kefu.telephony.services import close_stale_calls


@db_periodic_task(crontab(minute="*/10"))
def sweep_stale_calls() -> int:
    """End calls whose hangup never arrived (every 10 minutes)."""
    return close_stale_calls()


@db_periodic_task(crontab(minute="*"))
def watch_ladder() -> int:
    """Move the emergency-staffing ladder when the queue stays as it is (every minute; each
    CTI event that changes the queue moves it too)."""
    return len(check_ladder())
