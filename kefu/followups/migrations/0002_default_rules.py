"""The center's default callback rules (DOMAIN §2; editable in the admin afterwards): every
responsibility complaint within 2 working days, by phone or, major, in person; assist
complaints sampled, at least 30%, within 3 calendar days. Other tickets: no callback task."""

from django.db import migrations

# name, complaint class, severity, method, sample %, within, clock
RULES = [
    ("责任投诉·一般", "responsible", "general", "phone", 100, 2, "working_days"),
    ("责任投诉·重大", "responsible", "major", "visit", 100, 2, "working_days"),
    ("协助处理投诉·抽样", "assist", "", "phone", 30, 3, "calendar_days"),
]


def add_rules(apps, schema_editor):
    CallbackRule = apps.get_model("followups", "CallbackRule")
    FollowupSettings = apps.get_model("followups", "FollowupSettings")
    TicketType = apps.get_model("tickets", "TicketType")
    if not FollowupSettings.objects.exists():
        FollowupSettings.objects.create()
    complaint = TicketType.objects.filter(code="complaint").first()
    if complaint is None or CallbackRule.objects.exists():
        return
    for name, klass, severity, method, percent, within, clock in RULES:
        CallbackRule.objects.create(
            name=name,
            ticket_type=complaint,
            complaint_class=klass,
            severity=severity,
            purpose="complaint",
            method=method,
            sample_percent=percent,
            within=within,
            clock=clock,
        )


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial"), ("tickets", "0002_search_and_types")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
