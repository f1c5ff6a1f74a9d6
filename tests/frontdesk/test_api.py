"""The lost and found over the API: the same services, ErrorOut refusals, masking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kefu.core.models import AuditLog
from kefu.frontdesk import services
from kefu.frontdesk.models import ClaimAttempt, FoundItem, ItemEvent, LossReport
from tests.frontdesk.factories import found_item, jpeg_bytes, loss_report, signature_url

pytestmark = pytest.mark.django_db


def _item_body(**over):
    body = {
        "source": "visitor",
        "category": "wallet",
        "description": "黑色皮质钱包,内有银行卡",
        "found_place": "游客中心东门",
        "found_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "finder_name": "陈先生",
        "finder_phone": "13900001111",
    }
    body.update(over)
    return body


def test_desk_registers_matches_and_claims_over_the_api(agent, api_as):
    api = api_as(agent)
    report = api.post(
        "/lostfound/reports",
        {
            "channel": "phone",
            "owner_name": "张三丰",
            "owner_phone": "13812345678",
            "category": "wallet",
            "description": "黑色钱包,皮的,有银行卡",
            "lost_place": "东门",
            "lost_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        },
    )
    assert report.status_code == 201, report.json()
    created = api.post("/lostfound/items", _item_body())
    assert created.status_code == 201, created.json()
    item = created.json()
    assert item["status"] == "registered" and item["finder_phone"] == "13900001111"
    assert [e["kind"] for e in item["timeline"]] == ["registered"]

    matches = api.get(f"/lostfound/items/{item['id']}/matches").json()
    assert [m["report"]["serial"] for m in matches] == [report.json()["serial"]]
    back = api.get(f"/lostfound/reports/{report.json()['id']}/matches").json()
    assert [m["item"]["serial"] for m in back] == [item["serial"]]

    linked = api.post(f"/lostfound/items/{item['id']}/link", {"report": report.json()["id"]})
    assert linked.json()["status"] == "matched"

    claim = api.post(
        f"/lostfound/items/{item['id']}/claim",
        {
            "claimant_name": "张三丰",
            "description": "黑色皮钱包",
            "description_matched": True,
            "id_type": "id_card",
            "id_number": "110101199003071234",
            "signature": signature_url(),
        },
    )
    assert claim.status_code == 201, claim.json()
    assert claim.json()["id_number"] == "110***********1234"
    assert claim.json()["signed"] is True
    detail = api.get(f"/lostfound/items/{item['id']}").json()
    assert detail["status"] == "claimed"
    assert [e["kind"] for e in detail["timeline"]] == ["registered", "matched", "claimed"]

    again = api.post(
        f"/lostfound/items/{item['id']}/claim",
        {
            "claimant_name": "李四",
            "description": "钱包",
            "description_matched": True,
            "id_type": "id_card",
            "id_number": "110101199003079999",
            "signature": signature_url(),
        },
    )
    assert again.status_code == 409
    assert again.json()["code"] == "conflict" and again.json()["field"] == "item"
    assert ClaimAttempt.objects.filter(outcome="refused").count() == 1


def test_mismatched_claim_is_refused_with_its_reason_over_the_api_and_kept(agent, api_as):
    item = found_item(agent)
    refused = api_as(agent).post(
        f"/lostfound/items/{item.pk}/claim",
        {
            "claimant_name": "王五",
            "description": "红色布钱包",
            "description_matched": False,
            "refuse_reason": "颜色不符",
            "id_type": "id_card",
            "id_number": "110101199003071234",
        },
    )
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "invalid",
        "detail": "颜色不符",
        "field": "description_matched",
        "errors": [{"field": "description_matched", "message": "颜色不符"}],
    }
    attempt = ClaimAttempt.objects.get()
    assert (attempt.outcome, attempt.refuse_reason) == ("refused", "颜色不符")


def test_bad_registration_is_a_localized_422_and_writes_nothing(agent, api_as):
    api = api_as(agent)
    bad = api.post("/lostfound/items", _item_body(category="gold"))
    assert bad.status_code == 422
    assert bad.json()["field"] == "category" and bad.json()["detail"] == "请选择有效的选项"
    missing = api.post("/lostfound/items", _item_body(found_at="yesterday"))
    assert missing.status_code == 422 and missing.json()["code"] == "invalid"
    en = api.client.post(
        "/api/v1/lostfound/items",
        _item_body(description=" "),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **api.auth,
    )
    assert en.status_code == 422 and en.json()["field"] == "description"
    assert FoundItem.objects.count() == 0 and ItemEvent.objects.count() == 0


def test_photo_upload_and_custody_and_finance_batch(agent, lead, api_as):
    item = found_item(agent)
    api = api_as(agent)
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    uploaded = api.client.post(
        f"/api/v1/lostfound/items/{item.pk}/photos", {"file": photo}, **api.auth
    )
    assert uploaded.status_code == 201 and len(uploaded.json()["photos"]) == 1

    kept = api.post(
        f"/lostfound/items/{item.pk}/custody", {"place": "保管柜 2 号", "custodian_name": "周保管"}
    )
    assert kept.json()["status"] == "custody" and kept.json()["custody_handed_by"] == "李娜"

    assert api.post("/lostfound/finance-batches", {}).status_code == 403
    leads = api_as(lead)
    batch = leads.post("/lostfound/finance-batches", {"before": timezone.now().isoformat()})
    assert batch.status_code == 201 and batch.json()["count"] == 1
    listed = leads.get(f"/lostfound/finance-batches/{batch.json()['id']}/items").json()["items"]
    assert [i["serial"] for i in listed] == [item.serial]
    assert (
        leads.post("/lostfound/finance-batches", {"before": timezone.now().isoformat()}).status_code
        == 204
    )


def test_quality_inspector_sees_owners_and_finders_masked_over_the_api(agent, people, api_as):
    report = loss_report(agent)
    item = found_item(agent)
    api = api_as(people["quality"])

    reports = api.get("/lostfound/reports").json()["items"]
    assert [(r["owner_name"], r["owner_phone"]) for r in reports] == [("张**", "138****5678")]
    items = api.get("/lostfound/items").json()["items"]
    assert [(i["finder_name"], i["finder_phone"]) for i in items] == [("陈**", "139****1111")]
    matches = api.get(f"/lostfound/items/{item.pk}/matches").json()
    assert matches[0]["report"]["owner_phone"] == "138****5678"
    assert api.get(f"/lostfound/reports/{report.pk}").json()["owner_phone"] == "138****5678"
    refused = api.post("/lostfound/reports", {})
    assert refused.status_code == 422
    assert (
        api.post(
            f"/lostfound/items/{item.pk}/custody", {"place": "x", "custodian_name": "y"}
        ).status_code
        == 403
    )
    assert LossReport.objects.count() == 1


def test_other_branch_and_department_staff_do_not_see_the_item(agent, dept_handler, people, api_as):
    item = found_item(agent)
    assert api_as(people["sz_agent"]).get(f"/lostfound/items/{item.pk}").status_code == 404
    assert api_as(dept_handler).get("/lostfound/items").status_code == 403
    assert not AuditLog.objects.filter(action__startswith="frontdesk.item.claimed").exists()


def test_lists_shown_in_full_are_audited_and_masked_ones_are_not(agent, people, api_as, web_as):
    loss_report(agent)
    found_item(agent)
    api_as(agent).get("/lostfound/reports")
    api_as(agent).get("/lostfound/items")
    web_as(people["quality"]).get("/lostfound/reports/")
    audited = AuditLog.objects.filter(action__in=["frontdesk.reports", "frontdesk.items"])
    assert sorted(audited.values_list("action", "actor__username", "detail__count")) == [
        ("frontdesk.items", "agent", 1),
        ("frontdesk.reports", "agent", 1),
    ]


@pytest.mark.parametrize("path", ["/lostfound/items?status=all", "/lostfound/reports"])
def test_a_list_costs_the_same_queries_for_one_row_as_for_five(agent, lead, api_as, path):
    def counted() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        return len(queries)

    api = api_as(agent)
    report = loss_report(agent)
    item = found_item(agent)
    services.link_report(agent, item.pk, report_id=report.pk)
    counted()  # the first request reads the token, the role and the permissions once
    one = counted()
    for n in range(4):
        loss_report(agent, owner_phone=f"1380000000{n}")
        found_item(agent, description=f"钱包{n}")
    services.sweep_to_finance(actor=lead, before=timezone.now())
    assert counted() == one
