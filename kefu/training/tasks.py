"""Training's job: papers past their deadline are marked with what was saved."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.training import services


@db_periodic_task(crontab(minute="*"))
def sweep_overdue_attempts() -> int:
    """Attempts past their deadline marked (every minute; idempotent)."""
    return services.sweep_overdue_attempts()
