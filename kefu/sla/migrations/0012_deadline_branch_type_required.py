"""Every time limit has its ticket's branch and type (0011 filled them); the report index
covers them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sla", "0011_deadline_branch_type")]

    operations = [
        migrations.AlterField(
            model_name="deadline",
            name="branch",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.branch",
            ),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="ticket_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tickets.tickettype",
            ),
        ),
        migrations.RemoveIndex(model_name="deadline", name="sla_deadline_report"),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                fields=["due_at", "name", "state", "branch", "ticket_type", "ticket", "id"],
                name="sla_deadline_report",
            ),
        ),
    ]
