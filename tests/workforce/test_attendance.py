"""Attendance (考勤) against the published roster, from the agents' phone states: on time,
late (with minutes), absent, not yet signed in, upcoming, left early; the planner's page, the
API and the Excel sheet, and the agent's own last two weeks."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from kefu.accounts.models import Role
from kefu.telephony.models import AgentSpan
from kefu.workforce import attendance
from tests.accounts.factories import make_person
from tests.workforce.factories import published, template

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 14)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE)


def span(user, state, start, end=None):
    AgentSpan.objects.create(user=user, state=state, started_at=start, ended_at=end)


@pytest.fixture
def day(lead, agent):
    early = template(lead, "早", "07:00")
    people = {"on_time": agent} | {
        key: make_person(key, Role.AGENT, number=f"82{n:02d}", name=key)
        for n, key in enumerate(["late", "absent", "early_leave", "overnight", "offline_first"])
    }
    published(lead, DAY, [(user, DAY, early) for user in people.values()])
    span(people["on_time"], "ready", at(6, 50), at(9))
    span(people["on_time"], "oncall", at(9), at(15, 5))
    span(people["late"], "ready", at(7, 20), at(15))
    span(people["early_leave"], "ready", at(6, 55), at(12))
    span(people["early_leave"], "offline", at(12), None)
    span(people["overnight"], "ready", at(20, day=DAY - dt.timedelta(days=1)), None)
    span(people["offline_first"], "offline", at(6), at(8))
    span(people["offline_first"], "break", at(8), at(15))
    return people


def by_name(rows):
    return {r.name: r for r in rows}


def test_each_shift_is_judged_from_the_phone_states(lead, day):
    rows = by_name(attendance.day_attendance(lead, DAY, now=at(18)))
    on_time = rows["李娜"]
    assert (on_time.status, on_time.signed_in, on_time.left_early) == ("on_time", at(6, 50), False)
    assert (rows["late"].status, rows["late"].late_minutes) == ("late", 20)
    assert rows["absent"].status == "absent" and rows["absent"].signed_in is None
    leave = rows["early_leave"]
    assert (leave.status, leave.left_early, leave.signed_out) == ("on_time", True, at(12))
    assert rows["overnight"].status == "on_time"
    assert rows["overnight"].signed_in == at(6)  # counted from an hour before the shift
    assert (rows["offline_first"].status, rows["offline_first"].late_minutes) == ("late", 60)


def test_before_and_during_the_shift(lead, day):
    before = by_name(attendance.day_attendance(lead, DAY, now=at(6, 30)))
    assert before["absent"].status == "upcoming"
    assert before["李娜"].status == "on_time"  # signed in already, ahead of the shift
    during = by_name(attendance.day_attendance(lead, DAY, now=at(10)))
    assert during["absent"].status == "waiting"
    assert not during["early_leave"].left_early  # not judged before the end


@pytest.mark.parametrize("grace", [0, 30])
def test_the_grace_minutes_decide_lateness(lead, day, settings, grace):
    settings.WORKFORCE_GRACE_MINUTES = grace
    rows = by_name(attendance.day_attendance(lead, DAY, now=at(18)))
    assert rows["late"].status == ("on_time" if grace >= 20 else "late")


def test_the_api_the_page_and_the_sheet(lead, agent, day, api_as, web_as):
    with time_machine.travel(at(18), tick=False):
        body = api_as(lead).get("/workforce/attendance", {"date": str(DAY)}).json()
        assert body["date"] == str(DAY) and body["grace_minutes"] == 5
        statuses = {r["name"]: r["status"] for r in body["items"]}
        assert statuses["late"] == "late" and statuses["absent"] == "absent"
        assert api_as(agent).get("/workforce/attendance").status_code == 403
        assert api_as(lead).get("/workforce/attendance", {"date": "14/12"}).status_code == 422
        page = web_as(lead).get(f"/roster/attendance/?date={DAY}").content.decode()
        assert page.count('data-testid="attendance-row"') == 6 and "迟到" in page
        sheet = web_as(lead).get(f"/roster/attendance.xlsx?date={DAY}")
        rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))
        assert rows[0][6] == "考勤" and len(rows) == 7
        assert {r[6] for r in rows[1:]} == {"准时", "迟到", "缺勤"}


def test_the_agent_sees_their_own_last_two_weeks(agent, day, web_as):
    with time_machine.travel(at(18), tick=False):
        own = attendance.own_attendance(agent)
        page = web_as(agent).get("/roster/mine/").content.decode()
    assert [r.status for r in own] == ["on_time"]
    assert "准时" in page
