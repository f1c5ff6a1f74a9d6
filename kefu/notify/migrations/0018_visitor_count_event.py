from django.db import migrations


def load(apps, schema_editor):
    """The words telling management of a visitor count reported by the front desk
    (frontdesk.visitor_count); only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0017_delivery_address_index")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
