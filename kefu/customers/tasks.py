"""Periodic jobs of the members: each calls one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.customers import member_months


@db_periodic_task(crontab(minute="47"))
def sweep_member_months() -> int:
    """Recompute the monthly rollup of the purchases imported in the last two hours (hourly;
    the import keeps it right itself, this catches rows written around it)."""
    return member_months.refresh_recently_imported()


@db_periodic_task(crontab(hour="0", minute="2"))
def sweep_member_year() -> int:
    """The members' 12 months for the new day (MemberYear), just after midnight (daily)."""
    return member_months.roll_member_year()
