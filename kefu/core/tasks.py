"""Periodic jobs of core: the daily retention run, forgetting old idempotency keys and old
claims of periodic jobs."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.core import idempotency, periodic, retention


@db_periodic_task(crontab(hour="2", minute="40"))
def purge_expired_data() -> int:
    """Anonymise or destroy what has outlived its retention period (daily, 02:40); the
    run's report is in the admin (数据清理记录)."""
    return retention.run_retention(trigger="schedule").pk


@db_periodic_task(crontab(minute="17"))
def forget_idempotency_keys() -> int:
    """Drop the API's idempotency keys older than 24 hours (hourly)."""
    return idempotency.forget_old()


@db_periodic_task(crontab(hour="3", minute="20"))
def forget_periodic_runs() -> int:
    """Drop the periodic jobs' claims older than a week (daily, 03:20)."""
    return periodic.forget_old()
