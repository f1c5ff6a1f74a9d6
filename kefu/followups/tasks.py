"""Background jobs of callbacks and surveys: each takes ids and calls one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.followups import services


@db_task(retries=3, retry_delay=60)
def send_survey_invite(survey_id: int) -> bool:
    """Send one survey link by SMS (queued after the resolution commits)."""
    return services.send_survey_invite(survey_id)


@db_periodic_task(crontab(minute="*/10"))
def sweep_expired_surveys() -> int:
    """Mark survey links past their validity expired (every 10 minutes)."""
    return services.sweep_expired_surveys()
