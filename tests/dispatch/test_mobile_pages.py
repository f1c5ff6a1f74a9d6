"""The field staff's phone pages (/m/) through Django's test client: my orders, the steps by
POST, completion with a code or a signature, photos, and who may see the files."""

from __future__ import annotations

import base64
import datetime as dt
import io
import struct
import zlib
from urllib.parse import quote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from kefu.accounts.models import Role
from kefu.dispatch import services
from kefu.dispatch.models import Photo, Status, TrackingRecord, WorkOrder
from kefu.dispatch.selectors import list_my_orders
from tests.accounts.factories import PASSWORD, make_person
from tests.dispatch.factories import make_field, make_order, order_in

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A real (white) PNG, made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pixels(data: bytes) -> tuple:
    """The size, mode and pixels of an image: what re-encoding keeps (its bytes change)."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.mode, image.tobytes()


@pytest.fixture
def field(org, people):
    return make_field(org, people)


@pytest.fixture
def stranger(org):
    """A field staff member of the same department, not in the crew."""
    return make_person(
        "fitter3", Role.FIELD_STAFF, number="5103", department=org["depts"]["repair"], name="赵师傅"
    )


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def on_site(order: WorkOrder, user) -> WorkOrder:
    for action in ("accept", "depart", "arrive"):
        services.transition_order(order.serial, actor=user, action=action)
    return WorkOrder.objects.get(pk=order.pk)


def fresh(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


# ---------------------------------------------------------------------------------- my orders


def test_my_list_shows_my_orders_and_my_crews_and_nobody_elses(agent, field, stranger):
    fitter, helper, crew = field["fitter"], field["helper"], field["crew"]
    mine = make_order(agent, dispatch_to=fitter, goods="厨房水管爆裂")
    crews = services.create_order(
        order_in(goods="楼道水管滴漏"), actor=agent, crew=crew.id, dispatch=True
    )
    others = make_order(agent, dispatch_to=stranger, goods="水表不走字")

    page = as_user(fitter).get("/m/")
    assert page.status_code == 200
    text = page.content.decode()
    assert mine.serial in text and crews.serial in text
    assert others.serial not in text

    # A crew member (not its leader) sees the crew's order, not the leader's own.
    text = as_user(helper).get("/m/").content.decode()
    assert crews.serial in text
    assert mine.serial not in text and others.serial not in text

    text = as_user(stranger).get("/m/").content.decode()
    assert others.serial in text
    assert mine.serial not in text and crews.serial not in text


def test_open_orders_come_first_then_only_todays_completed(agent, field):
    fitter = field["fitter"]
    with time_machine.travel(dt.datetime(2025, 6, 9, 10, 0, tzinfo=SHANGHAI)):
        yesterday = on_site(make_order(agent, dispatch_to=fitter, goods="昨天的"), fitter)
        services.complete_order(yesterday.serial, actor=fitter, result="已修好")
    with time_machine.travel(dt.datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI)):
        today = on_site(make_order(agent, dispatch_to=fitter, goods="今天的"), fitter)
        services.complete_order(today.serial, actor=fitter, result="已修好")
        arrived = on_site(make_order(agent, dispatch_to=fitter, goods="到场的"), fitter)
        waiting = make_order(agent, dispatch_to=fitter, goods="刚派的")
        returned = make_order(agent, dispatch_to=fitter, goods="退掉的")
        services.transition_order(returned.serial, actor=fitter, action="return", note="缺配件")
        now = timezone.now()

    to_do, done = list_my_orders(fitter, now=now)
    assert {o.serial for o in to_do} == {arrived.serial, waiting.serial}
    assert [o.serial for o in done] == [today.serial]

    with time_machine.travel(now):
        page = as_user(fitter).get("/m/")
    text = page.content.decode()
    assert text.index(waiting.serial) < text.index(today.serial)
    assert text.index(arrived.serial) < text.index(today.serial)
    assert yesterday.serial not in text and returned.serial not in text
    assert "已到场" in text and "已派工" in text and "已完工" in text


def test_my_list_reads_in_two_queries(agent, field, django_assert_num_queries):
    fitter = field["fitter"]
    for goods in ("一", "二", "三"):
        make_order(agent, dispatch_to=fitter, goods=goods)
    fitter = type(fitter).objects.select_related("staff").get(pk=fitter.pk)
    with django_assert_num_queries(2):
        to_do, done = list_my_orders(fitter, now=timezone.now())
    assert len(to_do) == 3 and done == []


# ---------------------------------------------------------------------------------- the order


def test_an_order_card_shows_the_appointment_window_and_the_due_time():
    # Rendered from an unsaved order: the due time comes from deadline rules set elsewhere.
    order = WorkOrder(
        serial="P250610001",
        kind="repair",
        status=Status.ACCEPTED,
        goods="厨房水管爆裂",
        address="阳光花园3栋2单元501",
        window_start=dt.datetime(2025, 6, 10, 10, 0, tzinfo=SHANGHAI),
        window_end=dt.datetime(2025, 6, 10, 12, 0, tzinfo=SHANGHAI),
        due_at=dt.datetime(2025, 6, 10, 13, 0, tzinfo=SHANGHAI),
    )
    with time_machine.travel(dt.datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI)):
        card = render_to_string("dispatch/mobile/partials/order_card.html", {"order": order})
    assert "维修" in card and "已接单" in card and "阳光花园3栋2单元501" in card
    assert "06-10 10:00–12:00" in card
    assert "06-10 13:00" in card and "已超期" not in card
    with time_machine.travel(dt.datetime(2025, 6, 10, 14, 0, tzinfo=SHANGHAI)):
        card = render_to_string("dispatch/mobile/partials/order_card.html", {"order": order})
    assert "06-10 13:00 已超期" in card


def test_the_order_page_has_the_phone_the_map_and_the_steps_allowed(agent, field):
    order = make_order(agent, dispatch_to=field["fitter"], hint="门口有狗")
    page = as_user(field["fitter"]).get(f"/m/{order.serial}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="tel:13512345678"' in text
    address = quote("阳光花园3栋2单元501")
    assert (
        f'href="https://uri.amap.com/search?keyword={address}&amp;src=kefu&amp;callnative=1"'
        in text
    )
    assert "王先生" in text and "厨房水管爆裂" in text and "门口有狗" in text
    assert 'data-testid="action-accept"' in text
    assert 'data-testid="action-depart"' not in text  # not before 接单
    assert 'data-testid="complete-form"' not in text
    # The customer's code is the customer's to give, never shown to the field.
    assert order.confirmation_code not in text


def test_another_field_staff_member_gets_404_on_my_order(agent, field, stranger):
    order = make_order(agent, dispatch_to=field["fitter"])
    client = as_user(stranger)
    assert client.get(f"/m/{order.serial}/").status_code == 404
    assert client.post(f"/m/{order.serial}/step", {"action": "accept"}).status_code == 404
    assert client.post(f"/m/{order.serial}/note", {"note": "看看"}).status_code == 404
    assert fresh(order).status == Status.DISPATCHED
    assert order.tracking.count() == 2


def test_each_step_by_post_moves_the_order_and_writes_the_tracking_record(agent, field):
    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    client = as_user(fitter)
    for action, status in (
        ("accept", Status.ACCEPTED),
        ("depart", Status.EN_ROUTE),
        ("arrive", Status.ON_SITE),
    ):
        response = client.post(f"/m/{order.serial}/step", {"action": action})
        assert response.status_code == 302
        assert response["Location"] == f"/m/{order.serial}/"
        assert fresh(order).status == status
        last = order.tracking.last()
        assert (last.kind, last.action, last.to_status, last.actor) == (
            TrackingRecord.Kind.STATUS,
            action,
            status,
            fitter,
        )
    page = client.get(f"/m/{order.serial}/").content.decode()
    assert 'data-testid="complete-form"' in page
    assert "出发中 → 已到场" in page


def test_a_get_changes_nothing(agent, field):
    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    client = as_user(fitter)
    assert client.get(f"/m/{order.serial}/step", {"action": "accept"}).status_code == 405
    assert client.get(f"/m/{order.serial}/complete", {"result": "好了"}).status_code == 405
    assert client.get(f"/m/{order.serial}/note", {"note": "x"}).status_code == 405
    assert fresh(order).status == Status.DISPATCHED
    assert order.tracking.count() == 2


def test_a_step_out_of_turn_is_refused_in_chinese_and_changes_nothing(agent, field):
    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    response = as_user(fitter).post(f"/m/{order.serial}/step", {"action": "depart"})
    assert response.status_code == 422
    assert "当前状态不允许此操作" in response.content.decode()
    response = as_user(fitter).post(f"/m/{order.serial}/step", {"action": "close"})
    assert response.status_code == 422
    assert "未知操作" in response.content.decode()
    assert fresh(order).status == Status.DISPATCHED
    assert order.tracking.count() == 2


def test_return_needs_a_reason_and_keeps_it(agent, field):
    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    client = as_user(fitter)
    refused = client.post(f"/m/{order.serial}/step", {"action": "return", "reason": " "})
    assert refused.status_code == 422
    assert fresh(order).status == Status.DISPATCHED
    response = client.post(f"/m/{order.serial}/step", {"action": "return", "reason": "配件不足"})
    assert response.status_code == 302
    order = fresh(order)
    assert (order.status, order.return_reason) == (Status.RETURNED, "配件不足")
    assert order.tracking.last().note == "配件不足"


def test_a_tracking_note_is_written(agent, field):
    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    client = as_user(fitter)
    assert client.post(f"/m/{order.serial}/note", {"note": ""}).status_code == 422
    response = client.post(f"/m/{order.serial}/note", {"note": "客户改约明天上午"})
    assert response.status_code == 302
    last = order.tracking.last()
    assert (last.kind, last.note, last.actor) == (
        TrackingRecord.Kind.NOTE,
        "客户改约明天上午",
        fitter,
    )
    assert "客户改约明天上午" in client.get(f"/m/{order.serial}/").content.decode()


# ---------------------------------------------------------------------------------- completion


def test_complete_with_a_wrong_code_is_refused_and_nothing_is_written(agent, field):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    wrong = "000000" if order.confirmation_code != "000000" else "111111"
    records = order.tracking.count()
    response = as_user(fitter).post(
        f"/m/{order.serial}/complete",
        {
            "result": "更换水管1米",
            "materials": "PPR管1米",
            "confirmation_code": wrong,
            "photos": [SimpleUploadedFile("现场.png", tiny_png(), "image/png")],
        },
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "确认码不正确" in text
    assert "更换水管1米" in text  # what was typed is still there
    order = fresh(order)
    assert (order.status, order.result, order.confirmation) == (Status.ON_SITE, "", "")
    assert order.tracking.count() == records
    assert Photo.objects.count() == 0


def test_complete_with_the_customers_code(agent, field):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    response = as_user(fitter).post(
        f"/m/{order.serial}/complete",
        {"result": "更换水管1米", "confirmation_code": order.confirmation_code},
    )
    assert response.status_code == 302
    order = fresh(order)
    assert (order.status, order.confirmation) == (Status.COMPLETED, WorkOrder.Confirmation.CODE)


def test_complete_needs_a_result(agent, field):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    response = as_user(fitter).post(f"/m/{order.serial}/complete", {"result": "  "})
    assert response.status_code == 422
    assert fresh(order).status == Status.ON_SITE


def test_complete_with_a_drawn_signature_stores_the_png(agent, field, stranger, dept_handler):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    png = tiny_png(40, 20)
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    client = as_user(fitter)
    response = client.post(
        f"/m/{order.serial}/complete",
        {
            "result": "更换水管1米",
            "materials": "PPR管1米",
            "signature": data_url,
            "photos": [SimpleUploadedFile("完工.png", tiny_png(), "image/png")],
        },
    )
    assert response.status_code == 302
    order = fresh(order)
    assert (order.status, order.confirmation) == (
        Status.COMPLETED,
        WorkOrder.Confirmation.SIGNATURE,
    )
    assert order.materials == "PPR管1米"
    with order.signature.open("rb") as stored:
        kept = stored.read()
    assert pixels(kept) == pixels(png)  # re-encoded: the same picture
    assert order.photos.count() == 1
    assert order.tracking.last().data == {"confirmation": "signature", "photos": 1}

    page = client.get(f"/m/{order.serial}/").content.decode()
    assert "已完工" in page and 'data-testid="signature-image"' in page

    url = f"/m/files/{order.signature.name}"
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == kept
    # The department's handler may see the order; a field staff member off it may not.
    assert as_user(dept_handler).get(url).status_code == 200
    assert as_user(stranger).get(url).status_code == 404


def test_the_admin_links_the_signature_through_the_checked_page(agent, field, admin_client):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    services.complete_order(
        order.serial, actor=fitter, result="已修好", signature_png=tiny_png(40, 20)
    )
    order = fresh(order)

    page = admin_client.get(f"/admin/dispatch/workorder/{order.pk}/change/").content.decode()

    assert f'<a href="{reverse("m-file", args=[order.signature.name])}">' in page
    assert "/media/" not in page


def test_a_signature_that_is_not_a_png_is_refused(agent, field):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    for bad in (
        "data:image/png;base64,@@@",
        "data:text/html;base64,PGI+",
        "data:image/png;base64," + base64.b64encode(b"GIF89a").decode(),
    ):
        response = as_user(fitter).post(
            f"/m/{order.serial}/complete", {"result": "好了", "signature": bad}
        )
        assert response.status_code == 422
        assert "签名图片无效" in response.content.decode()
    order = fresh(order)
    assert (order.status, order.signature.name) == (Status.ON_SITE, "")


# ---------------------------------------------------------------------------------- photos


def test_a_photo_is_uploaded_and_shown_only_to_those_who_see_the_order(agent, field, stranger):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    client = as_user(fitter)
    png = tiny_png()
    response = client.post(
        f"/m/{order.serial}/photos",
        {"photos": [SimpleUploadedFile("现场1.png", png, "image/png")]},
    )
    assert response.status_code == 302
    photo = order.photos.get()
    assert (photo.name, photo.content_type, photo.uploaded_by) == ("现场1.png", "image/png", fitter)
    last = order.tracking.last()
    assert (last.kind, last.data) == (
        TrackingRecord.Kind.PHOTO,
        {"photo_id": photo.id, "name": "现场1.png"},
    )
    url = reverse("m-file", args=[photo.file.name])  # the name quoted, as in the page
    assert url == f"/m/files/workorders/{order.serial}/%E7%8E%B0%E5%9C%BA1.png"
    assert url in client.get(f"/m/{order.serial}/").content.decode()
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert pixels(b"".join(served.streaming_content)) == pixels(png)
    assert as_user(stranger).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert client.get("/m/files/workorders/nothing.png").status_code == 404


def test_a_photo_with_a_page_behind_it_is_shown_as_the_picture_only(agent, field):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    client = as_user(fitter)
    picture = io.BytesIO()
    Image.new("RGB", (16, 8), (0, 90, 200)).save(picture, format="JPEG")
    polyglot = picture.getvalue() + b"<html><script>alert(document.cookie)</script></html>"
    client.post(
        f"/m/{order.serial}/photos",
        {"photos": [SimpleUploadedFile("现场.html", polyglot, "text/html")]},
    )
    photo = order.photos.get()

    served = client.get(reverse("m-file", args=[photo.file.name]))

    assert served["Content-Type"] == "image/jpeg"  # read from its bytes, not its name
    assert "Content-Disposition" in served and "attachment" not in served["Content-Disposition"]
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"].endswith("; sandbox")
    shown = b"".join(served.streaming_content)
    assert b"<script" not in shown
    assert Image.open(io.BytesIO(shown)).size == (16, 8)


def test_a_heic_photo_is_kept_but_only_downloaded(agent, field):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    client = as_user(fitter)
    client.post(
        f"/m/{order.serial}/photos",
        {"photos": [SimpleUploadedFile("IMG_0001.HEIC", heic, "image/heic")]},
    )
    photo = order.photos.get()
    assert photo.content_type == "image/heic"

    served = client.get(reverse("m-file", args=[photo.file.name]))

    assert served["Content-Disposition"].startswith("attachment;")
    assert b"".join(served.streaming_content) == heic


def test_a_photo_upload_of_a_non_image_is_refused(agent, field):
    fitter = field["fitter"]
    order = on_site(make_order(agent, dispatch_to=fitter), fitter)
    records = order.tracking.count()
    response = as_user(fitter).post(
        f"/m/{order.serial}/photos",
        {
            "photos": [
                SimpleUploadedFile("现场.png", tiny_png(), "image/png"),
                SimpleUploadedFile("说明.txt", b"hello", "text/plain"),
            ]
        },
    )
    assert response.status_code == 422
    assert "只能上传照片" in response.content.decode()
    # Chosen together, kept together: the good photo is not kept either.
    assert order.photos.count() == 0
    assert order.tracking.count() == records
    response = as_user(fitter).post(f"/m/{order.serial}/photos", {})
    assert response.status_code == 422
    assert "请选择照片" in response.content.decode()


# ---------------------------------------------------------------------------------- logging in


def test_field_staff_log_in_to_their_phone_page_for_30_days(field):
    client = Client()
    response = client.post("/login/", {"username": "fitter", "password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302), ("/m/", 302)]
    assert response.status_code == 200
    assert client.session.get_expiry_age() == 30 * 24 * 3600
    assert client.cookies["sessionid"]["max-age"] == 30 * 24 * 3600


def test_the_center_keeps_the_usual_session_and_workbench(agent):
    client = Client()
    response = client.post("/login/", {"username": "agent", "password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert response.templates[0].name == "tickets/workbench.html"
    assert client.session.get_expiry_age() == 14 * 24 * 3600
