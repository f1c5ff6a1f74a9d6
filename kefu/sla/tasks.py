"""Periodic jobs of the time limits."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.sla.escalation import escalate
from kefu.sla.services import sweep


@db_periodic_task(crontab(minute="*"))
def sweep_deadlines() -> tuple[int, int, int]:
    """Warn before deadlines, mark breaches and escalate overdue ones (every minute)."""
    warned, breached = sweep()
    return warned, breached, escalate()
