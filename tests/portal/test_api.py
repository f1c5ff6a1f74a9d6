"""The portal API (/api/v1/portal/): no token needed, the same rules as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.conversations.services import reply
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from tests.portal.conftest import JPEG, OTHER, PHONE, texted_code

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict):
    return client.post("/api/v1/portal" + path, body, content_type="application/json")


def test_an_app_submits_tracks_writes_and_rates(org, agent):
    app = Client()
    r = post(app, "/codes", {"phone": PHONE, "purpose": "submit"})
    assert r.status_code == 202 and r.json()["sent"] is True
    assert post(app, "/codes", {"phone": PHONE}).json()["code"] == "too_many"
    r = app.post(
        "/api/v1/portal/requests",
        {
            "type": "inquiry",
            "content": "水表读数不对",
            "phone": PHONE,
            "code": texted_code(),
            "photos": [SimpleUploadedFile("a.jpg", JPEG)],
        },
    )
    assert r.status_code == 201, r.content
    serial, token = r.json()["serial"], r.json()["token"]
    assert Ticket.objects.get(serial=serial).channel == "web"
    reply(serial, actor=agent, text="已安排抄表员复核。", via="web")
    r = post(app, "/track", {"serial": serial, "token": token})
    body = r.json()
    assert r.status_code == 200 and body["status_words"] == "已提交,待受理"
    assert [(m["mine"], m["text"]) for m in body["messages"]] == [
        (True, "水表读数不对"),
        (False, "已安排抄表员复核。"),
    ]
    assert body["messages"][0]["files"] == ["a.jpg"]
    r = post(app, f"/requests/{serial}/messages", {"token": token, "body": "谢谢"})
    assert r.status_code == 201 and r.json()["messages"][-1]["text"] == "谢谢"
    tickets.transition_ticket(serial, actor=agent, action="accept")
    tickets.transition_ticket(serial, actor=agent, action="resolve")
    r = post(app, f"/requests/{serial}/rating", {"token": token, "score": 5})
    assert r.status_code == 200 and r.json()["score"] == 5


def test_the_api_gives_one_answer_for_a_wrong_serial_and_a_wrong_phone(org):
    app = Client()
    post(app, "/codes", {"phone": PHONE})
    r = app.post(
        "/api/v1/portal/requests",
        {"type": "inquiry", "content": "咨询", "phone": PHONE, "code": texted_code()},
    )
    serial = r.json()["serial"]
    post(app, "/codes", {"phone": OTHER})
    wrong_phone = post(
        app, "/track", {"serial": serial, "phone": OTHER, "code": texted_code(OTHER)}
    )
    wrong_serial = post(app, "/track", {"serial": "250101999", "token": r.json()["token"]})
    assert wrong_phone.status_code == wrong_serial.status_code == 404
    assert wrong_phone.json() == wrong_serial.json()
    assert wrong_phone.json()["detail"] == "未找到该工单,请核对工单号和手机号"


def test_without_proof_the_api_refuses(org):
    r = post(Client(), "/track", {"serial": "250101999", "token": "nonsense"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_the_honeypot_through_the_api_records_nothing(org):
    r = Client().post(
        "/api/v1/portal/requests",
        {"type": "inquiry", "content": "买药", "website": "http://spam.example"},
    )
    assert r.status_code == 201 and len(r.json()["serial"]) == 9
    assert not Ticket.objects.exists()
