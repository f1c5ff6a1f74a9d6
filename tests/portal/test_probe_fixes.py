"""What an outside probe of the portal found: a merged ticket showed and took messages for
the survivor's customer, a customer was locked out of their own page, a code was used up by
a refused request, a photo kept the extension the client gave it, and a message's
validation error named no field."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.conversations.models import Direction, Message, MessageAttachment
from kefu.conversations.services import reply
from kefu.core.errors import Code, ServiceError
from kefu.portal import selectors, services
from kefu.portal.models import PhoneCode
from kefu.portal.views import SESSION_TOKEN
from kefu.tickets.models import Status, Ticket, TicketEvent
from kefu.tickets.services import merge_tickets
from tests.portal.conftest import CLIENT, OTHER, PHONE, PNG, proved, texted_code

pytestmark = pytest.mark.django_db

THIRD = "13655556666"


def request_of(token: str, content: str) -> Ticket:
    got = services.submit_request(token, type_code="inquiry", content=content, client=CLIENT)
    return Ticket.objects.get(serial=got.serial)


@pytest.fixture
def merged_into_another(org, agent):
    """PHONE's request merged into OTHER's, which the center answered."""
    mine = request_of(proved(PHONE), "我家停水了")
    reply(mine.serial, actor=agent, text="已记录您的停水情况。", via="web")
    theirs = request_of(proved(OTHER), "隔壁楼停水,家里有老人")
    reply(theirs.serial, actor=agent, text="维修队 14 点到达隔壁楼。", via="web")
    merge_tickets(mine.serial, into=theirs.serial, actor=agent)
    return mine, theirs


def post(client: Client, path: str, body: dict):
    return client.post("/api/v1/portal" + path, body, content_type="application/json")


# ---------------------------------------------------------------------------------- 1, 2


def test_a_ticket_merged_into_another_customers_shows_only_its_own_request(
    merged_into_another,
):
    mine, theirs = merged_into_another
    token = services.proof(PHONE)
    ticket = services.find_request(token, mine.serial, client=CLIENT)
    assert ticket.pk == mine.pk
    view = selectors.progress(ticket, PHONE)
    assert view.status_words == "已合并处理"
    assert view.steps[-1].words == "已与相同诉求合并处理"
    assert [m.text for m in view.messages] == ["我家停水了", "已记录您的停水情况。"]
    r = post(Client(), "/track", {"serial": mine.serial, "token": token})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["serial"], body["status"], body["content"]) == (
        mine.serial,
        Status.MERGED,
        "我家停水了",
    )
    text = r.content.decode()
    for theirs_data in (theirs.serial, "隔壁楼", "维修队", OTHER):
        assert theirs_data not in text
    # The survivor's own customer still sees the survivor.
    assert services.find_request(services.proof(OTHER), theirs.serial, client=CLIENT) == theirs


def test_a_ticket_merged_into_the_same_customers_shows_the_survivor(org, agent):
    token = proved(PHONE)
    first = request_of(token, "水压低")
    second = request_of(token, "水压还是低")
    merge_tickets(first.serial, into=second.serial, actor=agent)
    assert services.find_request(token, first.serial, client=CLIENT) == second


def test_writing_on_a_merged_ticket_passes_to_the_survivor_of_the_same_customer(org, agent):
    token = proved(PHONE)
    first = request_of(token, "水压低")
    second = request_of(token, "水压还是低")
    merge_tickets(first.serial, into=second.serial, actor=agent)
    r = post(Client(), f"/requests/{first.serial}/messages", {"token": token, "body": "今天更低"})
    assert r.status_code == 201, r.content
    assert r.json()["serial"] == second.serial
    assert Message.objects.filter(ticket=second, body="今天更低").exists()


def test_writing_on_a_ticket_merged_into_another_customers_starts_a_new_one(
    merged_into_another,
):
    mine, theirs = merged_into_another
    token = services.proof(PHONE)
    r = post(Client(), f"/requests/{mine.serial}/messages", {"token": token, "body": "还是没水"})
    assert r.status_code == 201, r.content
    body = r.json()
    new = Ticket.objects.get(serial=body["serial"])
    assert new.pk not in (mine.pk, theirs.pk) and new.caller_number == PHONE
    assert [(m["mine"], m["text"]) for m in body["messages"]] == [(True, "还是没水")]
    assert theirs.serial not in r.content.decode()
    assert not Message.objects.filter(ticket=theirs, direction=Direction.IN, address=PHONE)
    # The new request names the merged one, for the agent.
    note = TicketEvent.objects.get(ticket=new, action="portal_follows")
    assert mine.serial in note.note and note.data["follows"] == mine.serial
    # The page sends the customer on to the new request.
    client = Client()
    session = client.session
    session[SESSION_TOKEN] = token
    session.save()
    r = client.post(f"/portal/requests/{mine.serial}/message", {"body": "再补充一句"})
    assert r.status_code == 302
    assert Ticket.objects.filter(caller_number=PHONE).count() == 3
    assert not Message.objects.filter(ticket=theirs, direction=Direction.IN, address=PHONE)


# ---------------------------------------------------------------------------------- 3


def test_the_customer_views_their_own_request_as_often_as_they_like(org):
    client = Client()
    session = client.session
    session[SESSION_TOKEN] = proved(PHONE)
    session.save()
    serial = request_of(session[SESSION_TOKEN], "楼道灯不亮").serial
    for n in range(15):
        assert client.get(f"/portal/requests/{serial}/").status_code == 200, n
        if n % 5 == 0:
            r = client.post(f"/portal/requests/{serial}/message", {"body": f"补充留言 {n}"})
            assert r.status_code == 302


def test_failed_lookups_are_counted_and_then_even_a_right_one_is_refused(org):
    mine = request_of(proved(PHONE), "楼道灯不亮")
    theirs = request_of(proved(OTHER), "路灯不亮")
    token = services.proof(PHONE)
    answers = []
    for wrong in ("999999999", theirs.serial):  # a wrong serial, another's serial
        with pytest.raises(ServiceError) as err:
            services.find_request(token, wrong, client=CLIENT)
        answers.append((err.value.code, err.value.detail, err.value.field))
    assert answers[0] == answers[1] and answers[0][0] == Code.NOT_FOUND
    for n in range(8):
        with pytest.raises(ServiceError):
            services.find_request(token, f"99999990{n}", client=CLIENT)
    with pytest.raises(ServiceError) as err:
        services.find_request(token, "999999998", client=CLIENT)
    assert err.value.code == Code.TOO_MANY
    # Stopped means stopped: a right guess gets the same TOO_MANY, telling nothing.
    with pytest.raises(ServiceError) as err:
        services.find_request(token, mine.serial, client=CLIENT)
    assert err.value.code == Code.TOO_MANY
    # Another client address is not stopped.
    assert services.find_request(token, mine.serial, client=services.client_key("x")) == mine


# ---------------------------------------------------------------------------------- 4


def test_a_request_refused_for_another_reason_leaves_the_code_for_the_retry(org):
    app = Client()
    post(app, "/codes", {"phone": PHONE})
    code = texted_code(PHONE)
    form = {"type": "inquiry", "phone": PHONE, "code": code}
    r = app.post("/api/v1/portal/requests", form | {"content": " "})
    assert r.status_code == 422 and r.json()["detail"] == "请填写诉求内容"
    r = app.post("/api/v1/portal/requests", form | {"content": "水表漏水"})
    assert r.status_code == 201, r.content
    serial = r.json()["serial"]
    # Used once by the request that succeeded.
    r = app.post("/api/v1/portal/requests", form | {"content": "再来一次"})
    assert r.status_code == 422 and r.json()["field"] == "code"
    assert Ticket.objects.count() == 1
    # The same on /track: a wrong serial leaves the code, the right one uses it.
    post(app, "/codes", {"phone": OTHER})
    code = texted_code(OTHER)
    r = post(app, "/track", {"serial": "999999999", "phone": OTHER, "code": code})
    assert r.status_code == 404
    request_of(services.proof(OTHER), "路灯不亮")
    mine = Ticket.objects.get(caller_number=OTHER).serial
    r = post(app, "/track", {"serial": mine, "phone": OTHER, "code": code})
    assert r.status_code == 200, r.content
    r = post(app, "/track", {"serial": mine, "phone": OTHER, "code": code})
    assert r.status_code == 422 and r.json()["field"] == "code"
    assert serial


def test_wrong_codes_still_count_towards_the_limit(org):
    app = Client()
    post(app, "/codes", {"phone": THIRD})
    code = texted_code(THIRD)
    wrong = "000000" if code != "000000" else "111111"
    form = {"type": "inquiry", "phone": THIRD, "content": "水表漏水"}
    for _ in range(services.MAX_ATTEMPTS):
        r = app.post("/api/v1/portal/requests", form | {"code": wrong})
        assert r.status_code == 422 and r.json()["field"] == "code"
    assert PhoneCode.objects.get(phone=THIRD).attempts == services.MAX_ATTEMPTS
    r = app.post("/api/v1/portal/requests", form | {"code": code})
    assert r.status_code == 422 and r.json()["field"] == "code"
    assert not Ticket.objects.exists()


# ---------------------------------------------------------------------------------- 5


def test_a_photo_is_stored_and_served_as_the_image_its_bytes_are(org, agent, api_as):
    app = Client()
    post(app, "/codes", {"phone": PHONE})
    r = app.post(
        "/api/v1/portal/requests",
        {
            "type": "inquiry",
            "content": "水表坏了",
            "phone": PHONE,
            "code": texted_code(PHONE),
            "photos": [
                SimpleUploadedFile("x.html", PNG, content_type="text/html"),
                SimpleUploadedFile("meter.png", PNG, content_type="image/png"),
            ],
        },
    )
    assert r.status_code == 201, r.content
    files = list(MessageAttachment.objects.order_by("id"))
    assert [(f.name, f.content_type) for f in files] == [
        ("x.png", "image/png"),
        ("meter.png", "image/png"),
    ]
    assert files[0].file.name.endswith(".png")
    got = api_as(agent).get(f"/conversations/files/{files[0].pk}")
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert 'filename="x.png"' in got["Content-Disposition"]


def test_photo_names_follow_the_type_of_their_bytes():
    assert services.photo_name("x.html", "image/png") == "x.png"
    assert services.photo_name("a.jpeg", "image/jpeg") == "a.jpeg"
    assert services.photo_name("C:\\pics\\evil.svg", "image/gif") == "evil.gif"
    assert services.photo_name("", "image/webp") == "photo.webp"
    assert services.photo_name(".htaccess", "image/jpeg") == "photo.jpg"


# ---------------------------------------------------------------------------------- 6


def test_a_message_too_long_names_the_body_field(org):
    token = proved(PHONE)
    serial = request_of(token, "楼道灯不亮").serial
    r = post(Client(), f"/requests/{serial}/messages", {"token": token, "body": "字" * 1001})
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "body" and body["errors"][0]["field"] == "body"
