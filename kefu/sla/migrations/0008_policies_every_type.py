"""Default time limits for every request, not only complaints (editable in the admin):

- an urgent request of any type (爆管, 无水, a safety risk, an old person alone without water)
  runs on round-the-clock time: sent on in 10 minutes, someone there within 2 hours, the
  result within 24 hours, day or night;
- a repair is sent on within 30 working minutes and answered within 3 days;
- every other request gets an answer within 3 days (对反映的问题要在三日内对用户进行反馈).

A complaint keeps its own policies (more specific). A center tightens any of these."""

from django.db import migrations

# name, type, priority, escalation minutes, targets: (code, name, start, clock, amount)
POLICIES = [
    (
        "紧急诉求·全天候",
        None,
        "urgent",
        30,
        [
            ("transmit", "转至责任部门", "received", "minutes", 10),
            ("react", "到场处置", "dispatched", "minutes", 120),
            ("result", "处理结果", "received", "minutes", 1440),
            ("callback", "回访", "resolved", "working_days", 2),
        ],
    ),
    (
        "报修·一般",
        "repair",
        "",
        60,
        [
            ("transmit", "转至责任部门", "received", "business_minutes", 30),
            ("result", "答复客户", "received", "calendar_days", 3),
            ("callback", "回访", "resolved", "working_days", 2),
        ],
    ),
    (
        "各类诉求·三日答复",
        None,
        "",
        60,
        [("result", "答复客户", "received", "calendar_days", 3)],
    ),
]


def add_policies(apps, schema_editor):
    Policy = apps.get_model("sla", "Policy")
    Target = apps.get_model("sla", "Target")
    TicketType = apps.get_model("tickets", "TicketType")
    for name, type_code, priority, escalation, targets in POLICIES:
        if Policy.objects.filter(name=name).exists():
            continue
        ticket_type = TicketType.objects.filter(code=type_code).first() if type_code else None
        if type_code and ticket_type is None:
            continue
        policy = Policy.objects.create(
            name=name,
            ticket_type=ticket_type,
            priority=priority,
            escalation_minutes=escalation,
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
    dependencies = [("sla", "0007_policy_priority")]

    operations = [migrations.RunPython(add_policies, migrations.RunPython.noop)]
