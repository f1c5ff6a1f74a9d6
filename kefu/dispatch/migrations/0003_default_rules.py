import datetime as dt

from django.db import migrations

# The rules a new center starts with (edited in the admin afterwards). The catch-all gives
# one working day: 540 minutes is the whole business day of 08:30–17:30, so an order is due
# at the same time of day on the next working day (one placed after closing or on a day off:
# at closing of the next working day).
DEFAULT_RULES = [
    {
        "name": "物流取件截单",
        "kind": "pickup",
        "source": "",
        "method": "cutoff",
        "minutes": 0,
        "cutoff_early": dt.time(11, 0),
        "due_early": dt.time(15, 0),
        "cutoff_late": dt.time(16, 0),
        "due_morning": dt.time(12, 0),
        "order": 10,
    },
    {
        "name": "网上订单核实",
        "kind": "",
        "source": "web",
        "method": "verify",
        "minutes": 30,
        "order": 20,
    },
    {
        "name": "维修 4 工作小时",
        "kind": "repair",
        "source": "",
        "method": "business",
        "minutes": 240,
        "order": 30,
    },
    {
        "name": "默认:1 个工作日",
        "kind": "",
        "source": "",
        "method": "business",
        "minutes": 540,
        "order": 100,
    },
]


def load(apps, schema_editor):
    """Add the default rules that are missing (by name): an edited rule is left alone."""
    DeadlineRule = apps.get_model("dispatch", "DeadlineRule")
    taken = set(DeadlineRule.objects.values_list("name", flat=True))
    DeadlineRule.objects.bulk_create(
        [DeadlineRule(**rule) for rule in DEFAULT_RULES if rule["name"] not in taken]
    )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0002_default_templates")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
