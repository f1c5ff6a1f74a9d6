"""The center's profile (中心信息): name, hotline and SMS signature in one admin row, read by
the scripts, the SMS gateway, the dispatch SMS budget and the API; the deployment's
KEFU_SMS_SIGNATURE only while the admin has set none."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kefu.core import center
from kefu.core.errors import Code, ServiceError
from kefu.core.models import CenterProfile
from kefu.dispatch.defaults import ON_SITE
from kefu.dispatch.message import render_message
from kefu.notify import services as notify
from kefu.notify.gateways import sms_text

REPAIR = {
    "serial": "P251124001",
    "customer": "王先生",
    "phone": "13512345678",
    "address": "阳光花园3栋2单元501",
    "goods": "厨房水管爆裂",
    "agent_no": "8011",
    "window": "11-25 14:00-16:00",
}


@pytest.mark.django_db(transaction=True)
def test_the_scripts_company_and_hotline_move_to_the_center_profile():
    before = [("knowledge", "0007_stored_search_words"), ("core", "0006_center_profile")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("knowledge", "ScriptSettings").objects.create(
        company="清源水务", hotline="96116"
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("knowledge", "0008_center_profile")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    profile = CenterProfile.objects.get()
    assert (profile.name, profile.hotline, profile.sms_signature) == ("清源水务", "96116", "")
    assert "knowledge_scriptsettings" not in connection.introspection.table_names()


@pytest.mark.django_db
def test_without_a_profile_the_center_is_the_default_with_the_deployment_signature(settings):
    settings.NOTIFY_SMS_SIGNATURE = "【部署签名】"

    assert center.center() == center.Center(name="本公司", hotline="", sms_signature="【部署签名】")


@pytest.mark.django_db
def test_the_admin_signature_wins_over_the_deployment_one_and_a_change_is_seen_at_once(settings):
    settings.NOTIFY_SMS_SIGNATURE = "【部署签名】"
    assert center.sms_signature() == "【部署签名】"  # read and kept

    profile = CenterProfile.objects.create(
        name="清源水务", hotline="96116", sms_signature="【清源水务】"
    )
    assert center.center() == center.Center("清源水务", "96116", "【清源水务】")

    profile.sms_signature = ""  # cleared: the deployment's again
    profile.save()
    assert center.sms_signature() == "【部署签名】"


@pytest.mark.parametrize("good", ["【清源水务】", "【QY水务】", "【96116】", "", "  【清源水务】 "])
def test_a_signature_in_brackets_of_two_to_twelve_characters_is_accepted(good):
    assert center.clean_sms_signature(good) == good.strip()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("清源水务", "短信签名须以【开头、以】结尾,如【清源水务】"),
        ("[清源水务]", "短信签名须以【开头、以】结尾,如【清源水务】"),
        ("【清源水务", "短信签名须以【开头、以】结尾,如【清源水务】"),
        ("【", "短信签名须以【开头、以】结尾,如【清源水务】"),
        ("【清】", "短信签名括号内须为 2–12 个字"),
        ("【" + "清" * 13 + "】", "短信签名括号内须为 2–12 个字"),
        ("【清源 水务】", "短信签名括号内只能有汉字、字母和数字"),
        ("【清源水务!】", "短信签名括号内只能有汉字、字母和数字"),
        ("【清源【水务】", "短信签名括号内只能有汉字、字母和数字"),
    ],
)
def test_a_bad_signature_is_refused_saying_why(bad, message):
    with pytest.raises(ServiceError) as refused:
        center.clean_sms_signature(bad)

    assert (refused.value.code, refused.value.field, refused.value.detail) == (
        Code.INVALID,
        "sms_signature",
        message,
    )
    with pytest.raises(ValidationError) as invalid:  # the admin form's check: the same rule
        CenterProfile(name="清源水务", sms_signature=bad).full_clean()
    assert invalid.value.message_dict == {"sms_signature": [message]}


@pytest.mark.django_db
def test_the_admin_edits_the_one_profile_and_refuses_a_bad_signature(django_user_model, client):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(admin)

    refused = client.post(
        "/admin/core/centerprofile/add/",
        {"name": "清源水务", "hotline": "96116", "sms_signature": "清源水务"},
    )
    saved = client.post(
        "/admin/core/centerprofile/add/",
        {"name": "清源水务", "hotline": "96116", "sms_signature": "【清源水务】"},
    )
    second = client.get("/admin/core/centerprofile/add/")

    assert refused.status_code == 200
    assert "短信签名须以【开头、以】结尾" in refused.content.decode()
    assert saved.status_code == 302
    assert CenterProfile.objects.get().sms_signature == "【清源水务】"
    assert second.status_code == 403  # one row: no second one
    assert center.sms_signature() == "【清源水务】"


@pytest.mark.django_db
def test_every_sms_starts_with_the_center_signature_once(settings):
    settings.NOTIFY_SMS_SIGNATURE = "【部署签名】"
    CenterProfile.objects.create(name="清源水务", sms_signature="【清源水务】")

    assert sms_text("您好") == "【清源水务】您好"
    assert sms_text("【清源水务】您好") == "【清源水务】您好"


@pytest.mark.django_db
def test_the_http_gateway_sends_the_center_signature(
    sms_gateway, django_capture_on_commit_callbacks
):
    CenterProfile.objects.create(name="清源水务", sms_signature="【清源水务】")

    with django_capture_on_commit_callbacks(execute=True):
        notify.send_sms(
            "13812345678", event="survey.invite", context={"serial": "7", "url": "u"}, key="c"
        )

    (request,) = sms_gateway.requests
    assert request.json() == {
        "mobile": "13812345678",
        "content": "【清源水务】您反映的问题(工单7)已处理完毕,请点击评价我们的服务:u",
        "sign": "【清源水务】",
    }


@pytest.mark.django_db
def test_the_center_signature_sets_the_dispatch_sms_budget(settings):
    settings.NOTIFY_SMS_SIGNATURE = ""
    CenterProfile.objects.create(name="清源水务", sms_signature="【清源水务集团】")

    rendered = render_message(ON_SITE, REPAIR)

    assert (rendered.limit, rendered.signature) == (62, "【清源水务集团】")
    assert rendered.length <= 62
    assert len(rendered.signature + rendered.text) <= 70


@pytest.mark.parametrize(("length", "parts"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3)])
def test_sms_parts_are_one_to_seventy_characters_then_parts_of_sixty_seven(length, parts):
    assert center.sms_parts("字" * length) == parts


@pytest.mark.django_db
def test_the_api_reads_the_center_profile(api_as, agent, settings):
    settings.NOTIFY_SMS_SIGNATURE = ""
    CenterProfile.objects.create(name="清源水务", hotline="96116", sms_signature="【清源水务】")

    reply = api_as(agent).get("/center")

    assert reply.status_code == 200
    assert reply.json() == {"name": "清源水务", "hotline": "96116", "sms_signature": "【清源水务】"}


@pytest.mark.django_db
def test_the_center_is_not_read_without_signing_in(client):
    assert client.get("/api/v1/center").status_code == 401
