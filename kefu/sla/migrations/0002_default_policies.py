"""The center's default time limits for complaints (editable in the admin afterwards)."""

from django.db import migrations

# name, severity, class, targets: (code, name, start, clock, amount)
TRANSMIT = ("transmit", "转至责任部门", "received", "minutes", 10)
REACT = ("react", "部门响应", "dispatched", "minutes", 10)
RESULT_GENERAL = ("result", "处理结果", "received", "business_minutes", 120)
RESULT_MAJOR = ("result", "处理结果", "received", "working_days", 2)
CALLBACK = ("callback", "回访", "resolved", "working_days", 2)
ASSIST_CALLBACK = ("callback", "抽样回访", "resolved", "calendar_days", 3)
POLICIES = [
    ("投诉·一般", "general", "", [TRANSMIT, REACT, RESULT_GENERAL, CALLBACK]),
    ("投诉·重大", "major", "", [TRANSMIT, REACT, RESULT_MAJOR, CALLBACK]),
    ("协助处理投诉·一般", "general", "assist", [TRANSMIT, REACT, RESULT_GENERAL, ASSIST_CALLBACK]),
    ("协助处理投诉·重大", "major", "assist", [TRANSMIT, REACT, RESULT_MAJOR, ASSIST_CALLBACK]),
]


def add_policies(apps, schema_editor):
    Policy = apps.get_model("sla", "Policy")
    Target = apps.get_model("sla", "Target")
    TicketType = apps.get_model("tickets", "TicketType")
    complaint = TicketType.objects.filter(code="complaint").first()
    if complaint is None or Policy.objects.exists():
        return
    for name, severity, complaint_class, targets in POLICIES:
        policy = Policy.objects.create(
            name=name, ticket_type=complaint, severity=severity, complaint_class=complaint_class
        )
        for order, (code, label, start, clock, amount) in enumerate(targets):
            Target.objects.create(
                policy=policy,
                code=code,
                name=label,
                start=start,
                clock=clock,
                amount=amount,
                order=order,
            )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("tickets", "0002_search_and_types")]

    operations = [migrations.RunPython(add_policies, migrations.RunPython.noop)]
