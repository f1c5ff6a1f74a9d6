from django.db import migrations


def load(apps, schema_editor):
    """The words of quality's notifications (quality.inspected, quality.send_back,
    quality.appeal_decided); only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial"), ("notify", "0019_loss_report_event")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
