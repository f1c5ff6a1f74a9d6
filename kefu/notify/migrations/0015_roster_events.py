from django.db import migrations


def load(apps, schema_editor):
    """The words telling agents and planners of a shift swap's and a leave's steps
    (roster.swap_*, roster.leave_*); only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0014_delivery_files_web_reply_event")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
