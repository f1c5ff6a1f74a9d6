"""Outbound lists' housekeeping."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.outbound import services


@db_periodic_task(crontab(minute="5"))
def close_ended_lists() -> int:
    """Close the lists whose end day has passed (hourly)."""
    return services.close_ended_lists()
