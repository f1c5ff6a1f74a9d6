"""The shift over the API (/api/v1/frontdesk): the same services, ErrorOut refusals, roles."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.frontdesk.models import DutyRecord
from kefu.workforce.models import ShiftTemplate
from tests.frontdesk.shift_factories import shift_around

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def only_our_shifts():
    ShiftTemplate.objects.update(is_active=False)


def test_duty_record_over_the_api_locked_refuses(agent, lead, people, api_as):
    _t, day = shift_around("D1", starts_in=-2 * H)
    api = api_as(agent)
    opened = api.post("/frontdesk/duty", {"day": day.isoformat(), "shift": "D1"})
    assert opened.status_code == 200, opened.json()
    rid = opened.json()["id"]
    changed = api.put(
        f"/frontdesk/duty/{rid}",
        {"weather": "多云", "duty_leader": lead.pk, "operations": "南门临时关闭"},
    )
    assert changed.json()["duty_leader"] == "王芳"
    counted = api.post(f"/frontdesk/duty/{rid}/visitors", {"count": 860})
    assert counted.status_code == 201 and counted.json()["counts"][0]["recipients"] == 1
    api.post(f"/frontdesk/duty/{rid}/incidents", {"text": "广播系统故障十分钟"})
    assert api.post(f"/frontdesk/duty/{rid}/lock").status_code == 403
    assert api_as(lead).post(f"/frontdesk/duty/{rid}/lock").json()["locked"] is True
    refused = api.put(f"/frontdesk/duty/{rid}", {"weather": "雨"})
    assert refused.status_code == 409 and refused.json()["detail"]
    bad = api_as(lead).post(f"/frontdesk/duty/{rid}/visitors", {"count": "很多"})
    assert bad.status_code == 422
    month = api.get(f"/frontdesk/duty/month?year={day.year}&month={day.month}").json()
    assert (month["year"], month["month"]) == (day.year, day.month)
    records = month["records"]
    assert [r["id"] for r in records] == [rid] and records[0]["incidents"][0]["text"]
    # A department's handler sees no duty record at all.
    assert api_as(people["dept_handler"]).get(f"/frontdesk/duty/{rid}").status_code == 403
    assert api.get("/frontdesk/duty/999999").status_code == 404
    assert DutyRecord.objects.get(pk=rid).weather == "多云"


def test_handover_signed_by_both_over_the_api(agent, lead, people, api_as):
    _t, day = shift_around("D1", starts_in=-7 * H)
    shift_around("N1", starts_in=H)
    created = api_as(agent).post(
        "/frontdesk/handovers",
        {"day": day.isoformat(), "shift": "D1", "incoming": lead.pk, "notes": "3号柜台打印机卡纸"},
    )
    assert created.status_code == 201, created.json()
    hid = created.json()["id"]
    unsigned = api_as(lead).get("/frontdesk/handovers?unsigned=true").json()
    assert [h["id"] for h in unsigned["items"]] == [hid] and unsigned["count"] == 1
    assert api_as(agent).get("/frontdesk/handovers?unsigned=true").status_code == 403
    assert api_as(agent).post(f"/frontdesk/handovers/{hid}/sign").status_code == 200
    signed = api_as(lead).post(f"/frontdesk/handovers/{hid}/sign").json()
    assert signed["signed"] and (signed["outgoing_staff_no"], signed["incoming_staff_no"]) == (
        "8011",
        "8001",
    )
    assert api_as(lead).post(f"/frontdesk/handovers/{hid}/sign").status_code == 409
    left = api_as(lead).get("/frontdesk/handovers/left").json()
    assert left[0]["employee_no"] == "8011" and left[0]["handovers"] == 1
    assert api_as(people["dept_head"]).get(f"/frontdesk/handovers/{hid}").status_code == 403
    missing = api_as(agent).post(
        "/frontdesk/handovers", {"day": day.isoformat(), "shift": "ZZ", "incoming": lead.pk}
    )
    assert missing.status_code == 422 and missing.json()["field"] == "shift"


def test_sign_in_and_meeting_over_the_api(agent, lead, api_as):
    _t, day = shift_around("S1", starts_in=2 * H)
    first = api_as(agent).post("/frontdesk/signin", {"day": day.isoformat(), "shift": "S1"})
    assert first.status_code == 201 and first.json()["late"] is False
    again = api_as(agent).post("/frontdesk/signin", {"day": day.isoformat(), "shift": "S1"})
    assert again.status_code == 409
    meeting = api_as(lead).post(
        "/frontdesk/meetings",
        {"day": day.isoformat(), "shift": "S1", "notes": "强调礼貌用语", "members": [agent.pk]},
    )
    assert meeting.status_code == 201, meeting.json()
    mid = meeting.json()["id"]
    signed = api_as(agent).post(f"/frontdesk/meetings/{mid}/sign").json()
    assert signed["members"][0]["signed_at"] is not None
