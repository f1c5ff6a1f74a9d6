"""Background jobs of work orders: sending the dispatch SMS, resending it when the gateway
works again, the check after dispatch and the chasing of overdue orders."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.dispatch import followup, sending

# ---------------------------------------------------------------------------------- dispatch SMS


@db_task()
def send_dispatch_message(message_id: int) -> str | None:
    """Send one dispatch SMS and record how it went (queued after the dispatch commits)."""
    return sending.send_message(message_id)


@db_periodic_task(crontab(minute="*"))
def resend_dispatch_sms() -> int:
    """Resend failed dispatch SMS of orders still in the field once the gateway works again
    (every minute)."""
    return sending.resend_unsent()


# ---------------------------------------------------------------------------------- follow-up


@db_periodic_task(crontab(minute="*"))
def check_dispatched_orders() -> int:
    """The check after dispatch: write each due order's state, tell the desk if nobody
    accepted it (every minute)."""
    return followup.run_checks()


@db_periodic_task(crontab(minute="*"))
def chase_overdue_orders() -> int:
    """Chase the orders past their due time at the desks' chase times (every minute)."""
    return followup.chase_overdue()
