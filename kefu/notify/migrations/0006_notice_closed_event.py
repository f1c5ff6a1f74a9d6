from django.db import migrations


def load(apps, schema_editor):
    """The notice's end SMS to its customers (notice.closed); only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0005_workorder_events")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
