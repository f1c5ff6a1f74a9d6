"""The channels' rules and the reply templates in the admin, as an administrator enters them."""

import pytest

from kefu.conversations.models import ChannelRule, ReplyTemplate
from tests.accounts.factories import make_person


@pytest.fixture
def admin_client(db, web_as):
    return web_as(make_person("root", "admin", number="9000"))


def test_a_channel_rule_takes_its_first_reply_time_in_working_days(admin_client, org):
    data = {
        "channel": "email",
        "department": org["depts"]["billing"].pk,
        "first_reply_minutes_0": "1",
        "first_reply_minutes_1": "workday",
        "is_active": "on",
    }
    assert admin_client.post("/admin/conversations/channelrule/add/", data).status_code == 302
    rule = ChannelRule.objects.get()
    assert (rule.first_reply_minutes, rule.department) == (540, org["depts"]["billing"])


def test_a_channel_rule_without_a_time_uses_the_channels_default(admin_client):
    data = {"channel": "chat", "first_reply_minutes_0": "", "first_reply_minutes_1": "minute"}
    assert admin_client.post("/admin/conversations/channelrule/add/", data).status_code == 302
    assert ChannelRule.objects.get().first_reply_minutes is None


def test_a_reply_template_with_a_broken_placeholder_is_refused(admin_client):
    data = {"key": "ts", "title": "停水", "text": "{customer您好", "is_active": "on"}
    page = admin_client.post("/admin/conversations/replytemplate/add/", data)
    assert page.status_code == 200 and not ReplyTemplate.objects.exists()
    data["text"] = "{custmer}您好"
    page = admin_client.post("/admin/conversations/replytemplate/add/", data)
    assert "未知的占位符 {custmer}" in page.content.decode()
    data["text"] = "{customer}您好"
    assert admin_client.post("/admin/conversations/replytemplate/add/", data).status_code == 302
    assert ReplyTemplate.objects.get().text == "{customer}您好"
