"""Periodic jobs of complaints."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.complaints.services import sweep_unresolved


@db_periodic_task(crontab(minute="7"))
def sweep_unresolved_complaints() -> int:
    """Make responsibility complaints unresolved for a month major (hourly)."""
    return sweep_unresolved()
