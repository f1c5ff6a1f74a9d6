"""Lost and found's custody jobs: valuables to the custodian at day end, unclaimed items to
finance after the period. Both are idempotent (kefu.frontdesk.services)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.frontdesk import services, shift


@db_periodic_task(crontab(hour="22", minute="0"))
def sweep_day_end_custody() -> int:
    """Valuables not claimed by day end go to the lost-and-found custodian (22:00 daily)."""
    return services.sweep_day_end_custody()


@db_periodic_task(crontab(hour="2", minute="30"))
def sweep_to_finance() -> int:
    """Items unclaimed after KEFU_LOST_FOUND_DAYS go to finance as one batch (02:30 daily)."""
    batch = services.sweep_to_finance()
    return batch.count if batch else 0


@db_periodic_task(crontab(minute="*/10"))
def lock_ended_duty_records() -> int:
    """Duty records whose shift is over are locked (every 10 minutes; idempotent)."""
    return shift.lock_ended()


@db_periodic_task(crontab(day="1", hour="0", minute="30"))
def bind_duty_month() -> int:
    """The past month's duty records are bound on the 1st: what is still open is locked."""
    return shift.bind_month()
