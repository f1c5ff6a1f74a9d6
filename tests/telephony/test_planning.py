"""Seat planning (排班需求): a day's forecast per slot turned into seats by Erlang C with the
last four weeks' handling time, on the page, the API and the Excel sheet; who may see it and
what a bad date answers."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from kefu.core.calendar import start_of_day
from kefu.telephony import erlang
from kefu.telephony.models import CallRecord
from tests.telephony.test_forecast import AS_OF, BASE, FIRST, call, make_calls

pytestmark = pytest.mark.django_db

MORNING = dt.datetime.combine(AS_OF, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
THURSDAY = AS_OF + dt.timedelta(days=1)  # 2026-11-05


@pytest.fixture
def history():
    make_calls(FIRST, AS_OF)
    # Answered calls: 4 minutes of talk within the last four weeks, 20 minutes before them.
    answered = []
    for n in range(10):
        began = start_of_day(AS_OF - dt.timedelta(days=n + 1)) + dt.timedelta(hours=10)
        answered.append(
            call(f"talk-{n}", began, answered_at=began, ended_at=began + dt.timedelta(minutes=4))
        )
    old = start_of_day(AS_OF - dt.timedelta(days=40)) + dt.timedelta(hours=10)
    answered.append(
        call("old", old, answered_at=old, ended_at=old + dt.timedelta(minutes=20)),
    )
    CallRecord.objects.bulk_create(answered)


def test_the_plan_needs_the_seats_erlang_c_gives_for_each_slots_forecast(history, lead, api_as):
    with time_machine.travel(MORNING, tick=False):
        body = api_as(lead).get("/telephony/plan", {"date": str(THURSDAY)}).json()

    assert (body["date"], body["as_of"], body["day_type"]) == (str(THURSDAY), str(AS_OF), "周四")
    assert body["aht_seconds"] == pytest.approx(240, abs=1)  # the 20-minute call is too old
    assert body["calls"] == pytest.approx(BASE, rel=0.135)
    assert [s["start"] for s in body["slots"][:3]] == ["00:00", "00:30", "01:00"]
    assert len(body["slots"]) == 48
    for slot in body["slots"]:
        need = erlang.required_seats(slot["calls"], aht_seconds=240, service_level=0.8)
        assert (slot["seats"], slot["scheduled"]) == (need.seats, need.scheduled), slot
        if slot["seats"]:
            assert slot["service_level"] >= 0.8
    peak = max(body["slots"], key=lambda s: s["calls"])
    assert body["peak_seats"] == max(s["seats"] for s in body["slots"]) == peak["seats"] >= 2
    assert peak["start"] in ("09:30", "10:00", "10:30")  # the working day's morning peak
    assert body["seat_hours"] == sum(s["scheduled"] for s in body["slots"]) / 2
    night = body["slots"][6]  # 03:00, a few calls: still a seat on the phones
    assert night["calls"] > 0 and night["seats"] >= 1


def test_the_page_and_the_excel_sheet_show_the_same_plan(history, lead, web_as, api_as):
    with time_machine.travel(MORNING, tick=False):
        body = api_as(lead).get("/telephony/plan", {"date": str(THURSDAY)}).json()
        page = web_as(lead).get("/calls/plan/", {"date": str(THURSDAY)})
        sheet = web_as(lead).get("/calls/plan.xlsx", {"date": str(THURSDAY)})

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="plan-slot"') == 48
    assert f"高峰在线 {body['peak_seats']} 席" in html
    assert "近 4 周逐日回测" in html  # the back-test's figures, next to the baseline's
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("时段", "预测来电", "平均处理时长(秒)", "在线席位", "排班人数")
    assert [r[0] for r in rows[1:49]] == [s["start"] for s in body["slots"]]
    assert [r[3] for r in rows[1:49]] == [s["seats"] for s in body["slots"]]
    assert rows[49][0] == "合计" and rows[49][4] == body["seat_hours"]


def test_without_history_the_plan_is_empty_not_an_error(lead, api_as):
    body = api_as(lead).get("/telephony/plan").json()  # tomorrow
    assert body["calls"] == 0 and body["peak_seats"] == 0
    assert body["aht_seconds"] == 180  # the default before any answered call


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2026-13-01", "日期格式应为 YYYY-MM-DD"),
        ("明天", "日期格式应为 YYYY-MM-DD"),
        ("2026-11-03", "只能计划今天起 62 天内的日期"),  # yesterday
        ("2027-01-06", "只能计划今天起 62 天内的日期"),  # 63 days ahead
    ],
)
def test_a_bad_date_is_refused_clearly(lead, api_as, web_as, date, message):
    with time_machine.travel(MORNING, tick=False):
        reply = api_as(lead).get("/telephony/plan", {"date": date})
        page = web_as(lead).get("/calls/plan/", {"date": date})
        sheet = web_as(lead).get("/calls/plan.xlsx", {"date": date})
    assert reply.status_code == 422
    assert message in reply.json()["detail"]
    assert page.status_code == 200 and message in page.content.decode()
    assert sheet.status_code == 302  # back to the page, with the message


def test_agents_do_not_see_the_plan(agent, api_as, web_as):
    assert api_as(agent).get("/telephony/plan").status_code == 403
    assert web_as(agent).get("/calls/plan/").status_code == 403
    assert web_as(agent).get("/calls/plan.xlsx").status_code == 403
