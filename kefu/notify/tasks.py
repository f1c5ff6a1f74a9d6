"""Background sending of notifications."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.notify import services


@db_task()
def send_delivery(delivery_id: int) -> str | None:
    """Send one delivery (queued after its creator's transaction commits)."""
    return services.send_delivery(delivery_id)


@db_task()
def send_deliveries(delivery_ids: list[int]) -> list[str | None]:
    """Send a batch of deliveries made together (a sweep's notices), each claimed on its own."""
    return [services.send_delivery(pk) for pk in delivery_ids]


@db_periodic_task(crontab(minute="*"))
def send_due_deliveries() -> int:
    """Send queued e-mail, SMS and webhooks whose retry is due or whose send was lost (every minute)."""
    return services.send_due_deliveries()
