"""The forbidden phrases every center starts with (kefu/core/fixtures/forbidden_phrases.json,
with our suggested wording; a center edits them in the admin, 服务禁语)."""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "forbidden_phrases.json"


def add_phrases(apps, schema_editor):
    ForbiddenPhrase = apps.get_model("core", "ForbiddenPhrase")
    if ForbiddenPhrase.objects.exists():
        return
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    ForbiddenPhrase.objects.bulk_create(
        ForbiddenPhrase(
            phrase=row["phrase"], suggestion=row["suggestion"], allowed=row.get("allowed", "")
        )
        for row in rows
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_forbidden_phrases")]
    operations = [migrations.RunPython(add_phrases, migrations.RunPython.noop)]
