"""Notification templates move to the one placeholder syntax (kefu.core.placeholders):
``{{ name }}`` becomes ``{name}`` and a literal brace is doubled. A stored text using any other
Django template syntax (tags, filters, comments) is left untouched (the admin shows it as an
error to fix). The notice SMS words lose their home-made 【…】 signature (the gateway puts the
center's first) and name the streets and advice, where the stored words are still the shipped
ones. Reversible."""

import re
import string

import kefu.notify.defaults
from django.db import migrations, models


_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_DJANGO = ("{{", "}}", "{%", "%}", "{#", "#}")

# (event, channel, language) → (shipped words before, shipped words after), in {name} syntax.
NOTICE_WORDS = {
    ("notice.published", "email", "zh-hans"): (
        "{kind}公告:{notice_title}。影响范围:{areas},{starts_at}至{expected_end}。"
        "给您带来不便,敬请谅解。\n\n查看工单:{url}\n",
        "{kind}公告:{notice_title}。影响范围:{areas}{streets},{starts_at}至{expected_end}。"
        "给您带来不便,敬请谅解。{advice}\n\n查看工单:{url}\n",
    ),
    ("notice.published", "sms", "zh-hans"): (
        "【{kind}通知】{notice_title},{areas},{starts_at}至{expected_end}。敬请谅解。",
        "{kind}通知:{notice_title},{areas}{streets},{starts_at}至{expected_end}。{advice}",
    ),
    ("notice.published", "email", "en"): (
        "{kind} notice: {notice_title}. Affected: {areas}, from {starts_at} to {expected_end}. "
        "We apologise for the inconvenience.\n\nOpen the ticket: {url}\n",
        "{kind} notice: {notice_title}. Affected: {areas}{streets}, from {starts_at} to "
        "{expected_end}. We apologise for the inconvenience. {advice}\n\nOpen the ticket: {url}\n",
    ),
    ("notice.published", "sms", "en"): (
        "{kind}: {notice_title}, {areas}, {starts_at} to {expected_end}.",
        "{kind}: {notice_title}, {areas}{streets}, {starts_at} to {expected_end}. {advice}",
    ),
    ("notice.closed", "email", "zh-hans"): (
        "{kind}结束:{notice_title}(影响范围:{areas})已于{actual_end}结束,{closing_text}。"
        "感谢您的理解。\n\n查看工单:{url}\n",
        "{kind}结束:{notice_title}(影响范围:{areas}{streets})已于{actual_end}结束,"
        "{closing_text}。感谢您的理解。\n\n查看工单:{url}\n",
    ),
    ("notice.closed", "sms", "zh-hans"): (
        "【{kind}结束】{notice_title}已于{actual_end}结束,{closing_text}。感谢您的理解。",
        "{kind}结束:{notice_title},{areas}{streets}已于{actual_end}结束,{closing_text}。"
        "感谢您的理解。",
    ),
    ("notice.closed", "email", "en"): (
        "{kind} over: {notice_title} (affected: {areas}) ended at {actual_end}. "
        "{closing_text}. Thank you for your patience.\n\nOpen the ticket: {url}\n",
        "{kind} over: {notice_title} (affected: {areas}{streets}) ended at {actual_end}. "
        "{closing_text}. Thank you for your patience.\n\nOpen the ticket: {url}\n",
    ),
    ("notice.closed", "sms", "en"): (
        "{kind} over: {notice_title} ended at {actual_end}. {closing_text}. "
        "Thank you for your patience.",
        "{kind} over: {notice_title}, {areas}{streets}, ended at {actual_end}. {closing_text}. "
        "Thank you for your patience.",
    ),
}


def to_braces(text):
    """``{{ name }}`` → ``{name}``, literal braces doubled. Unchanged when the text has no
    ``{{ name }}`` (already converted, or no variables) or uses other template syntax."""
    literals = _VARIABLE.split(text)[::2]
    if len(literals) == 1 or any(mark in part for part in literals for mark in _DJANGO):
        return text
    names = [*_VARIABLE.findall(text), ""]
    escaped = [part.replace("{", "{{").replace("}", "}}") for part in literals]
    return "".join(part + (f"{{{name}}}" if name else "") for part, name in zip(escaped, names))


def to_django(text):
    """``{name}`` → ``{{ name }}``, literal braces undoubled; the reverse of ``to_braces``.
    Unchanged when the text has no placeholder or does not parse as ``{name}`` syntax."""
    try:
        pieces = list(string.Formatter().parse(text))
    except ValueError:
        return text
    if not any(name for _literal, name, _spec, _conv in pieces):
        return text
    out = []
    for literal, name, spec, conversion in pieces:
        if spec or conversion or any(mark in literal for mark in _DJANGO):
            return text
        out.append(literal)
        if name is not None:
            if not name.isidentifier():
                return text
            out.append("{{ %s }}" % name)
    return "".join(out)


def forward(apps, schema_editor):
    Template = apps.get_model("notify", "Template")
    for row in Template.objects.all():
        subject, body = to_braces(row.subject), to_braces(row.body)
        before_after = NOTICE_WORDS.get((row.event, row.channel, row.language))
        if before_after and body == before_after[0]:
            body = before_after[1]
        if (subject, body) != (row.subject, row.body):
            row.subject, row.body = subject, body
            row.save(update_fields=["subject", "body"])


def backward(apps, schema_editor):
    Template = apps.get_model("notify", "Template")
    for row in Template.objects.all():
        body = row.body
        before_after = NOTICE_WORDS.get((row.event, row.channel, row.language))
        if before_after and body == before_after[1]:
            body = before_after[0]
        subject, body = to_django(row.subject), to_django(body)
        if (subject, body) != (row.subject, row.body):
            row.subject, row.body = subject, body
            row.save(update_fields=["subject", "body"])


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0008_question_events'),
    ]

    operations = [
        migrations.AlterField(
            model_name='eventrule',
            name='event',
            field=models.CharField(choices=kefu.notify.defaults.event_choices, max_length=60, unique=True, verbose_name='事件'),
        ),
        migrations.AlterField(
            model_name='template',
            name='body',
            field=models.TextField(blank=True, help_text='变量写成 {serial} {title} {url} 等;文字中的花括号写成 {{ 或 }}', verbose_name='正文'),
        ),
        migrations.AlterField(
            model_name='template',
            name='event',
            field=models.CharField(choices=kefu.notify.defaults.event_choices, max_length=60, verbose_name='事件'),
        ),
        migrations.AlterField(
            model_name='webhookendpoint',
            name='events',
            field=models.CharField(blank=True, help_text='订阅的事件;不选表示全部事件', max_length=1000, verbose_name='订阅事件'),
        ),
        migrations.RunPython(forward, backward),
    ]
