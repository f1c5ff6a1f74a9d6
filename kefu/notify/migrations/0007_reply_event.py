from django.db import migrations


def load(apps, schema_editor):
    """The agent's reply to a customer by SMS or e-mail (ticket.reply); only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0006_notice_closed_event")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
