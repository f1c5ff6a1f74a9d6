from django.db import migrations, models

# Repairs and orders (DOMAIN §3) become work orders; other types only when a center says so.
DISPATCHED_AS = {"repair": "repair", "order": "pickup"}


def set_work_order_kinds(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    for code, kind in DISPATCHED_AS.items():
        TicketType.objects.filter(code=code, work_order_kind="").update(work_order_kind=kind)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_work_order_event")]

    operations = [
        migrations.AddField(
            model_name="tickettype",
            name="work_order_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("repair", "维修"),
                    ("pickup", "上门取件"),
                    ("delivery", "送货"),
                    ("install", "安装"),
                    ("survey", "现场查勘"),
                    ("other", "其他"),
                ],
                help_text="此类工单可新建派工单,默认的派工类型;留空表示不派工",
                max_length=12,
                verbose_name="派工类型",
            ),
        ),
        migrations.RunPython(set_work_order_kinds, migrations.RunPython.noop),
    ]
