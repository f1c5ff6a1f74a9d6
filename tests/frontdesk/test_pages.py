"""The lost-and-found pages: the same services as the API, masked the same way."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from kefu.core.models import AuditLog
from kefu.frontdesk import services
from kefu.frontdesk.models import ClaimAttempt, FoundItem, LossReport
from tests.frontdesk.factories import found_item, jpeg_bytes, loss_report, signature_url

pytestmark = pytest.mark.django_db


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_desk_registers_a_found_item_with_a_photo_on_the_page(agent, web_as):
    client = web_as(agent)
    assert client.get("/lostfound/new").status_code == 200
    photo = SimpleUploadedFile("wallet.jpg", jpeg_bytes(), content_type="image/jpeg")

    response = client.post(
        "/lostfound/new",
        {
            "source": "staff",
            "category": "wallet",
            "value_class": "",
            "description": "棕色钱包",
            "found_place": "售票处",
            "found_at": _local(timezone.now()),
            "finder_name": "小王",
            "finder_phone": "",
            "finder_staff_no": "8011",
            "witness_name": "",
            "shift_leader": "",
            "photos": [photo],
        },
    )

    item = FoundItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/lostfound/{item.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert item.receipt_no in page and "棕色钱包" in page
    photo_url = f"/lostfound/photo/{item.photos.get().pk}"
    assert photo_url in page
    served = client.get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_a_bad_registration_is_a_422_with_the_error_and_nothing_written(agent, web_as):
    response = web_as(agent).post(
        "/lostfound/new",
        {
            "source": "on_spot",
            "category": "wallet",
            "description": "钱包",
            "found_place": "东门",
            "found_at": _local(timezone.now()),
            "finder_name": "小王",
        },
    )
    assert response.status_code == 422
    assert "现场拾物须有见证人" in response.content.decode()
    assert FoundItem.objects.count() == 0


def test_claim_takes_the_description_before_the_item_is_shown(agent, web_as):
    report = loss_report(agent)
    item = found_item(agent, description="黑色皮质钱包,内有工商银行卡")
    services.link_report(agent, item.pk, report_id=report.pk)
    client = web_as(agent)

    first = client.get(f"/lostfound/{item.pk}/claim").content.decode()
    assert "工商银行卡" not in first and 'name="description"' in first

    second = client.post(
        f"/lostfound/{item.pk}/claim",
        {
            "step": "describe",
            "claimant_name": "张三丰",
            "description": "黑色钱包,有工行卡",
        },
    )
    shown = second.content.decode()
    assert second.status_code == 200 and "工商银行卡" in shown and "黑色钱包,有工行卡" in shown

    done = client.post(
        f"/lostfound/{item.pk}/claim",
        {
            "step": "claim",
            "claimant_name": "张三丰",
            "description": "黑色钱包,有工行卡",
            "description_matched": "yes",
            "id_type": "id_card",
            "id_number": "110101199003071234",
            "signature": signature_url(),
        },
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == "claimed"
    page = client.get(f"/lostfound/{item.pk}/").content.decode()
    assert "110***********1234" in page and "110101199003071234" not in page
    signed = ClaimAttempt.objects.get()
    assert client.get(f"/lostfound/signature/{signed.pk}")["Content-Type"] == "image/png"


def test_a_mismatched_claim_on_the_page_is_refused_and_recorded(agent, web_as):
    item = found_item(agent)
    response = web_as(agent).post(
        f"/lostfound/{item.pk}/claim",
        {
            "step": "claim",
            "claimant_name": "王五",
            "description": "红色钱包",
            "description_matched": "no",
            "refuse_reason": "颜色不符",
            "id_type": "id_card",
            "id_number": "110101199003071234",
        },
        follow=True,
    )
    assert "认领被拒绝:颜色不符" in response.content.decode()
    assert ClaimAttempt.objects.get().outcome == "refused"
    item.refresh_from_db()
    assert item.status == "registered"


def test_a_claim_without_signature_is_a_422_and_writes_nothing(agent, web_as):
    item = found_item(agent)
    response = web_as(agent).post(
        f"/lostfound/{item.pk}/claim",
        {
            "step": "claim",
            "claimant_name": "王五",
            "description": "黑色钱包",
            "description_matched": "yes",
            "id_type": "id_card",
            "id_number": "110101199003071234",
        },
    )
    assert response.status_code == 422 and "请认领人签名" in response.content.decode()
    assert ClaimAttempt.objects.count() == 0


def test_item_page_proposes_reports_and_links_and_hands_to_custody(agent, web_as):
    report = loss_report(agent)
    item = found_item(agent)
    client = web_as(agent)
    page = client.get(f"/lostfound/{item.pk}/").content.decode()
    assert report.serial in page and "13812345678" in page  # agents see numbers in full
    client.post(f"/lostfound/{item.pk}/link", {"report": report.pk})
    report.refresh_from_db()
    assert report.status == LossReport.Status.MATCHED
    client.post(
        f"/lostfound/{item.pk}/custody", {"place": "保管柜 1 号", "custodian_name": "周保管"}
    )
    item.refresh_from_db()
    assert (item.status, item.custody_place) == ("custody", "保管柜 1 号")


def test_item_card_has_a_qr_code_of_the_item_page(agent, web_as):
    item = found_item(agent)
    page = web_as(agent).get(f"/lostfound/{item.pk}/card").content.decode()
    assert "<svg" in page and item.serial in page


def test_quality_sees_personal_data_masked_on_pages_and_excel(agent, people, web_as):
    report = loss_report(agent)
    item = found_item(agent)
    client = web_as(people["quality"])
    month = timezone.localdate().strftime("%Y-%m")

    for url in (
        "/lostfound/reports/",
        f"/lostfound/reports/{report.pk}/",
        f"/lostfound/{item.pk}/",
        "/lostfound/",
        f"/lostfound/summary/?month={month}",
    ):
        page = client.get(url).content.decode()
        assert "13812345678" not in page and "13900001111" not in page, url
        assert "张三丰" not in page, url
    assert "138****5678" in client.get("/lostfound/reports/").content.decode()

    sheet = client.get(f"/lostfound/summary.xlsx?month={month}")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.values)
    assert rows[0][:5] == ("编号", "登记时间", "登记渠道", "失主姓名", "失主电话")
    assert [r[3:5] for r in rows[1:]] == [("张**", "138****5678")]
    assert not AuditLog.objects.filter(action="frontdesk.summary.export").exists()


def test_summary_in_full_for_agents_is_audited(agent, web_as):
    loss_report(agent)
    month = timezone.localdate().strftime("%Y-%m")
    client = web_as(agent)
    page = client.get(f"/lostfound/summary/?month={month}").content.decode()
    assert "13812345678" in page and "张三丰" in page
    sheet = client.get(f"/lostfound/summary.xlsx?month={month}")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.values)
    assert [r[3:5] for r in rows[1:]] == [("张三丰", "13812345678")]
    assert AuditLog.objects.filter(action="frontdesk.summary.export", actor=agent).count() == 1


def test_finance_batch_page_for_leads(agent, lead, web_as):
    item = found_item(agent)
    assert web_as(agent).post("/lostfound/finance/").status_code == 403
    client = web_as(lead)
    response = client.post("/lostfound/finance/")
    assert response.status_code == 302
    listing = client.get(response["Location"]).content.decode()
    assert item.serial in listing
    item.refresh_from_db()
    assert item.status == "finance"


def test_department_staff_do_not_see_the_lost_and_found(agent, dept_handler, web_as):
    item = found_item(agent)
    client = web_as(dept_handler)
    assert client.get("/lostfound/").status_code == 403
    assert client.get(f"/lostfound/{item.pk}/").status_code == 403
    assert client.get("/lostfound/new").status_code == 403


def test_reports_page_registers_a_loss_and_refuses_bad_input(agent, web_as):
    client = web_as(agent)
    bad = client.post(
        "/lostfound/reports/",
        {
            "channel": "desk",
            "owner_name": "赵六",
            "owner_phone": "abc",
            "category": "keys",
            "description": "一串钥匙",
            "lost_place": "停车场",
            "lost_at": _local(timezone.now()),
        },
    )
    assert bad.status_code == 422 and "电话号码无效" in bad.content.decode()
    assert LossReport.objects.count() == 0
    good = client.post(
        "/lostfound/reports/",
        {
            "channel": "desk",
            "owner_name": "赵六",
            "owner_phone": "13700001234",
            "category": "keys",
            "description": "一串钥匙",
            "lost_place": "停车场",
            "lost_at": _local(timezone.now()),
        },
    )
    assert good.status_code == 302 and LossReport.objects.get().owner_phone == "13700001234"
