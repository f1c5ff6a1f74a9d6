from django.db import migrations


def strip_link(apps, schema_editor):
    """A customer's e-mail (an event outside the staff inbox: a reply, an acknowledgement)
    no longer ends with the link to the ticket's staff page; a template an administrator
    changed since keeps its words."""
    from kefu.notify.defaults import EMAIL_LINK, EVENTS

    template = apps.get_model("notify", "Template")
    customer_events = [code for code, event in EVENTS.items() if not event.inapp]
    for row in template.objects.filter(event__in=customer_events, channel="email"):
        link = EMAIL_LINK.get(row.language, "")
        if link and row.body.endswith(link):
            row.body = row.body[: -len(link)]
            row.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("notify", "0012_sms_optout")]

    operations = [migrations.RunPython(strip_link, migrations.RunPython.noop)]
