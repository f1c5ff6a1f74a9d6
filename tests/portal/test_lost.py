"""失物登记 on the portal: the owner's number proved by the SMS code, the report made on the
``portal`` channel, matched by the desk like any other, its number texted to the owner; the
limits, the honeypot and bad input write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kefu.core.errors import Code, ServiceError
from kefu.core.models import AuditLog
from kefu.frontdesk import matching
from kefu.frontdesk import services as desk
from kefu.frontdesk.models import LossReport
from kefu.notify.models import Delivery
from kefu.portal import services
from tests.frontdesk.factories import found_item
from tests.portal.conftest import CLIENT, OTHER, PHONE, proved, texted_code

pytestmark = pytest.mark.django_db

WALLET = {
    "owner_name": "刘洋",
    "category": "wallet",
    "description": "黑色长款皮钱包,里面有身份证和两张银行卡",
    "lost_place": "游客中心东门",
}


def _report(token, **over):
    fields = {"lost_at": timezone.now() - dt.timedelta(hours=2), **WALLET, **over}
    return services.report_loss(token, client=CLIENT, **fields)


def test_an_owner_reports_a_loss_and_the_desk_finds_it_for_a_found_item(token, agent):
    serial = _report(token)
    report = LossReport.objects.get()
    assert report.serial == serial and serial.startswith("SS")
    assert (report.channel, report.owner_phone, report.created_by) == ("portal", PHONE, None)
    assert report.status == LossReport.Status.OPEN and report.branch is None
    sms = Delivery.objects.get(event="frontdesk.loss_report")
    assert sms.address == PHONE and serial in sms.body
    assert AuditLog.objects.filter(action="frontdesk.report.created", actor=None).count() == 1
    # The desk registers a wallet handed in: the portal's report is proposed for it.
    item = found_item(agent)
    assert [m.report.serial for m in matching.reports_for(agent, item)] == [serial]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"category": "spaceship"}, "category"),
        ({"description": "  "}, "description"),
        ({"owner_name": ""}, "owner_name"),
        ({"lost_place": "x" * 101}, "lost_place"),
        ({"lost_at": timezone.now() + dt.timedelta(days=2)}, "lost_at"),
        ({"description": "钱包\x00"}, "description"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(token, over, field):
    with pytest.raises(ServiceError) as refused:
        _report(token, **over)
    assert refused.value.code == Code.INVALID and refused.value.field == field
    assert not LossReport.objects.exists()
    assert not Delivery.objects.filter(event="frontdesk.loss_report").exists()


def test_without_a_proved_number_nothing_is_written(org):
    for token in (None, "", "forged.token"):
        with pytest.raises(ServiceError) as refused:
            _report(token)
        assert refused.value.code == Code.FORBIDDEN and refused.value.field == "code"
    assert not LossReport.objects.exists()


def test_five_reports_an_hour_per_number_and_the_honeypot_writes_nothing(token, org):
    for n in range(5):
        _report(token, description=f"第{n}个钱包")
    with pytest.raises(ServiceError) as stopped:
        _report(token)
    assert stopped.value.code == Code.TOO_MANY
    assert LossReport.objects.count() == 5
    fake = services.report_loss(None, client=CLIENT, honeypot="http://spam", lost_at=None, **WALLET)
    assert fake.startswith("SS") and LossReport.objects.count() == 5


def test_the_desk_does_not_make_portal_reports(agent):
    with pytest.raises(ServiceError) as refused:
        desk.create_loss_report(
            agent,
            desk.LossReportIn(channel="portal", owner_phone=PHONE, lost_at=None, **WALLET),
        )
    assert refused.value.field == "channel"
    assert not LossReport.objects.exists()


def test_over_the_api_with_the_code_then_with_the_token(org):
    api = Client()
    url = "/api/v1/portal/loss-reports"
    services.send_code(OTHER, purpose="submit", client=CLIENT)
    lost_at = "2026-12-06T15:00:00+08:00"
    body = {"phone": OTHER, "code": texted_code(OTHER), "lost_at": lost_at, **WALLET}
    made = api.post(url, body, content_type="application/json")
    assert made.status_code == 201, made.content
    first = made.json()
    assert LossReport.objects.get(serial=first["serial"]).owner_phone == OTHER
    again = api.post(
        url,
        {
            "token": first["token"],
            **WALLET,
            "lost_at": lost_at,
            "category": "phone",
            "description": "白色手机",
        },
        content_type="application/json",
    )
    assert again.status_code == 201 and again.json()["serial"] != first["serial"]
    for wrong, status, field in (
        ({"token": "nope", "lost_at": lost_at}, 403, "code"),
        ({"token": first["token"], "lost_at": "9999-01-01T00:00:00+08:00"}, 422, "lost_at"),
        ({"token": first["token"], "category": "", "lost_at": lost_at}, 422, "category"),
        ({"token": first["token"]}, 422, "lost_at"),
    ):
        refused = api.post(url, {**WALLET, **wrong}, content_type="application/json")
        assert refused.status_code == status, refused.content
        answer = refused.json()
        assert answer["detail"] and (
            answer["field"] == field or field in [e["field"] for e in answer.get("errors", [])]
        )
    assert LossReport.objects.count() == 2


def test_the_page_takes_a_report_and_keeps_the_form_on_an_error(org):
    browser = Client()
    page = browser.get("/portal/lost")
    assert page.status_code == 200 and "失物登记" in page.content.decode()
    assert "钱包" in page.content.decode()  # the categories to choose from
    services.send_code(PHONE, purpose="submit", client=services.client_key("127.0.0.1"))
    form = {"phone": PHONE, "code": texted_code(PHONE), "lost_at": "2026-12-06T09:30", **WALLET}
    wrong = browser.post("/portal/lost", {**form, "description": ""})
    assert wrong.status_code == 422
    text = wrong.content.decode()
    assert "请描述物品" in text and "游客中心东门" in text  # the error, and the form kept
    # The number stays proved in the session: the corrected form needs no new code.
    form.pop("code")
    done = browser.post("/portal/lost", form)
    assert done.status_code == 302 and done["Location"] == "/portal/lost/done"
    report = LossReport.objects.get()
    assert timezone.localtime(report.lost_at).strftime("%Y-%m-%d %H:%M") == "2026-12-06 09:30"
    shown = browser.get("/portal/lost/done").content.decode()
    assert report.serial in shown
    bad_time = browser.post("/portal/lost", {**form, "lost_at": "9999-12-31T10:00"})
    assert bad_time.status_code == 422 and LossReport.objects.count() == 1
    assert "/portal/lost" in browser.get("/portal/").content.decode()


def test_a_second_owner_is_not_stopped_by_the_first(org):
    first = proved()
    second = proved(OTHER, client=services.client_key("198.51.100.2"))
    _report(first)
    _report(second, owner_name="周敏")
    assert sorted(LossReport.objects.values_list("owner_phone", flat=True)) == sorted(
        [PHONE, OTHER]
    )
