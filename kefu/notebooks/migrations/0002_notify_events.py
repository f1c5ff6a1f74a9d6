from django.db import migrations


def load(apps, schema_editor):
    """The words telling a team lead of the week's problems, an agent of the answer, and a lead
    of a problem forwarded to them (notebooks.*); only what is missing."""
    from kefu.notify.defaults import load_defaults

    load_defaults(apps.get_model("notify", "Template"), apps.get_model("notify", "EventRule"))


class Migration(migrations.Migration):
    dependencies = [("notebooks", "0001_initial"), ("notify", "0018_visitor_count_event")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
