from django.db import migrations


def load(apps, schema_editor):
    """A caller's question to the team leads, and its answer to the agent; only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0007_reply_event")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
