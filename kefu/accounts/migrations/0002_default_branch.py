from django.db import migrations


def create_default_branch(apps, schema_editor):
    """One branch by default, so a fresh center can take requests at once."""
    Branch = apps.get_model("accounts", "Branch")
    if not Branch.objects.exists():
        Branch.objects.create(code="hq", name="总公司", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_default_branch, migrations.RunPython.noop)]
