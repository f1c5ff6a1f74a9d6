"""Notification templates in the one placeholder syntax: the conversion of stored rows, the
admin refusing unknown placeholders and events, the editor's preview, the notice words."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from kefu.core import placeholders
from kefu.core.models import CenterProfile
from kefu.notify import services
from kefu.notify.defaults import EVENTS, default_templates, variables
from kefu.notify.models import EventRule, Template, WebhookEndpoint
from tests.accounts.factories import make_person

migration = importlib.import_module("kefu.notify.migrations.0009_placeholder_syntax")


@pytest.fixture
def admin_client(db, web_as):
    return web_as(make_person("root", "admin", number="9000"))


# --- the conversion of stored rows -----------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "back"),
    [
        (
            "工单 {{ serial }}({{ title }})",
            "工单 {serial}({title})",
            "工单 {{ serial }}({{ title }})",
        ),
        ("{{serial}} 花括号 {x}", "{serial} 花括号 {{x}}", "{{ serial }} 花括号 {x}"),
        ("没有变量", "没有变量", "没有变量"),
    ],
)
def test_the_conversion_turns_django_variables_into_braces_and_back(old, new, back):
    assert migration.to_braces(old) == new
    assert migration.to_django(new) == back


def test_converting_shipped_words_again_changes_nothing():
    # A fresh database loads the words in the new syntax before the conversion runs.
    for row in default_templates():
        assert migration.to_braces(row["body"]) == row["body"]
        assert migration.to_braces(row["subject"]) == row["subject"]


@pytest.mark.parametrize(
    "text",
    ["{% if due %}到期 {{ due }}{% endif %}", "{{ title|upper }}", "{# 注释 #}{{ serial }}"],
)
def test_other_django_syntax_is_left_untouched(text):
    assert migration.to_braces(text) == text


def test_the_migration_converts_stored_rows_and_is_reversible(db):
    Template.objects.all().delete()
    edited = Template.objects.create(
        event="sla.warning", channel="inapp", subject="预警 {{ serial }}", body="{{ title }} 到期"
    )
    tagged = Template.objects.create(
        event="sla.breach", channel="inapp", subject="", body="{% if due %}{{ due }}{% endif %}"
    )
    old_notice = Template.objects.create(
        event="notice.published",
        channel="sms",
        body="【{{ kind }}通知】{{ notice_title }},{{ areas }},{{ starts_at }}至{{ expected_end }}。"
        "敬请谅解。",
    )

    migration.forward(global_apps, None)

    edited.refresh_from_db()
    tagged.refresh_from_db()
    old_notice.refresh_from_db()
    assert (edited.subject, edited.body) == ("预警 {serial}", "{title} 到期")
    assert tagged.body == "{% if due %}{{ due }}{% endif %}"
    assert old_notice.body == (
        "{kind}通知:{notice_title},{areas}{streets},{starts_at}至{expected_end}。{advice}"
    )

    migration.backward(global_apps, None)

    edited.refresh_from_db()
    old_notice.refresh_from_db()
    assert (edited.subject, edited.body) == ("预警 {{ serial }}", "{{ title }} 到期")
    assert old_notice.body == (
        "【{{ kind }}通知】{{ notice_title }},{{ areas }},{{ starts_at }}至{{ expected_end }}。"
        "敬请谅解。"
    )


def test_an_edited_notice_sms_keeps_its_words(db):
    row = Template.objects.get(event="notice.closed", channel="sms", language="zh-hans")
    row.body = "{{ kind }}已结束:{{ notice_title }}"
    row.save()

    migration.forward(global_apps, None)

    row.refresh_from_db()
    assert row.body == "{kind}已结束:{notice_title}"


def test_every_shipped_template_uses_only_its_events_placeholders(db):
    for row in default_templates():
        for field in ("subject", "body"):
            placeholders.check(row[field], variables(row["event"]))
    for row in Template.objects.all():
        assert "{{" not in row.body + row.subject, row


# --- the notice words ------------------------------------------------------------------------

NOTICE = {
    "kind": "停水",
    "notice_title": "阳光花园停水",
    "areas": "阳光花园",
    "starts_at": "11月24日09:00",
    "expected_end": "11月24日18:00",
}


def sms(event: str) -> str:
    return Template.objects.get(event=event, channel="sms", language="zh-hans").body


def test_the_notice_sms_has_no_signature_of_its_own_and_reads_well_without_streets_or_advice(db):
    assert "streets" in EVENTS["notice.published"].context
    assert "advice" in EVENTS["notice.published"].context
    assert "streets" in EVENTS["notice.closed"].context

    bare = services.render(sms("notice.published"), {**NOTICE, "streets": "", "advice": ""})
    full = services.render(
        sms("notice.published"),
        {**NOTICE, "streets": "(解放路、人民路)", "advice": "请提前储水"},
    )
    closed = services.render(
        sms("notice.closed"),
        {**NOTICE, "streets": "", "actual_end": "11月24日16:00", "closing_text": "已恢复供水"},
    )

    assert bare == "停水通知:阳光花园停水,阳光花园,11月24日09:00至11月24日18:00。"
    assert full == (
        "停水通知:阳光花园停水,阳光花园(解放路、人民路),11月24日09:00至11月24日18:00。请提前储水"
    )
    assert (
        closed == "停水结束:阳光花园停水,阳光花园已于11月24日16:00结束,已恢复供水。感谢您的理解。"
    )
    for text in (bare, full, closed):
        assert not text.startswith("【")


def test_the_english_notice_sms_reads_well_without_advice(db):
    body = Template.objects.get(event="notice.published", channel="sms", language="en").body
    text = services.render(
        body, {**NOTICE, "kind": "Water cut", "notice_title": "Main repair", "areas": "Sunshine"}
    )
    assert text == "Water cut: Main repair, Sunshine, 11月24日09:00 to 11月24日18:00."


# --- the admin -------------------------------------------------------------------------------


def add_template(client, **data):
    return client.post(
        "/admin/notify/template/add/",
        {"event": "sla.warning", "channel": "webhook", "language": "zh-hans", **data},
    )


def test_the_admin_refuses_an_unknown_placeholder_naming_the_known_ones(admin_client):
    response = add_template(admin_client, subject="预警", body="工单{serial}由{level}督办")

    assert response.status_code == 200
    assert (
        "未知的占位符 {level};可用的占位符:serial, title, url, target, due"
        in response.content.decode()
    )
    assert not Template.objects.filter(channel="webhook").exists()


def test_the_admin_refuses_an_unknown_placeholder_in_the_subject(admin_client):
    response = add_template(admin_client, subject="{foo}", body="{serial}")
    assert "未知的占位符 {foo}" in response.content.decode()
    assert not Template.objects.filter(channel="webhook").exists()


def test_the_admin_saves_words_with_literal_braces(admin_client):
    response = add_template(admin_client, subject="预警", body="工单{serial} {{加急}}")

    assert response.status_code == 302
    row = Template.objects.get(channel="webhook")
    assert services.render(row.body, {"serial": "9"}) == "工单9 {加急}"


def test_an_event_is_chosen_from_the_known_ones(admin_client):
    response = add_template(admin_client, event="sla.typo", subject="s", body="b")

    assert "选择一个有效的选项" in response.content.decode()
    assert not Template.objects.filter(event="sla.typo").exists()
    page = admin_client.get("/admin/notify/template/add/").content.decode()
    assert '<option value="sla.warning">时限预警 (sla.warning)</option>' in page


def test_an_event_rule_is_chosen_from_the_known_events(admin_client):
    bad = admin_client.post("/admin/notify/eventrule/add/", {"event": "nope", "name": "x"})
    assert bad.status_code == 200
    assert not EventRule.objects.filter(event="nope").exists()
    EventRule.objects.filter(event="ticket.reply").delete()
    good = admin_client.post(
        "/admin/notify/eventrule/add/", {"event": "ticket.reply", "name": "答复", "sms": "on"}
    )
    assert good.status_code == 302
    assert EventRule.objects.get(event="ticket.reply").sms is True


def test_a_webhook_subscribes_to_events_ticked_from_the_list(admin_client):
    data = {"name": "CRM", "url": "https://crm.example.cn/hook", "secret": "s", "is_active": "on"}
    bad = admin_client.post("/admin/notify/webhookendpoint/add/", {**data, "events": ["x.y"]})
    assert bad.status_code == 200
    assert not WebhookEndpoint.objects.exists()

    good = admin_client.post(
        "/admin/notify/webhookendpoint/add/",
        {**data, "events": ["ticket.created", "sla.breach"]},
    )

    assert good.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == "sla.breach,ticket.created" or endpoint.events == (
        "ticket.created,sla.breach"
    )
    assert endpoint.wants("sla.breach") and not endpoint.wants("sla.warning")
    page = admin_client.get(f"/admin/notify/webhookendpoint/{endpoint.pk}/change/")
    assert page.context["adminform"].form.initial["events"] == ["ticket.created", "sla.breach"]


def test_a_webhook_with_an_unknown_event_fails_model_validation(db):
    endpoint = WebhookEndpoint(name="x", url="https://a.example.cn/", secret="s", events="a.b")
    with pytest.raises(Exception) as caught:
        endpoint.full_clean()
    assert "未知的事件:a.b" in str(caught.value)


# --- the editor's preview --------------------------------------------------------------------


def test_the_preview_fills_sample_values_and_counts_an_sms_with_the_signature(admin_client):
    CenterProfile.objects.create(name="清源水务", hotline="96116", sms_signature="【清源水务】")
    text = "工单{serial}「{target}」将于{due}到期"

    data = admin_client.get(
        "/admin/notify/template/preview/",
        {"text": text, "event": "sla.warning", "channel": "sms"},
    ).json()

    assert data["errors"] == []
    assert data["preview"] == "【清源水务】工单251124003「结果反馈」将于2025-11-24 11:00到期"
    assert data["count"] == len(data["preview"]) == 43
    assert data["count_text"] == "43 / 70 字(含签名【清源水务】 6 字)"
    assert data["over"] is False
    assert ["target", "时限项目"] in data["placeholders"]


def test_the_preview_shows_the_errors_as_one_types(admin_client):
    data = admin_client.get(
        "/admin/notify/template/preview/",
        {"text": "工单{serial}{level", "event": "sla.warning", "channel": "inapp"},
    ).json()
    assert data["errors"] == ["模板中的花括号不成对;文字中的花括号请写成 {{ 或 }}"]
    assert data["preview"] == ""


def test_the_preview_is_for_staff_who_may_edit_templates(db, client, web_as):
    url = "/admin/notify/template/preview/?text=x&event=sla.warning&channel=sms"
    agent = make_person("agent", "agent", number="8011")
    assert web_as(agent).get(url).status_code == 302
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="change_template"))
    clerk = get_user_model().objects.get(pk=clerk.pk)
    client.force_login(clerk)
    assert client.get(url).status_code == 200


def test_the_template_form_lists_the_events_placeholders(admin_client):
    row = Template.objects.get(event="sla.escalation", channel="inapp", language="zh-hans")
    html = admin_client.get(f"/admin/notify/template/{row.pk}/change/").content.decode()

    assert 'data-token="level"' in html
    assert "data-template-editor" in html
    assert "kefu/template_editor.js" in html
