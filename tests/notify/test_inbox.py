"""The inbox: the bell's count, the notifications page, the API, live pushes."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from kefu.core.realtime import user_group
from kefu.notify import services
from kefu.notify.models import Notification, Template
from kefu.notify.selectors import unread_count
from tests.tickets.factories import make_ticket


def _notify(users, key: str, capture, **fields) -> None:
    context = {"target": "结果反馈", "due": "10:00"}
    if "ticket" not in fields:  # else the ticket gives the serial
        context["serial"] = key
    with capture(execute=True):
        services.notify_users("sla.warning", users=users, context=context, key=key, **fields)


def _listen(group: str):
    layer = get_channel_layer()

    async def subscribe():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        return channel

    return layer, async_to_sync(subscribe)()


def _drain(layer, channel: str) -> list[dict]:
    async def go():
        got = []
        while True:
            try:
                got.append(await asyncio.wait_for(layer.receive(channel), 0.2))
            except TimeoutError:
                return got

    return [message["payload"] for message in async_to_sync(go)()]


def test_the_bell_counts_unread_in_one_query(
    agent, django_capture_on_commit_callbacks, django_assert_num_queries
):
    _notify([agent], "1", django_capture_on_commit_callbacks)
    _notify([agent], "2", django_capture_on_commit_callbacks)

    with django_assert_num_queries(1):
        assert unread_count(agent) == 2


def test_the_top_bar_bell_shows_my_unread_count(
    agent, lead, web_as, django_capture_on_commit_callbacks
):
    _notify([agent], "1", django_capture_on_commit_callbacks)
    _notify([agent, lead], "2", django_capture_on_commit_callbacks)

    page = web_as(agent).get("/calls/").content.decode()

    assert "<span data-unread>2</span>" in page


def test_a_new_notification_pushes_the_unread_count_live(agent, django_capture_on_commit_callbacks):
    layer, channel = _listen(user_group(agent.pk))

    _notify([agent], "1", django_capture_on_commit_callbacks)

    assert _drain(layer, channel) == [
        {"type": "notify.new", "unread": 1, "title": "时限预警:工单 1", "link": ""}
    ]


def test_the_page_lists_mine_newest_first_with_unread_marked_and_the_ticket_linked(
    agent, lead, web_as, django_capture_on_commit_callbacks
):
    ticket = make_ticket(agent)
    _notify([agent], "old", django_capture_on_commit_callbacks)
    _notify([agent], "new", django_capture_on_commit_callbacks, ticket=ticket)
    _notify([lead], "lead-only", django_capture_on_commit_callbacks)
    old = Notification.objects.get(user=agent, title="时限预警:工单 old")
    services.mark_read(agent, [old.pk])

    page = web_as(agent).get("/notifications/").content.decode()

    assert page.index(f"时限预警:工单 {ticket.serial}") < page.index("时限预警:工单 old")
    assert "lead-only" not in page
    assert f'name="next" value="/tickets/{ticket.serial}/"' in page
    new = Notification.objects.get(user=agent, ticket=ticket)
    assert f'<tr class="unread" data-testid="notification-{new.pk}">' in page
    assert f'<tr class="read" data-testid="notification-{old.pk}">' in page


def test_marking_one_read_by_post_lowers_the_count_and_get_changes_nothing(
    agent, web_as, django_capture_on_commit_callbacks
):
    _notify([agent], "1", django_capture_on_commit_callbacks)
    _notify([agent], "2", django_capture_on_commit_callbacks)
    first = Notification.objects.filter(user=agent).last()
    client = web_as(agent)

    assert client.get(f"/notifications/{first.pk}/read").status_code == 405
    assert unread_count(agent) == 2
    response = client.post(f"/notifications/{first.pk}/read")

    assert (response.status_code, response["Location"]) == (302, "/notifications/")
    assert unread_count(agent) == 1
    first.refresh_from_db()
    assert first.read_at is not None


def test_marking_all_read_clears_the_bell(agent, web_as, django_capture_on_commit_callbacks):
    _notify([agent], "1", django_capture_on_commit_callbacks)
    _notify([agent], "2", django_capture_on_commit_callbacks)

    web_as(agent).post("/notifications/read-all")

    assert unread_count(agent) == 0


def test_someone_elses_notification_is_404_and_stays_unread(
    agent, lead, web_as, api_as, django_capture_on_commit_callbacks
):
    _notify([lead], "1", django_capture_on_commit_callbacks)
    theirs = Notification.objects.get(user=lead)

    page = web_as(agent).post(f"/notifications/{theirs.pk}/read")
    api = api_as(agent).post(f"/notifications/{theirs.pk}/read")

    assert page.status_code == 404
    assert (api.status_code, api.json()["code"]) == (404, "not_found")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert unread_count(lead) == 1


def test_the_api_lists_mine_filters_unread_and_marks_read(
    agent, lead, api_as, django_capture_on_commit_callbacks
):
    ticket = make_ticket(agent)
    _notify([agent], "1", django_capture_on_commit_callbacks)
    _notify([agent], "2", django_capture_on_commit_callbacks, ticket=ticket)
    _notify([lead], "3", django_capture_on_commit_callbacks)
    client = api_as(agent)

    listing = client.get("/notifications", {"per_page": 1}).json()
    newest = listing["items"][0]
    assert (listing["count"], listing["page"], listing["per_page"]) == (2, 1, 1)
    assert client.get("/notifications/unread").json() == {"unread": 2}
    assert (newest["title"], newest["ticket"], newest["read_at"]) == (
        f"时限预警:工单 {ticket.serial}",
        ticket.serial,
        None,
    )

    read = client.post(f"/notifications/{newest['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    unread = client.get("/notifications", {"unread": "true"}).json()
    assert [item["title"] for item in unread["items"]] == ["时限预警:工单 1"]
    assert client.get("/notifications/unread").json() == {"unread": 1}

    assert client.post("/notifications/read-all").json() == {"marked": 1, "unread": 0}
    assert unread_count(lead) == 1


def test_the_api_clamps_a_page_out_of_range_and_refuses_one_not_a_number(agent, api_as):
    client = api_as(agent)

    clamped = client.get("/notifications", {"page": 0, "per_page": 0})
    refused = client.get("/notifications", {"page": "abc"})

    assert clamped.status_code == 200
    assert (clamped.json()["page"], clamped.json()["per_page"]) == (1, 1)
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["field"]) == ("invalid", "page")


def test_opening_an_unread_notification_marks_it_read_and_goes_to_the_ticket(
    agent, web_as, django_capture_on_commit_callbacks
):
    ticket = make_ticket(agent)
    _notify([agent], "1", django_capture_on_commit_callbacks, ticket=ticket)
    mine = Notification.objects.get(user=agent)
    client = web_as(agent)
    assert (
        f'name="next" value="/tickets/{ticket.serial}/"'
        in client.get("/notifications/").content.decode()
    )

    response = client.post(f"/notifications/{mine.pk}/read", {"next": f"/tickets/{ticket.serial}/"})

    assert (response.status_code, response["Location"]) == (302, f"/tickets/{ticket.serial}/")
    assert unread_count(agent) == 0


def test_a_next_address_off_this_site_is_not_followed(agent, web_as):
    response = web_as(agent).post("/notifications/read-all", {"next": "//evil.example.com/"})

    assert response["Location"] == "/notifications/"


def test_an_id_past_the_integer_range_is_404_not_500(agent, web_as, api_as):
    huge = 2**64

    assert web_as(agent).post(f"/notifications/{huge}/read").status_code == 404
    assert api_as(agent).post(f"/notifications/{huge}/read").status_code == 404


def test_the_admin_pages_of_notifications_open(db, web_as):
    from tests.accounts.factories import make_person

    admin = make_person("root", "admin", number="9000")
    client = web_as(admin)

    for path in ("delivery", "template", "eventrule", "webhookendpoint", "notification"):
        assert client.get(f"/admin/notify/{path}/").status_code == 200, path
    assert client.get("/admin/notify/template/add/").status_code == 200


def test_the_admin_refuses_a_template_that_does_not_parse(db, web_as):
    from tests.accounts.factories import make_person

    admin = make_person("root", "admin", number="9000")
    response = web_as(admin).post(
        "/admin/notify/template/add/",
        {
            "event": "sla.warning",
            "channel": "webhook",
            "language": "zh-hans",
            "subject": "s",
            "body": "工单 {serial",
        },
    )

    assert response.status_code == 200
    assert "模板中的花括号不成对" in response.content.decode()
    assert not Template.objects.filter(channel="webhook").exists()


def test_a_recipient_without_the_personal_data_permission_reads_numbers_masked(
    agent, people, django_capture_on_commit_callbacks
):
    quality = people["quality"]
    context = {"serial": "P261207001", "who": "王先生", "phone": "13812345678", "reason": "空号"}
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users(
            "workorder.call_task", users=[agent, quality], context=context, key="k"
        )

    mine = Notification.objects.get(user=quality)
    assert "138****5678" in mine.body and "13812345678" not in mine.body
    assert "13812345678" in Notification.objects.get(user=agent).body
