from django.db import migrations


def add_templates(apps, schema_editor):
    from kefu.dispatch.defaults import add_templates

    add_templates(apps.get_model("dispatch", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]

    operations = [migrations.RunPython(add_templates, migrations.RunPython.noop)]
