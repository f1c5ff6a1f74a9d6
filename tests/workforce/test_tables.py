"""The five tables (五表) of a month, recounted here from the rows they read: seats per slot,
forecast against what the roster can take, last month's actual calls and staff, actual
against forecast, per agent; the page, the API, the workbook, who may read them, bad months."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from kefu.accounts.models import Role
from kefu.telephony import erlang, planning
from kefu.telephony.models import AgentSpan, CallRecord
from kefu.workforce import tables
from tests.accounts.factories import make_person
from tests.telephony.test_forecast import FIRST, call, make_calls
from tests.workforce.factories import published, template

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 18, 9, tzinfo=ZONE)
NOVEMBER = dt.date(2026, 11, 1)
MONDAY = dt.date(2026, 11, 9)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def month(lead, agent):
    make_calls(FIRST, NOW.date())
    other = make_person("a1", Role.AGENT, number="8201", name="坐席甲")
    early, late = template(lead, "早", "08:00"), template(lead, "晚", "14:00")
    days = [MONDAY + dt.timedelta(days=n) for n in range(5)]
    published(lead, MONDAY, [(agent, d, early) for d in days] + [(other, d, late) for d in days])
    # Answered calls: 李娜 takes 7 in November, 坐席甲 3, one on today (not past) for 李娜.
    answered = (
        [
            call(
                f"t-{n}",
                at(MONDAY, 9, n),
                answered_at=at(MONDAY, 9, n),
                agent=agent,
                ended_at=at(MONDAY, 9, n) + dt.timedelta(minutes=3),
            )
            for n in range(7)
        ]
        + [
            call(
                f"u-{n}",
                at(MONDAY, 15, n),
                answered_at=at(MONDAY, 15, n),
                agent=other,
                ended_at=at(MONDAY, 15, n) + dt.timedelta(minutes=3),
            )
            for n in range(3)
        ]
        + [call("today", at(NOW.date(), 8), answered_at=at(NOW.date(), 8), agent=agent)]
    )
    CallRecord.objects.bulk_create(answered)
    # October: 李娜 on the phones 09:00–12:00 on the 10th and 23:00–01:00 into the 11th.
    october = dt.date(2026, 10, 10)
    AgentSpan.objects.create(
        user=agent, state="ready", started_at=at(october, 9), ended_at=at(october, 12)
    )
    AgentSpan.objects.create(
        user=agent,
        state="oncall",
        started_at=at(october, 23),
        ended_at=at(october, 23) + dt.timedelta(hours=2),
    )
    AgentSpan.objects.create(
        user=other, state="offline", started_at=at(october, 8), ended_at=at(october, 20)
    )
    return {"other": other}


def local_day_counts(start: dt.date, end: dt.date) -> Counter:
    return Counter(
        timezone.localdate(c.started_at)
        for c in CallRecord.objects.filter(direction="in")
        if start <= timezone.localdate(c.started_at) < end
    )


def test_the_five_tables_recount(lead, agent, month):
    with time_machine.travel(NOW, tick=False):
        t = tables.five_tables(lead, NOVEMBER)
        plans = planning.plan_days(lead, NOVEMBER, 30)
    # 1. seats per slot, the month's average and peak
    assert len(t.seats) == 48
    assert t.seats[20].scheduled == round(sum(p.slots[20].scheduled for p in plans) / 30, 2)
    assert t.seats[20].peak == max(p.slots[20].scheduled for p in plans)
    assert t.daily_seat_hours == round(sum(p.seat_hours for p in plans) / 30, 1)
    # 2. capacity: two agents of eight hours on Monday the 9th, none on the 1st
    monday = next(d for d in t.capacity if d.date == MONDAY)
    assert monday.rostered_hours == 16
    per_seat = (1 - erlang.SHRINKAGE) * erlang.MAX_OCCUPANCY * 1800 / t.aht_seconds
    assert monday.capacity == round(32 * per_seat, 1)
    assert monday.ratio == pytest.approx(monday.capacity / monday.forecast)
    assert t.capacity[0].rostered_hours == 0 and t.capacity[0].capacity == 0
    # 3. October's actuals, per local day; the night span split at midnight; offline is not on
    counts = local_day_counts(dt.date(2026, 10, 1), NOVEMBER)
    assert t.previous == dt.date(2026, 10, 1) and len(t.actual) == 31
    assert {d.date: d.calls for d in t.actual} == {d.date: counts[d.date] for d in t.actual}
    tenth, eleventh = t.actual[9], t.actual[10]
    assert (tenth.agents, tenth.hours, eleventh.agents, eleventh.hours) == (1, 4.0, 1, 1.0)
    assert all(d.answered == 0 and d.abandoned == d.calls for d in t.actual)
    # 4. actual against forecast, November 1st to 17th
    november = local_day_counts(NOVEMBER, NOW.date())
    assert [d.date for d in t.accuracy] == [NOVEMBER + dt.timedelta(days=n) for n in range(17)]
    assert all(d.actual == november[d.date] for d in t.accuracy)
    assert all(d.error == pytest.approx(abs(d.forecast - d.actual) / d.actual) for d in t.accuracy)
    # 5. per agent: the slots' forecast shared among those rostered; the calls they answered
    loads = {a.name: a for a in t.agents}
    assert (loads["李娜"].answered, loads["坐席甲"].answered) == (7, 3)  # today's not counted
    assert loads["李娜"].rostered_hours == loads["坐席甲"].rostered_hours == 40
    forecast_slots = [c for p in plans for c in p.day.slots]
    rostered = set()
    for n in range(5):
        base = (MONDAY - NOVEMBER).days * 48 + n * 48
        rostered |= set(range(base + 16, base + 44))  # 08:00–22:00 has someone
    assert loads["李娜"].expected + loads["坐席甲"].expected == pytest.approx(
        sum(forecast_slots[s] for s in rostered), abs=0.2
    )


def test_a_month_ahead_has_no_actuals_yet(lead, month):
    with time_machine.travel(NOW, tick=False):
        t = tables.five_tables(lead, dt.date(2026, 12, 1))
    assert t.accuracy == [] and t.agents == []
    assert t.previous == NOVEMBER and len(t.actual) == 30


def test_the_api_the_page_and_the_workbook_and_who_may_read_them(
    lead, agent, people, month, api_as, web_as
):
    with time_machine.travel(NOW, tick=False):
        body = api_as(people["quality"]).get("/workforce/tables", {"month": "2026-11"}).json()
        assert body["month"] == "2026-11" and body["previous_month"] == "2026-10"
        assert len(body["seats"]) == 48 and len(body["capacity"]) == 30
        assert {a["name"] for a in body["agents"]} == {"李娜", "坐席甲"}
        assert api_as(agent).get("/workforce/tables").status_code == 403
        for bad in ("2026-13", "abc", "2020-01", "2027-03"):
            answer = api_as(lead).get("/workforce/tables", {"month": bad})
            assert answer.status_code == 422 and answer.json()["field"] == "month", bad
        page = web_as(lead).get("/roster/tables/?month=2026-11").content.decode()
        assert page.count('data-testid="capacity-day"') == 30 and "五、实际与预测人均话务量" in page
        shown = web_as(lead).get("/roster/tables/?month=1999-01").content.decode()
        assert 'data-testid="error"' in shown
        sheet = web_as(lead).get("/roster/tables.xlsx?month=2026-11")
    book = load_workbook(BytesIO(sheet.content))
    assert book.sheetnames == [
        "席位表",
        "预测与可承接",
        "上月实际与人员",
        "实际与预测",
        "人均实际与预测",
    ]
    assert book["席位表"].max_row == 1 + 48 + 1
    assert book["上月实际与人员"].max_row == 1 + 31
