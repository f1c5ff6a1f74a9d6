"""Rosters through the services, the API and the pages: a roster asked for is made from the
seat plan by the solver, looked at, published for the agents, superseded by a newer one or
discarded; shift templates and wishes; who may do what; what bad input answers."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from kefu.accounts.models import Role
from kefu.core.models import AuditLog
from kefu.telephony import planning
from kefu.workforce import selectors, services
from kefu.workforce.models import AgentWish, Roster, RosterShift, ShiftTemplate
from tests.accounts.factories import make_person
from tests.telephony.test_forecast import AS_OF, FIRST, make_calls

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime.combine(AS_OF, dt.time(9), tzinfo=ZONE)  # Wednesday 2026-11-04
MONDAY = dt.date(2026, 11, 9)


@pytest.fixture
def shifts(lead):
    return [
        services.create_template(lead, code="早", name="早班", start="07:00", minutes=480),
        services.create_template(lead, code="中", name="中班", start="10:00", minutes=480),
        services.create_template(lead, code="晚", name="晚班", start="15:00", minutes=480),
        services.create_template(
            lead, code="夜", name="夜班", start="23:00", minutes=480, is_night=True
        ),
    ]


@pytest.fixture
def team(people):
    """Twelve more agents: thirteen with the persona agent."""
    return [people["agent"]] + [
        make_person(f"a{n}", Role.AGENT, number=f"82{n:02d}", name=f"坐席{n}") for n in range(12)
    ]


def make_roster(lead, capture, **kwargs):
    values = {"first_day": MONDAY, "weeks": 1, "time_limit_seconds": 15} | kwargs
    with time_machine.travel(MORNING, tick=False), capture(execute=True):
        roster = services.create_roster(lead, **values)
    roster.refresh_from_db()
    return roster


def seats_short(roster) -> int:
    """Seat-slots needed and not covered, from the stored need and coverage."""
    return sum(
        max(0, n - c)
        for need, covered in zip(roster.need, roster.covered, strict=True)
        for n, c in zip(need, covered, strict=True)
    )


def test_a_roster_covers_the_seat_plan_within_the_rules_and_says_where_it_falls_short(
    lead, shifts, team, django_capture_on_commit_callbacks
):
    make_calls(FIRST, AS_OF)
    roster = make_roster(lead, django_capture_on_commit_callbacks)

    assert roster.status == Roster.Status.DRAFT
    assert roster.solver_status in ("optimal", "feasible")
    # The need is the seat plan's agents to schedule, slot by slot, for each day.
    with time_machine.travel(MORNING, tick=False):
        plans = planning.plan_days(lead, MONDAY, 7)
    assert roster.need == [[s.scheduled for s in p.slots] for p in plans]
    assert roster.reserve == [
        [-(-s.scheduled * 10 // 100) if s.scheduled else 0 for s in p.slots] for p in plans
    ]
    # Recount coverage from the stored shifts, minute by minute.
    minutes = [0] * (7 * 24 * 60)
    start = dt.datetime.combine(MONDAY, dt.time(0), tzinfo=ZONE)
    rows = list(RosterShift.objects.filter(roster=roster))
    for row in rows:
        first = int((row.starts_at - start).total_seconds() // 60)
        last = int((row.ends_at - start).total_seconds() // 60)
        for m in range(first, min(last, len(minutes))):
            minutes[m] += 1
        assert (row.ends_at - row.starts_at) == dt.timedelta(minutes=row.template.minutes)
    covered = [[minutes[(d * 48 + t) * 30] for t in range(48)] for d in range(7)]
    assert roster.covered == covered
    # Rules, per agent: one shift a day, 12 hours' rest, two days off, 40 hours.
    for user in team:
        mine = sorted((r.starts_at, r.ends_at) for r in rows if r.user_id == user.pk)
        assert len(mine) <= 5
        for (_s, end), (begin, _e) in zip(mine, mine[1:], strict=False):
            assert begin - end >= dt.timedelta(hours=12)
    view = selectors.roster_view(roster)
    assert view.short_hours == seats_short(roster) / 2
    # Monday 00:00–07:00 has no roster before it: the shortfall says so.
    assert view.cover[0].short_slots[:1] == ["00:00"]
    assert all(m.week_hours <= 40 for m in view.members)


def test_a_holiday_gets_the_festival_spare_seats_through_the_day_hours(
    lead, shifts, team, django_capture_on_commit_callbacks
):
    before = dt.datetime(2026, 9, 25, 9, tzinfo=ZONE)
    with time_machine.travel(before, tick=False), django_capture_on_commit_callbacks(execute=True):
        roster = services.create_roster(
            lead, first_day="2026-09-28", weeks=1, festival_spare=6, time_limit_seconds=5
        )
    roster.refresh_from_db()
    national_day = roster.reserve[3]  # 2026-10-01
    assert national_day[16:44] == [6] * 28  # 08:00–22:00 (KEFU_NIGHT_HOURS 22-8)
    assert national_day[:16] == [0] * 16 and national_day[44:] == [0] * 4
    assert roster.reserve[0] == [0] * 48  # an ordinary Monday, no calls forecast
    assert RosterShift.objects.filter(roster=roster, day=dt.date(2026, 10, 1)).count() >= 6


def test_published_shifts_reach_the_agent_and_a_newer_roster_supersedes_the_old(
    lead, agent, shifts, team, django_capture_on_commit_callbacks, api_as
):
    make_calls(FIRST, AS_OF)
    first = make_roster(lead, django_capture_on_commit_callbacks)
    with time_machine.travel(MORNING, tick=False):
        assert api_as(agent).get("/workforce/me/shifts").json()["items"] == []
        services.publish_roster(lead, first.pk)
        mine = api_as(agent).get("/workforce/me/shifts").json()["items"]
    expected = RosterShift.objects.filter(roster=first, user=agent).order_by("day")
    assert [s["day"] for s in mine] == [str(s.day) for s in expected]
    assert {s["name"] for s in mine} <= {"李娜"}

    second = make_roster(lead, django_capture_on_commit_callbacks, note="调整")
    with time_machine.travel(MORNING, tick=False):
        services.publish_roster(lead, second.pk)
    first.refresh_from_db()
    assert (first.status, first.closed_by) == (Roster.Status.SUPERSEDED, lead)
    with time_machine.travel(MORNING, tick=False):
        mine = list(selectors.my_shifts(agent))
    assert {s.roster_id for s in mine} <= {second.pk}
    assert AuditLog.objects.filter(action="roster.supersede", object_id=str(first.pk)).exists()
    # Published is final: neither published again nor discarded.
    for act in (services.publish_roster, services.discard_roster):
        with pytest.raises(services.ServiceError) as refused:
            act(lead, second.pk)
        assert refused.value.code == "conflict"


def test_the_api_asks_for_reads_publishes_and_discards_rosters(
    lead, agent, shifts, team, django_capture_on_commit_callbacks, api_as
):
    make_calls(FIRST, AS_OF)
    with time_machine.travel(MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        made = api_as(lead).post(
            "/workforce/rosters",
            {"first_day": str(MONDAY), "weeks": 1, "time_limit_seconds": 10, "note": "十一月"},
        )
    assert made.status_code == 202, made.content
    roster_id = made.json()["id"]
    with time_machine.travel(MORNING, tick=False):
        body = api_as(lead).get(f"/workforce/rosters/{roster_id}").json()
        assert body["status"] == "draft"
        assert body["members"] == services.rosterable_users().count() == len(team) + 1  # sz_agent
        assert len(body["cover"]) == 7
        assert len(body["shifts"]) == RosterShift.objects.filter(roster_id=roster_id).count()
        assert body["short_seat_hours"] == sum(d["short_seat_hours"] for d in body["cover"])
        # Agents neither read nor make rosters.
        assert api_as(agent).get(f"/workforce/rosters/{roster_id}").status_code == 403
        assert api_as(agent).post("/workforce/rosters", {"weeks": 1}).status_code == 403
        discarded = api_as(lead).post(f"/workforce/rosters/{roster_id}/discard", {"reason": "重排"})
        assert discarded.json()["status"] == "discarded"
        again = api_as(lead).post(f"/workforce/rosters/{roster_id}/publish")
        assert again.status_code == 409
        assert api_as(lead).get("/workforce/rosters/999999").status_code == 404
        listed = api_as(lead).get("/workforce/rosters", {"status": "discarded"}).json()
        assert [r["id"] for r in listed["items"]] == [roster_id]
    assert Roster.objects.filter(pk=roster_id).exists()  # nothing is deleted


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_day": "2026-13-01", "weeks": 1}, None),
        ({"first_day": "2026-11-03", "weeks": 1}, "first_day"),
        ({"first_day": "2027-03-01", "weeks": 1}, None),
        ({"weeks": 5}, "weeks"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": 1, "reserve_percent": 101}, "reserve_percent"),
        ({"weeks": 1, "time_limit_seconds": 0}, "time_limit_seconds"),
        ({"weeks": 1, "member_ids": [999999]}, "member_ids"),
        ({"weeks": 1, "template_ids": [999999]}, "template_ids"),
    ],
)
def test_bad_roster_requests_are_refused_in_words_and_make_nothing(
    lead, shifts, team, api_as, body, field
):
    with time_machine.travel(MORNING, tick=False):
        answer = api_as(lead).post("/workforce/rosters", body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"]
    if field:
        assert answer.json().get("field") == field
    assert not Roster.objects.exists()


def test_no_roster_without_templates_or_agents(lead, people, api_as):
    with time_machine.travel(MORNING, tick=False):
        answer = api_as(lead).post("/workforce/rosters", {"weeks": 1})
    assert answer.status_code == 422
    assert not Roster.objects.exists()


def test_shift_templates_are_checked_kept_and_retired_not_deleted(lead, agent, api_as):
    ok = api_as(lead).post(
        "/workforce/templates", {"code": "A", "name": "早班", "start": "07:30", "minutes": 480}
    )
    assert ok.status_code == 201
    for bad in (
        {"code": "B", "name": "x", "start": "07:15", "minutes": 480},
        {"code": "B", "name": "x", "start": "7点", "minutes": 480},
        {"code": "B", "name": "x", "start": "07:00", "minutes": 90},
        {"code": "B", "name": "x", "start": "07:00", "minutes": 800},
        {"code": "", "name": "x", "start": "07:00", "minutes": 480},
    ):
        answer = api_as(lead).post("/workforce/templates", bad)
        assert answer.status_code == 422, bad
    assert (
        api_as(lead)
        .post(
            "/workforce/templates",
            {"code": "A", "name": "又一个", "start": "08:00", "minutes": 480},
        )
        .status_code
        == 409
    )
    assert (
        api_as(agent)
        .post("/workforce/templates", {"code": "C", "name": "x", "start": "08:00", "minutes": 480})
        .status_code
        == 403
    )
    template_id = ok.json()["id"]
    retired = api_as(lead).post(f"/workforce/templates/{template_id}/retire").json()
    assert retired["is_active"] is False
    assert ShiftTemplate.objects.filter(pk=template_id).exists()
    assert list(ShiftTemplate.objects.values_list("code", flat=True)) == ["A"]


def test_an_agent_keeps_their_own_wishes_within_bounds(agent, dept_handler, api_as):
    assert api_as(agent).get("/workforce/me/wish").json() == {"weekdays_off": [], "no_night": False}
    saved = api_as(agent).put("/workforce/me/wish", {"weekdays_off": [6, 5, 6], "no_night": True})
    assert saved.json() == {"weekdays_off": [5, 6], "no_night": True}
    for bad in ([7], [-1], [0, 1, 2]):
        answer = api_as(agent).put("/workforce/me/wish", {"weekdays_off": bad})
        assert answer.status_code == 422
    assert AgentWish.objects.get(user=agent).weekdays_off == [5, 6]
    assert api_as(dept_handler).put("/workforce/me/wish", {"weekdays_off": [1]}).status_code == 403


def test_the_wishes_go_into_the_roster(
    lead, agent, shifts, team, django_capture_on_commit_callbacks
):
    make_calls(FIRST, AS_OF)
    services.set_wish(agent, weekdays_off=[5, 6], no_night=True)
    roster = make_roster(lead, django_capture_on_commit_callbacks)
    mine = RosterShift.objects.filter(roster=roster, user=agent).select_related("template")
    assert roster.wishes >= 2 + 7
    assert not [s for s in mine if s.day.weekday() >= 5 or s.template.is_night]


def test_the_workbook_holds_the_grid_and_the_coverage(
    lead, shifts, team, django_capture_on_commit_callbacks, web_as
):
    make_calls(FIRST, AS_OF)
    roster = make_roster(lead, django_capture_on_commit_callbacks)
    with time_machine.travel(MORNING, tick=False):
        answer = web_as(lead).get(f"/roster/{roster.pk}.xlsx")
    book = load_workbook(BytesIO(answer.content))
    assert book.sheetnames == ["排班表", "覆盖"]
    grid = list(book["排班表"].iter_rows(values_only=True))
    assert grid[0][:3] == ("工号", "姓名", "11-09")
    assert len(grid) == 1 + services.rosterable_users().count()
    cover = list(book["覆盖"].iter_rows(values_only=True))
    assert len(cover) == 1 + 7 * 48
    assert sum(row[5] for row in cover[1:]) == seats_short(roster)


def test_the_pages_for_the_planner_and_the_agent(
    lead, agent, shifts, team, django_capture_on_commit_callbacks, web_as, client
):
    make_calls(FIRST, AS_OF)
    with time_machine.travel(MORNING, tick=False):
        page = web_as(lead).get("/roster/")
        assert page.status_code == 200 and "新建排班表" in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            made = web_as(lead).post(
                "/roster/new",
                {
                    "first_day": str(MONDAY),
                    "weeks": 1,
                    "reserve_percent": 10,
                    "festival_spare": 5,
                    "time_limit_seconds": 10,
                },
            )
        roster = Roster.objects.get()
        assert made.headers["Location"] == f"/roster/{roster.pk}/"
        shown = web_as(lead).get(f"/roster/{roster.pk}/").content.decode()
        assert "待发布" in shown and 'data-testid="roster-member"' in shown
        web_as(lead).post(f"/roster/{roster.pk}/publish")
        roster.refresh_from_db()
        assert roster.status == Roster.Status.PUBLISHED
        client.logout()
        mine = web_as(agent).get("/roster/mine/").content.decode()
        assert (
            mine.count('data-testid="my-shift"')
            == RosterShift.objects.filter(roster=roster, user=agent).count()
        )
        assert web_as(agent).get("/roster/").status_code == 403
        assert web_as(agent).get(f"/roster/{roster.pk}/").status_code == 403
        # A bad form says what is wrong and makes nothing.
        client.logout()
        bad = web_as(lead).post("/roster/new", {"first_day": "x", "weeks": 9}, follow=True)
        assert "开始日期" in bad.content.decode()
        assert Roster.objects.count() == 1


def test_the_slots_short_of_seats_read_as_time_ranges():
    day = selectors.DayCover(
        date=MONDAY,
        need_hours=0,
        reserve_hours=0,
        covered_hours=0,
        short_hours=0,
        short=[0, 1, 2, 19, 46, 47],
    )
    assert day.short_slots == ["00:00", "00:30", "01:00", "09:30", "23:00", "23:30"]
    assert day.short_ranges == ["00:00–01:30", "09:30–10:00", "23:00–24:00"]


def test_the_next_roster_continues_from_the_published_one(
    lead, shifts, team, django_capture_on_commit_callbacks
):
    make_calls(FIRST, AS_OF)
    first = make_roster(lead, django_capture_on_commit_callbacks)
    with time_machine.travel(MORNING, tick=False):
        services.publish_roster(lead, first.pk)
    following = MONDAY + dt.timedelta(days=7)
    second = make_roster(lead, django_capture_on_commit_callbacks, first_day=following)

    # The last night shifts of the first roster run into the second's first morning.
    sunday_nights = RosterShift.objects.filter(
        roster=first, day=following - dt.timedelta(days=1), template__is_night=True
    ).count()
    assert sunday_nights >= 1
    own = [
        sum(
            1
            for r in RosterShift.objects.filter(roster=second, day=following)
            if r.starts_at <= dt.datetime.combine(following, dt.time(h, m), tzinfo=ZONE) < r.ends_at
        )
        for h, m in ((0, 0), (3, 0), (6, 30))
    ]
    assert [second.covered[0][t] for t in (0, 6, 13)] == [n + sunday_nights for n in own]
    # Nobody starts again within 12 hours of their last shift in the first roster.
    for user in team:
        before = RosterShift.objects.filter(roster=first, user=user).order_by("-ends_at").first()
        after = RosterShift.objects.filter(roster=second, user=user).order_by("starts_at").first()
        if before and after:
            assert after.starts_at - before.ends_at >= dt.timedelta(hours=12), user
