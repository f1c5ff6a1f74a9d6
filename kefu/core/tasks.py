from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.core import idempotency


@db_periodic_task(crontab(minute="17"))
def forget_idempotency_keys() -> int:
    """Drop the API's idempotency keys older than 24 hours (hourly)."""
    return idempotency.forget_old()
