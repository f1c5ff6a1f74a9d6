"""The standard scripts every center starts with (kefu/knowledge/fixtures/scripts.json, our own
wording; a center edits them in the admin, 标准话术)."""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "scripts.json"


def add_scripts(apps, schema_editor):
    Script = apps.get_model("knowledge", "Script")
    if Script.objects.exists():
        return
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    Script.objects.bulk_create(
        Script(scene=scene, name=row["name"], text=row["text"], order=i * 10)
        for i, (scene, row) in enumerate(rows.items())
    )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0004_scripts")]
    operations = [migrations.RunPython(add_scripts, migrations.RunPython.noop)]
