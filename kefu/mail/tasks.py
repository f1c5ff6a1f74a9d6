"""Polling the mailboxes in the background."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.mail import services


@db_task()
def poll_mailbox(mailbox_id: int) -> int:
    """Take one mailbox's new mail now; the number of mails taken."""
    return services.poll_mailbox(mailbox_id).fetched


@db_periodic_task(crontab(minute="*"))
def poll_mailboxes() -> int:
    """Take every active mailbox's new mail (every minute; one being polled is skipped)."""
    return sum(result.fetched for result in services.poll_all())
