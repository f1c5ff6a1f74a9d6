"""The portal's pages: no login, CSRF on, Chinese, the session keeps the proved phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kefu.conversations.services import reply
from kefu.portal.models import PhoneCode
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from tests.knowledge.factories import publish
from tests.portal.conftest import JPEG, OTHER, PHONE, texted_code

pytestmark = pytest.mark.django_db


def code_to(client: Client, phone: str = PHONE) -> str:
    r = client.post("/portal/code", {"phone": phone, "purpose": "submit"})
    assert r.status_code == 200 and "验证码已发送" in r.content.decode()
    return texted_code(phone)


def submit(client: Client, **fields):
    data = {"type": "inquiry", "content": "水费怎么交", "phone": PHONE, "code": ""} | fields
    return client.post("/portal/submit", data)


def test_home_names_the_center_and_its_services(org):
    r = Client().get("/portal/")
    html = r.content.decode()
    assert r.status_code == 200
    for words in ("我要报事", "查询进度", "停水公告"):
        assert words in html
    assert "查水费" not in html and "查运单" not in html and "常见问题" not in html


def test_submit_with_the_code_shows_the_serial_and_a_track_link(org):
    client = Client()
    r = submit(client, code=code_to(client), photos=[SimpleUploadedFile("p.jpg", JPEG)])
    assert r.status_code == 302 and r["Location"] == "/portal/submitted"
    ticket = Ticket.objects.get()
    page = client.get("/portal/submitted").content.decode()
    assert ticket.serial in page and f"/portal/requests/{ticket.serial}/" in page
    # The phone stays proved in the session: a second request needs no new code.
    assert submit(client, content="再问一下").status_code == 302
    assert Ticket.objects.count() == 2


def test_a_text_file_named_jpg_is_refused_with_the_form_kept(org):
    client = Client()
    photo = SimpleUploadedFile("fake.jpg", "我不是图片".encode(), content_type="image/jpeg")
    r = submit(client, code=code_to(client), photos=[photo])
    assert r.status_code == 422
    html = r.content.decode()
    assert "只能上传照片" in html and "水费怎么交" in html
    assert not Ticket.objects.exists()


def test_the_honeypot_answers_as_accepted(org):
    r = submit(Client(), website="http://spam.example")
    assert r.status_code == 302
    assert not Ticket.objects.exists() and not PhoneCode.objects.exists()


def test_without_the_code_nothing_is_submitted(org):
    r = submit(Client(), code="123456")
    assert r.status_code == 422 and "验证码错误或已失效" in r.content.decode()
    r = submit(Client())
    assert r.status_code == 422 and "请先获取并填写短信验证码" in r.content.decode()
    assert not Ticket.objects.exists()


def test_csrf_is_checked(org):
    r = Client(enforce_csrf_checks=True).post("/portal/code", {"phone": PHONE})
    assert r.status_code == 403 and not PhoneCode.objects.exists()


def test_track_shows_the_reply_and_a_stranger_gets_the_same_answer(org, agent):
    customer = Client()
    submit(customer, code=code_to(customer))
    serial = Ticket.objects.get().serial
    reply(serial, actor=agent, text="您好,可在营业厅或网上缴费。", via="web")
    tracker = Client()  # another phone browser, two minutes later (one code a minute)
    later = time_machine.travel(timezone.now() + dt.timedelta(minutes=2))
    later.start()
    r = tracker.post("/portal/track", {"serial": serial, "phone": PHONE, "code": code_to(tracker)})
    assert r.status_code == 302 and r["Location"] == f"/portal/requests/{serial}/"
    page = tracker.get(r["Location"]).content.decode()
    assert "可在营业厅或网上缴费" in page and "已提交,待受理" in page
    stranger = Client()
    wrong_phone = stranger.post(
        "/portal/track", {"serial": serial, "phone": OTHER, "code": code_to(stranger, OTHER)}
    )
    wrong_serial = stranger.post("/portal/track", {"serial": "250101999", "phone": OTHER})
    bodies = [
        re.search(r'data-testid="error">([^<]*)<', x.content.decode()).group(1)
        for x in (wrong_phone, wrong_serial)
    ]
    assert [wrong_phone.status_code, wrong_serial.status_code] == [404, 404]
    assert bodies == ["未找到该工单,请核对工单号和手机号"] * 2
    assert stranger.get(f"/portal/requests/{serial}/").status_code == 404
    later.stop()


def test_message_and_rating_from_the_request_page(org, agent):
    client = Client()
    submit(client, code=code_to(client))
    serial = Ticket.objects.get().serial
    r = client.post(f"/portal/requests/{serial}/message", {"body": "补充一下地址"})
    assert r.status_code == 302
    assert "补充一下地址" in client.get(f"/portal/requests/{serial}/").content.decode()
    tickets.transition_ticket(serial, actor=agent, action="accept")
    tickets.transition_ticket(serial, actor=agent, action="resolve")
    assert "服务评价" in client.get(f"/portal/requests/{serial}/").content.decode()
    r = client.post(f"/portal/requests/{serial}/rating", {"score": "5", "comment": "好"})
    assert r.status_code == 302
    assert "您已评价:5 分" in client.get(f"/portal/requests/{serial}/").content.decode()


def test_faq_shows_public_articles_only(people):
    lead = people["lead"]
    public = publish(lead, lead, "停水了怎么办", "先查看停水公告。", audience="public")
    publish(lead, lead, "内部:停水应答口径", "内部资料", audience="internal")
    client = Client()
    assert "常见问题" in client.get("/portal/").content.decode()
    page = client.get("/portal/faq/", {"q": "停水"}).content.decode()
    assert "停水了怎么办" in page.replace("<mark>", "").replace("</mark>", "")
    assert "应答口径" not in page
    assert "先查看停水公告" in client.get(f"/portal/faq/{public.pk}/").content.decode()
    internal = public.pk + 1
    assert client.get(f"/portal/faq/{internal}/").status_code == 404


def test_bill_and_shipment_pages(org):
    from tests.business.factories import make_account, make_shipment

    make_account("SW300001", phone=PHONE, arrears="52.80", months=2)
    make_shipment("YD300001", phone=PHONE)
    client = Client()
    home = client.get("/portal/").content.decode()
    assert "查水费/查欠费" in home and "查运单" in home
    r = client.post(
        "/portal/bill", {"account_no": "SW300001", "phone": PHONE, "code": code_to(client)}
    )
    html = r.content.decode()
    assert r.status_code == 200 and "52.80" in html and "王**" in html and "王建国" not in html
    r = client.post("/portal/shipment", {"waybill": "YD300001", "phone_tail": "0000"})
    assert r.status_code == 404 and "未找到该运单" in r.content.decode()
    r = client.post("/portal/shipment", {"waybill": "YD300001", "phone_tail": PHONE[-4:]})
    assert r.status_code == 200 and "到达杭州中转" in r.content.decode()


def test_notices_filter_by_area(people):
    from tests.notices.factories import make_notice

    notice = make_notice(people["lead"], areas=["yhy"], publish=True)
    client = Client()
    mine = client.get("/portal/area-notices/", {"area": "yhy"}).content.decode()
    other = client.get("/portal/area-notices/", {"area": "nsh"}).content.decode()
    assert notice.title in mine
    assert notice.title not in other and "目前没有停水或抢修公告" in other
