"""Background jobs of the web chat: each calls one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.chat import services


@db_periodic_task(crontab(minute="*/5"))
def sweep_idle_chats() -> int:
    """End chats nobody wrote in for 30 minutes (every 5 minutes)."""
    return services.sweep_idle_chats()
