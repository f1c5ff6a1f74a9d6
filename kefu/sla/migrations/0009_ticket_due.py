"""Fill the open tickets' 下一期限 (Ticket.due_at, kept by kefu.sla from now on): the earliest
due time of their running, unpaused time limits."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

OPEN = ("new", "accepted", "dispatched", "in_progress", "awaiting_confirmation")


def fill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Deadline = apps.get_model("sla", "Deadline")
    first = (
        Deadline.objects.filter(
            ticket=OuterRef("pk"), state__in=("pending", "breached"), paused_at__isnull=True
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    Ticket.objects.filter(status__in=OPEN).update(due_at=Subquery(first))


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0008_policies_every_type"),
        ("tickets", "0010_due_at"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
