"""Periodic jobs of the time limits."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.sla.services import sweep


@db_periodic_task(crontab(minute="*"))
def sweep_deadlines() -> tuple[int, int]:
    """Warn before deadlines and mark breaches (every minute; cost grows with open deadlines)."""
    return sweep()
