"""Background jobs of work orders."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.dispatch import sending

# ---------------------------------------------------------------------------------- dispatch SMS
# (kefu.dispatch.sending: the dispatch message, its call task, the resend when the gateway works)


@db_task()
def send_dispatch_message(message_id: int) -> str | None:
    """Send one dispatch SMS and record how it went (queued after the dispatch commits)."""
    return sending.send_message(message_id)


@db_periodic_task(crontab(minute="*"))
def resend_dispatch_sms() -> int:
    """Resend failed dispatch SMS of orders still in the field once the gateway works (every minute)."""
    return sending.resend_unsent()


# ---------------------------------------------------------------------------------- end of dispatch SMS
