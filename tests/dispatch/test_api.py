"""The work orders API: the same operations as the desk, errors in one shape."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from kefu.accounts.models import Role
from kefu.dispatch.models import FREIGHT_FIELDS, Photo, Status, WorkOrder
from tests.accounts.factories import make_person
from tests.dispatch.factories import make_field, make_order


@pytest.fixture
def field(org, people):
    return make_field(org, people)


BODY = {
    "kind": "pickup",
    "department": "repair",
    "customer_name": "顺达商行",
    "customer_phone": "13512345678",
    "address": "阳光花园商铺12号",
    "goods": "服装",
    "quantity": "3件",
    "weight": "12kg",
    "destination": "广州",
    "consignee": "李四",
    "consignee_phone": "13698765432",
    "payment": "到付",
}


def test_an_integrator_creates_and_dispatches_an_order(api_as, agent, field):
    api = api_as(agent)
    response = api.post("/workorders", BODY | {"dispatch": True, "assignee": "5101"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "dispatched"
    assert body["assignee"] == {"username": "fitter", "employee_no": "5101", "name": "张师傅"}
    assert [t["action"] for t in body["tracking"]] == ["", "dispatch"]
    assert body["actions"] == ["dispatch", "accept", "return", "cancel"]


def test_field_staff_move_the_order_and_the_center_closes_it(api_as, agent, field):
    order = make_order(agent, dispatch_to=field["fitter"])
    fitter = api_as(field["fitter"])
    for action in ("accept", "depart", "arrive"):
        response = fitter.post(f"/workorders/{order.serial}/transitions", {"action": action})
        assert response.status_code == 200, response.content
    response = fitter.post(
        f"/workorders/{order.serial}/complete",
        {"result": "已修复", "confirmation_code": WorkOrder.objects.get().confirmation_code},
    )
    assert response.json()["confirmation"] == "code"
    response = api_as(agent).post(
        f"/workorders/{order.serial}/transitions", {"action": "close", "note": "已回访确认"}
    )
    assert response.json()["status"] == "closed"


def test_a_refused_transition_says_why_in_one_shape(api_as, agent, field):
    order = make_order(agent, dispatch_to=field["fitter"])
    response = api_as(field["fitter"]).post(
        f"/workorders/{order.serial}/transitions", {"action": "return"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert response.json()["field"] == "note"
    assert WorkOrder.objects.get().status == Status.DISPATCHED


def test_a_wrong_confirmation_code_is_refused_and_nothing_changes(api_as, agent, field):
    order = make_order(agent, dispatch_to=field["fitter"])
    fitter = api_as(field["fitter"])
    for action in ("accept", "arrive"):
        fitter.post(f"/workorders/{order.serial}/transitions", {"action": action})
    response = fitter.post(
        f"/workorders/{order.serial}/complete", {"result": "已修复", "confirmation_code": "x"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "confirmation_code"
    order.refresh_from_db()
    assert (order.status, order.result) == (Status.ON_SITE, "")


def test_editing_an_order_records_old_and_new(api_as, agent, field):
    order = make_order(agent)
    # A repair: none of a pickup's freight fields (件数, 重量, 收货人…).
    body = {k: v for k, v in BODY.items() if k != "department" and k not in FREIGHT_FIELDS}
    body |= {"kind": "repair"}
    response = api_as(agent).put(f"/workorders/{order.serial}", body | {"address": "新地址1号"})
    assert response.status_code == 200, response.content
    edit = response.json()["tracking"][-1]
    assert edit["action"] == "edit"
    assert edit["data"]["changes"]["address"] == ["阳光花园3栋2单元501", "新地址1号"]


def test_quality_staff_see_masked_phones_and_cannot_act(api_as, agent, field, people):
    order = make_order(agent, dispatch_to=field["fitter"])
    quality = api_as(people["quality"])
    body = quality.get(f"/workorders/{order.serial}").json()
    assert body["customer_phone"] == "135****5678"
    assert body["actions"] == []
    response = quality.post(f"/workorders/{order.serial}/transitions", {"action": "cancel"})
    assert response.status_code == 403


def test_preview_message_counts_against_the_limit(api_as, agent, field):
    body = {k: v for k, v in BODY.items() if k != "department"}
    response = api_as(agent).post("/workorders/preview-message", body)
    assert response.status_code == 200
    result = response.json()
    assert result["text"] == (
        "[P000000000]顺达商行,13512345678,服装,3件,12kg,广州,李四,13698765432,到付[8011]"
    )
    assert (result["length"], result["limit"], result["over_limit"]) == (66, 70, False)


def test_nul_and_unknown_orders_are_refused_cleanly(api_as, agent, field):
    api = api_as(agent)
    assert api.get("/workorders/P0000").status_code == 404
    response = api.post("/workorders", BODY | {"goods": "a\x00b"})
    assert response.status_code == 422


def test_an_integrator_resends_a_failed_dispatch_sms(api_as, agent, field):
    from kefu.dispatch.models import DispatchMessage

    helper = field["helper"]
    helper.staff.phone = ""
    helper.staff.save(update_fields=["phone"])
    order = make_order(agent, dispatch_to=helper)
    failed = DispatchMessage.objects.get(order=order, role="assignee")
    api = api_as(agent)
    assert api.post(f"/workorders/messages/{failed.pk}/resend").json()["field"] == "phone"
    helper.staff.phone = "13800000002"
    helper.staff.save(update_fields=["phone"])
    body = api.post(f"/workorders/messages/{failed.pk}/resend").json()
    assert [m["phone"] for m in body["messages"] if m["role"] == "assignee"] == ["13800000002"]


def test_photos_and_the_signature_are_fetched_with_the_same_token(api_as, agent, field, org):
    """The order's photos and the customer's signature: listed with their API addresses and
    served to a token that may see the order; nobody else's token, and not once destroyed."""
    order = make_order(agent, dispatch_to=field["fitter"])
    fitter = api_as(field["fitter"])
    for action in ("accept", "depart", "arrive"):
        fitter.post(f"/workorders/{order.serial}/transitions", {"action": action})
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format="PNG")
    uploaded = fitter.client.post(
        f"/api/v1/workorders/{order.serial}/photos",
        {"file": SimpleUploadedFile("现场.png", buffer.getvalue(), "image/png")},
        **fitter.auth,
    )
    assert uploaded.status_code == 201, uploaded.content
    signature = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(signature, format="PNG")
    done = fitter.post(
        f"/workorders/{order.serial}/complete",
        {"result": "已修复", "signature_png": base64.b64encode(signature.getvalue()).decode()},
    ).json()
    (photo,) = done["photo_files"]
    assert photo["name"] == "现场.png" and photo["url"].startswith("/api/v1/workorders/photos/")
    assert done["signature_url"] == f"/api/v1/workorders/{order.serial}/signature"

    center = api_as(agent)
    outsider = api_as(
        make_person("outsider", Role.FIELD_STAFF, number="5177", department=org["depts"]["repair"])
    )
    for url, kind in ((photo["url"], "image/png"), (done["signature_url"], "image/png")):
        served = center.client.get(url, **center.auth)
        assert served.status_code == 200 and served["Content-Type"] == kind
        assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size in {(8, 6), (40, 20)}
        refused = outsider.client.get(url, **outsider.auth)
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
        assert Client().get(url).status_code == 401

    Photo.objects.update(purged_at=timezone.now())
    assert center.client.get(photo["url"], **center.auth).status_code == 404
    detail = center.get(f"/workorders/{order.serial}").json()
    assert (detail["photo_files"], detail["photos_purged"]) == ([], 1)
    unsigned = make_order(agent, dispatch_to=field["fitter"])
    assert center.get(f"/workorders/{unsigned.serial}").json()["signature_url"] == ""
    missing = center.client.get(f"/api/v1/workorders/{unsigned.serial}/signature", **center.auth)
    assert missing.status_code == 404 and missing.json()["detail"]
    assert center.client.get("/api/v1/workorders/photos/0", **center.auth).status_code == 404
