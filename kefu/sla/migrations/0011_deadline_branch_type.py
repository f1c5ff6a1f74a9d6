"""A time limit carries its ticket's branch and type (fixed at intake), filled for the rows
there are, and the report index reads them."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_tickets(apps, schema_editor):
    Deadline = apps.get_model("sla", "Deadline")
    Ticket = apps.get_model("tickets", "Ticket")
    ticket = Ticket.objects.filter(pk=OuterRef("ticket_id"))
    Deadline.objects.update(
        branch_id=Subquery(ticket.values("branch_id")[:1]),
        ticket_type_id=Subquery(ticket.values("type_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_field_staff_role"),
        ("sla", "0010_report_indexes"),
        ("tickets", "0013_report_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="branch",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.branch",
            ),
        ),
        migrations.AddField(
            model_name="deadline",
            name="ticket_type",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tickets.tickettype",
            ),
        ),
        migrations.RunPython(copy_from_tickets, migrations.RunPython.noop, elidable=True),
    ]
