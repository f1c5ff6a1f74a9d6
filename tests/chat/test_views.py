"""The chat's pages: the widget script, the framed page (the only one other sites may frame),
its two endpoints without CSRF (limited per address instead), and the console's reads."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kefu.chat import services
from kefu.chat.models import ChatSession
from kefu.conversations.models import ReplyTemplate
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_widget_script_is_served_by_kefu(db):
    response = Client().get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert b"/chat/embed?page=" in response.content


def test_only_the_embed_page_may_be_framed(online):
    client = Client()
    embed = client.get("/chat/embed?page=https://water.example.com/")
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    assert "正在为您接通客服…" in embed.content.decode()
    assert client.get("/login/")["X-Frame-Options"] == "DENY"


def test_embed_offers_the_message_form_when_nobody_is_online(clock, org):
    page = Client().get("/chat/embed").content.decode()
    assert "客服暂时不在线,请留言,我们会尽快联系您。" in page


def test_start_without_csrf_returns_the_chats_token(online):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/chat/embed/start",
        {"name": "张先生", "page": "https://water.example.com/bill"},
        REMOTE_ADDR="10.1.1.1",
        HTTP_USER_AGENT="Mozilla/5.0 Test",
    )
    assert response.status_code == 200
    session = ChatSession.objects.get(token=response.json()["token"])
    assert (session.visitor_name, session.page_url, session.ip, session.user_agent) == (
        "张先生",
        "https://water.example.com/bill",
        "10.1.1.1",
        "Mozilla/5.0 Test",
    )


def test_start_when_nobody_is_online_says_leave_a_message(clock, org):
    response = Client().post("/chat/embed/start", {"name": "张先生"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "detail": "客服暂时不在线,请留言,我们会尽快联系您。",
        "field": "leave_message",
    }


def test_message_becomes_a_ticket_and_the_visitor_gets_the_serial(clock, org):
    response = Client(enforce_csrf_checks=True).post(
        "/chat/embed/message",
        {"name": "李女士", "phone": "13912345678", "content": "水表漏水"},
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get(serial=response.json()["serial"])
    assert (ticket.channel, ticket.caller_number) == ("chat", "13912345678")


def test_a_message_without_phone_is_422_and_nothing_written(clock, org):
    response = Client().post("/chat/embed/message", {"name": "李女士", "content": "水表漏水"})
    assert response.status_code == 422
    assert response.json()["field"] == "phone"
    assert not Ticket.objects.exists() and not ChatSession.objects.exists()


def test_console_is_for_staff_who_take_requests(people):
    client = Client()
    client.force_login(people["dept_handler"])
    assert client.get("/chat/console/").status_code == 403
    assert client.get("/chat/console/state").status_code == 403
    client.force_login(people["agent"])
    assert client.get("/chat/console/").status_code == 200


@pytest.mark.parametrize("persona", ["quality", "dept_handler", "gm", "dept_head"])
def test_console_refuses_in_the_users_language_on_the_centers_page(people, persona):
    client = Client()
    client.force_login(people[persona])
    response = client.get("/chat/console/")
    assert response.status_code == 403
    page = response.content.decode()
    assert '<p class="error" data-testid="denied">无权接待在线客服</p>' in page
    assert 'data-testid="brand"' in page  # the center's layout, not Django's bare page
    assert "403 Forbidden" not in page
    english = client.get("/chat/console/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 403
    assert '<p class="error" data-testid="denied">You may not take web chats</p>' in (
        english.content.decode()
    )


def test_console_state_lists_waiting_and_own_chats(online, agent, lead, django_assert_num_queries):
    services.set_presence(lead, status="online")
    first = services.start_chat(name="张先生", phone="13912345678", ip="10.0.0.1")
    second = services.start_chat(name="王女士", ip="10.0.0.1")
    services.accept_chat(first.pk, actor=agent)
    services.visitor_says(second.token, "在吗")
    client = Client()
    client.force_login(agent)
    client.get("/chat/console/state")  # the session and the reference data, read once
    with django_assert_num_queries(9):
        data = client.get("/chat/console/state").json()
    assert [c["name"] for c in data["waiting"]] == ["王女士"]
    assert [c["name"] for c in data["mine"]] == ["张先生"]
    assert data["mine"][0]["phone"] in ("13912345678", "139****5678")
    assert [line["text"] for line in data["waiting"][0]["lines"]][-1] == "在吗"
    assert data["colleagues"] == [{"id": lead.pk, "employee_no": "8001", "name": "王芳"}]
    assert data["me"] == {"id": agent.pk, "status": "online", "employee_no": "8011"}


def test_templates_filled_for_the_chat(online, agent):
    ReplyTemplate.objects.create(key="ts", title="停水致歉", text="工号 {agent_no} 向您致歉")
    session = services.start_chat(ip="10.0.0.1")
    client = Client()
    client.force_login(agent)
    got = json.loads(client.get(f"/chat/console/templates?session={session.pk}&q=t").content)
    assert got == {"templates": [{"key": "ts", "title": "停水致歉", "text": "工号 8011 向您致歉"}]}
