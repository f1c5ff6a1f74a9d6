from django.db import migrations


def load(apps, schema_editor):
    """The acknowledgement of a request that came in by mail or SMS; only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0010_email_headers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
