from django.db import migrations


def load(apps, schema_editor):
    """The words of the e-mail that carries a report subscription's workbooks
    (report.delivery); only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0019_loss_report_event")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
