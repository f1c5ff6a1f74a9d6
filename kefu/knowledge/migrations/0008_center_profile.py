"""The scripts' 话术变量 (company, hotline) move to the center's profile (core.CenterProfile,
中心信息), which also holds the SMS signature: one place to edit who the center is."""

from django.db import migrations


def to_center_profile(apps, schema_editor):
    ScriptSettings = apps.get_model("knowledge", "ScriptSettings")
    CenterProfile = apps.get_model("core", "CenterProfile")
    old = ScriptSettings.objects.order_by("id").first()
    if old is None or CenterProfile.objects.exists():
        return
    CenterProfile.objects.create(name=old.company, hotline=old.hotline)


def to_script_settings(apps, schema_editor):
    ScriptSettings = apps.get_model("knowledge", "ScriptSettings")
    CenterProfile = apps.get_model("core", "CenterProfile")
    profile = CenterProfile.objects.order_by("id").first()
    if profile is not None and not ScriptSettings.objects.exists():
        ScriptSettings.objects.create(company=profile.name, hotline=profile.hotline)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_center_profile"),
        ("knowledge", "0007_stored_search_words"),
    ]

    operations = [
        migrations.RunPython(to_center_profile, to_script_settings),
        migrations.DeleteModel(name="ScriptSettings"),
    ]
