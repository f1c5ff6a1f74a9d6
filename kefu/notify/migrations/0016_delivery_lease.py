import datetime as dt

from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def lease_what_is_being_sent(apps, schema_editor):
    """A row being sent now lapses under the rule it was claimed by (15 minutes after its
    claim): ``next_attempt_at`` is where a sending row's claim ends from now on."""
    Delivery = apps.get_model("notify", "Delivery")
    sending = Delivery.objects.filter(status="sending")
    sending.filter(claimed_at__isnull=False).update(
        next_attempt_at=F("claimed_at") + dt.timedelta(minutes=15)
    )
    sending.filter(claimed_at__isnull=True).update(next_attempt_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0015_roster_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=120, verbose_name="发送进程"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="领取时间"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "待发送"),
                    ("sending", "发送中"),
                    ("sent", "已发送"),
                    ("failed", "失败"),
                    ("gave_up", "已放弃"),
                    ("uncertain", "待核实"),
                ],
                default="queued",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(lease_what_is_being_sent, migrations.RunPython.noop),
    ]
