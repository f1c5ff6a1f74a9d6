from django.db import migrations, models

# What a customer may ask for on the portal by default: the everyday requests. 举报 (report)
# goes through the hotline, 查询 (lookup) has the portal's own pages (查水费, 查运单).
PUBLIC = ("repair", "inquiry", "complaint", "help", "suggestion", "order")


def mark_public(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    TicketType.objects.filter(code__in=PUBLIC).update(is_public=True)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_due_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="tickettype",
            name="is_public",
            field=models.BooleanField(
                default=False,
                help_text="客户可在自助服务页面提交此类诉求",
                verbose_name="客户自助可提交",
            ),
        ),
        migrations.RunPython(mark_public, migrations.RunPython.noop),
    ]
