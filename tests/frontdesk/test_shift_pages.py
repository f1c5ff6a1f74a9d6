"""The shift pages (交接班, 值班记录, 晨会): forms post to the services, refusals shown, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.frontdesk import shift
from kefu.frontdesk.models import DutyRecord, Handover, MorningMeeting, ShiftSignIn
from kefu.telephony.models import MissedCallback
from kefu.workforce.models import ShiftTemplate
from tests.frontdesk.shift_factories import shift_around

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def only_our_shifts():
    ShiftTemplate.objects.update(is_active=False)


def test_shift_desk_page_and_handover_signed_by_both(agent, lead, web_as, client):
    _t, day = shift_around("D1", starts_in=-7 * H, name="早班")
    page = web_as(agent).get("/frontdesk/shift/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "交接班" in body and "早班" in body and 'data-testid="nav-shift"' in body
    assert 'data-testid="meeting-form"' not in body  # the meeting is the shift leader's
    assert "工号 8011" in body  # the header still names who is logged in
    now = timezone.now()
    due = now + 2 * H
    MissedCallback.objects.create(
        number="13800001111", day=now.date(), first_at=now, last_at=now, due_at=due
    )
    made = client.post(
        "/frontdesk/handovers/new",
        {"day": day.isoformat(), "shift": "D1", "incoming": lead.pk, "notes": "打印机卡纸"},
    )
    handover = Handover.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/frontdesk/handovers/{handover.pk}/"
    client.post(f"/frontdesk/handovers/{handover.pk}/")
    client.force_login(lead)
    desk = client.get("/frontdesk/shift/").content.decode()
    assert 'data-testid="unsigned-row"' in desk and "李娜" in desk
    client.post(f"/frontdesk/handovers/{handover.pk}/")
    shown = client.get(f"/frontdesk/handovers/{handover.pk}/").content.decode()
    assert (
        "8011" in shown
        and "8001" in shown
        and "打印机卡纸" in shown
        and 'data-testid="sign"' not in shown
    )
    handover.refresh_from_db()
    assert handover.is_signed


def test_duty_page_fill_lock_and_month_book(agent, lead, web_as, client):
    _t, day = shift_around("D1", starts_in=-2 * H, name="早班")
    web_as(agent)
    opened = client.post("/frontdesk/duty/open", {"day": day.isoformat(), "shift": "D1"})
    record = DutyRecord.objects.get()
    assert opened["Location"] == f"/frontdesk/duty/{record.pk}/"
    url = opened["Location"]
    client.post(url, {"what": "record", "weather": "小雨", "operations": "南门关闭"})
    client.post(url, {"what": "visitors", "count": "420"})
    refused = client.post(url, {"what": "visitors", "count": "许多"}, follow=True)
    assert "请填写有效的游客人数" in refused.content.decode()
    client.post(url, {"what": "incident", "text": "游客走失儿童已找到"})
    client.post(url, {"what": "lock"})  # an agent may not lock
    assert not DutyRecord.objects.get().is_locked
    client.force_login(lead)
    client.post(url, {"what": "lock"})
    locked = client.post(url, {"what": "incident", "text": "补记"}, follow=True).content.decode()
    assert "值班记录已锁定" in locked
    book = client.get(f"/frontdesk/duty/month/?month={day:%Y-%m}").content.decode()
    assert "客服岗位值班记录表" in book and "小雨" in book and "420" in book
    assert "游客走失儿童已找到" in book and "补记" not in book
    assert 'class="duty-book"' in book and "style=" not in book


def test_meeting_and_sign_in_pages(agent, lead, web_as, client):
    _t, day = shift_around("S1", starts_in=2 * H)
    web_as(lead)
    client.post(
        "/frontdesk/meetings/new",
        {
            "day": day.isoformat(),
            "shift": "S1",
            "notes": "统一着装",
            "members": [agent.pk, lead.pk],
        },
    )
    meeting = MorningMeeting.objects.get()
    client.force_login(agent)
    client.post(f"/frontdesk/meetings/{meeting.pk}/")
    client.post("/frontdesk/shift/signin", {"day": day.isoformat(), "shift": "S1"})
    assert ShiftSignIn.objects.get(user=agent).late is False
    _t, soon = shift_around("S2", starts_in=dt.timedelta(minutes=5))
    client.post("/frontdesk/shift/signin", {"day": soon.isoformat(), "shift": "S2"})
    assert ShiftSignIn.objects.get(user=agent, shift_code="S2").late is True
    client.force_login(lead)
    page = client.get(f"/frontdesk/meetings/{meeting.pk}/").content.decode()
    assert page.count("未签字") == 1 and "统一着装" in page
    assert [m.user_id for m in shift.unsigned_members(lead, meeting)] == [lead.pk]
    desk = client.get("/frontdesk/shift/").content.decode()
    today = timezone.localdate()
    rows = ShiftSignIn.objects.filter(day=today).count()
    assert desk.count('data-testid="sign-in-row"') == rows
    if rows == 2:  # both shifts start today (not across midnight)
        assert desk.count("迟到") >= 1


def test_department_staff_get_no_shift_pages(agent, dept_handler, web_as, client):
    _t, day = shift_around("D1", starts_in=-2 * H)
    record = shift.open_record(agent, day=day, shift_code="D1")
    web_as(dept_handler)
    assert client.get("/frontdesk/shift/").status_code == 403
    assert client.get(f"/frontdesk/duty/{record.pk}/").status_code == 403
    assert client.get("/frontdesk/duty/month/").status_code == 403
    opened = client.post("/frontdesk/duty/open", {"day": day.isoformat(), "shift": "D1"})
    assert opened.status_code == 403
