from django.db import migrations


def load(apps, schema_editor):
    """The branch monthly report's events (report.branch_due, report.branch_overdue): the
    center's words name no branch; only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0020_report_delivery_event")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
