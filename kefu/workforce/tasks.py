"""Background making of rosters."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.workforce import services


@db_task()
def solve_roster_task(roster_id: int) -> str:
    """Run the solver for a roster asked for (计算中)."""
    return services.solve_roster(roster_id).status


@db_periodic_task(crontab(minute="*/5"))
def sweep_stalled_rosters() -> int:
    """Mark failed the rosters whose worker stopped while solving (every 5 minutes)."""
    return services.fail_stalled_rosters()
