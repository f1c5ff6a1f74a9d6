"""Periodic jobs of the work orders."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.dispatch import followup

# ---------------------------------------------------------------------------------- follow-up


@db_periodic_task(crontab(minute="*"))
def check_dispatched_orders() -> int:
    """The check after dispatch: write each due order's state, tell the desk if nobody
    accepted it (every minute)."""
    return followup.run_checks()


@db_periodic_task(crontab(minute="*"))
def chase_overdue_orders() -> int:
    """Chase the orders past their due time at the desks' chase times (every minute)."""
    return followup.chase_overdue()


# ------------------------------------------------------------------------- end of follow-up
