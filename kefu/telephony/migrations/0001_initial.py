"""The telephony app was called ``workforce`` until the workforce (rosters, forecasts) came:
a database made before keeps its call log, renamed to this app's table; a new one creates it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_TABLE = "workforce_callrecord"


def move_or_create(apps, schema_editor):
    model = apps.get_model("telephony", "CallRecord")
    if OLD_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.alter_db_table(model, OLD_TABLE, model._meta.db_table)
        apps.get_model("contenttypes", "ContentType").objects.filter(
            app_label="workforce", model="callrecord"
        ).update(app_label="telephony")
    else:
        schema_editor.create_model(model)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CallRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('call_id', models.CharField(max_length=100, unique=True)),
                        ('direction', models.CharField(choices=[('in', '呼入'), ('out', '呼出')], max_length=3, verbose_name='方向')),
                        ('from_number', models.CharField(max_length=40, verbose_name='主叫')),
                        ('to_number', models.CharField(max_length=40, verbose_name='被叫')),
                        ('customer_number', models.CharField(blank=True, db_index=True, max_length=24)),
                        ('queue', models.CharField(blank=True, max_length=60, verbose_name='队列')),
                        ('users', models.JSONField(blank=True, default=list)),
                        ('state', models.CharField(choices=[('ringing', '振铃'), ('answered', '通话中'), ('ended', '已结束')], max_length=10, verbose_name='状态')),
                        ('cause', models.CharField(blank=True, max_length=30, verbose_name='挂断原因')),
                        ('answering_number', models.CharField(blank=True, max_length=60)),
                        ('started_at', models.DateTimeField(db_index=True, verbose_name='开始')),
                        ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='接听')),
                        ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='结束')),
                        ('agent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='customers.customer')),
                    ],
                    options={
                        'verbose_name': '通话记录',
                        'verbose_name_plural': '通话记录',
                        'ordering': ['-started_at'],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_or_create, migrations.RunPython.noop),
    ]
