from django.db import migrations

from kefu.tickets import search

TYPES = [
    ("repair", "报修", "Repair"),
    ("inquiry", "咨询", "Inquiry"),
    ("complaint", "投诉", "Complaint"),
    ("help", "求助", "Help request"),
    ("report", "举报", "Report"),
    ("lookup", "查询", "Lookup"),
    ("suggestion", "建议", "Suggestion"),
    ("order", "下单", "Order"),
]


def create_types(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    for order, (code, label, label_en) in enumerate(TYPES):
        TicketType.objects.get_or_create(
            code=code, defaults={"label": label, "label_en": label_en, "order": order}
        )


def install_search(apps, schema_editor):
    search.install(schema_editor)


def uninstall_search(apps, schema_editor):
    search.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(create_types, migrations.RunPython.noop),
        migrations.RunPython(install_search, uninstall_search),
    ]
