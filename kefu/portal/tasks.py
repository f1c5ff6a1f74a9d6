"""Background jobs of the portal: each calls one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.portal import services


@db_periodic_task(crontab(minute="17"))
def sweep_portal_records() -> int:
    """Delete SMS codes and rate-limit counters older than a day (hourly)."""
    return services.sweep_portal_records()
