"""Periodic jobs of the members: each calls one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.customers import member_months


@db_periodic_task(crontab(minute="47"))
def sweep_member_months() -> int:
    """Recompute the monthly rollup of the purchases imported in the last two hours (hourly;
    the import keeps it right itself, this catches rows written around it)."""
    return member_months.refresh_recently_imported()
