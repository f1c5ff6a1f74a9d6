from django.db import migrations


def load(apps, schema_editor):
    """The portal's SMS code words (notify event portal.code); only what is missing."""
    from kefu.notify.defaults import load_defaults  # noqa: PLC0415 - a migration's own import

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial"), ("notify", "0012_sms_optout")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
