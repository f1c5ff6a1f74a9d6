from django.db import migrations


def load(apps, schema_editor):
    """The words of the SMS telling an owner the number of the loss report made on the portal
    (frontdesk.loss_report); only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0018_visitor_count_event")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
