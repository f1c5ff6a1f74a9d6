"""Leave (请假): asked by the agent and decided by a planner, or recorded by a planner; refused
in words; honoured wherever the roster is read — the solver, attendance, the roster grid and
the five tables; through the services, the API and the pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.notify.models import Notification
from kefu.workforce import attendance, leave, selectors, tables
from kefu.workforce.models import Leave, RosterShift
from tests.telephony.test_forecast import AS_OF, FIRST, make_calls
from tests.workforce.factories import published, template
from tests.workforce.test_rosters import MONDAY, make_roster, shifts, team  # noqa: F401

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 10, 9, tzinfo=ZONE)
DAY = dt.date(2026, 12, 14)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def inbox(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, event__startswith="roster.leave")
        .order_by("id")
        .values_list("body", flat=True)
    )


def test_leave_asked_approved_and_told(lead, agent, people, now):
    asked = leave.ask_leave(
        agent, kind="annual", first_day=DAY, last_day=DAY + dt.timedelta(days=2), reason="回老家"
    )
    assert (asked.status, asked.days, asked.asked_by) == ("asked", 3, agent)
    for planner in (lead, people["supervisor"]):
        assert inbox(planner) == ["李娜申请年假:12-14–12-16。请审批:/roster/leave/"]
    decided = leave.decide_leave(lead, asked.pk, approve=True)
    assert (decided.status, decided.decided_by) == ("approved", lead)
    assert inbox(agent) == ["王芳批准了您的年假:12-14–12-16。"]
    assert list(
        AuditLog.objects.filter(object_id=str(asked.pk), action__startswith="leave.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["leave.ask", "leave.approve"]
    # the approved leave can be cancelled by a planner, saying why; the agent is told
    with pytest.raises(ServiceError) as refused:
        leave.cancel_leave(lead, asked.pk, reason=" ")
    assert refused.value.detail == "请填写取消原因"
    leave.cancel_leave(lead, asked.pk, reason="春节保障,全员在岗")
    assert (
        inbox(agent)[-1] == "王芳取消了您的年假(12-14–12-16),请按排班上班。原因:春节保障,全员在岗"
    )
    assert Leave.objects.get(pk=asked.pk).status == "cancelled"


def test_leave_refused_in_words_and_nothing_written(lead, agent, people, now):
    leave.ask_leave(agent, kind="sick", first_day=DAY, reason="发烧")
    cases = [
        (dict(kind="holiday", first_day=DAY), "kind", "请假类别无效"),
        (dict(kind="annual", first_day=None), "first_day", "请填写开始日期"),
        (
            dict(kind="annual", first_day=DAY, last_day=DAY - dt.timedelta(days=1)),
            "last_day",
            "结束日期不能早于开始日期",
        ),
        (
            dict(kind="annual", first_day=DAY, last_day=DAY + dt.timedelta(days=90)),
            "last_day",
            "一次请假最多 90 天",
        ),
        (dict(kind="annual", first_day=dt.date(2020, 1, 1)), "first_day", None),
        (dict(kind="annual", first_day=dt.date(9999, 1, 1)), "first_day", None),
    ]
    for fields, field, message in cases:
        with pytest.raises(ServiceError) as refused:
            leave.ask_leave(agent, reason="x", **fields)
        assert refused.value.field == field, fields
        if message:
            assert refused.value.detail == message
    with pytest.raises(ServiceError) as refused:
        leave.ask_leave(agent, kind="annual", first_day=DAY, reason="x")
    assert (refused.value.code, refused.value.detail) == ("conflict", "这段时间已有请假")
    with pytest.raises(ServiceError) as refused:  # an agent asks only for themselves
        leave.ask_leave(agent, kind="annual", first_day=DAY, reason="x", user_id=lead.pk)
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as refused:  # a department handler is not rostered
        leave.ask_leave(
            lead, kind="annual", first_day=DAY, reason="x", user_id=people["dept_handler"].pk
        )
    assert refused.value.field == "user_id"
    assert Leave.objects.count() == 1


def test_who_may_take_each_step(lead, agent, people, now):
    asked = leave.ask_leave(agent, kind="personal", first_day=DAY, reason="办事")
    for actor in (agent, people["quality"]):
        with pytest.raises(ServiceError) as refused:
            leave.decide_leave(actor, asked.pk, approve=True)
        assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as refused:
        leave.withdraw_leave(lead, asked.pk)
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as refused:
        leave.decide_leave(lead, asked.pk, approve=False)
    assert refused.value.detail == "请填写驳回原因"
    leave.withdraw_leave(agent, asked.pk)
    with pytest.raises(ServiceError) as refused:
        leave.decide_leave(lead, asked.pk, approve=True)
    assert refused.value.code == "conflict"
    # a planner records an agent's leave: approved at once, the agent told
    recorded = leave.ask_leave(
        lead, kind="training", first_day=DAY, reason="新业务培训", user_id=agent.pk
    )
    assert (recorded.status, recorded.decided_by) == ("approved", lead)
    assert inbox(agent) == ["王芳批准了您的培训:12-14–12-14。"]
    assert [x.pk for x in leave.list_leave(agent)] == [recorded.pk]
    assert list(leave.list_leave(people["quality"])) == []  # only one's own


def test_the_solver_leaves_approved_leave_days_free(
    lead,
    agent,
    shifts,  # noqa: F811 - the roster tests' fixture
    team,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    make_calls(FIRST, AS_OF)
    with time_machine.travel(dt.datetime.combine(AS_OF, dt.time(9), tzinfo=ZONE), tick=False):
        away = leave.ask_leave(
            lead,
            kind="annual",
            first_day=MONDAY,
            last_day=MONDAY + dt.timedelta(days=4),
            reason="年假",
            user_id=agent.pk,
        )
        asked = leave.ask_leave(
            team[1],
            kind="sick",
            first_day=MONDAY,
            last_day=MONDAY + dt.timedelta(days=6),
            reason="未批准的不算",
        )
    roster = make_roster(lead, django_capture_on_commit_callbacks)
    days = set(RosterShift.objects.filter(roster=roster, user=agent).values_list("day", flat=True))
    assert not days & {MONDAY + dt.timedelta(days=d) for d in range(5)}
    assert RosterShift.objects.filter(roster=roster, user=team[1]).exists()  # only asked
    grid = {m.user_id: m.cells for m in selectors.roster_view(roster).members}
    assert grid[agent.pk][:5] == ["假"] * 5
    assert asked.status == "asked" and away.status == "approved"
    # leave approved after the roster was made: that shift is out of the hours and the cover
    before = selectors.roster_view(roster)
    shift = RosterShift.objects.filter(roster=roster, user=team[2]).select_related("template")[0]
    with time_machine.travel(dt.datetime.combine(AS_OF, dt.time(10), tzinfo=ZONE), tick=False):
        leave.ask_leave(lead, kind="sick", first_day=shift.day, reason="急病", user_id=team[2].pk)
    after = selectors.roster_view(roster)
    hours = {m.user_id: m.hours for m in after.members}
    was = {m.user_id: m.hours for m in before.members}
    assert hours[team[2].pk] == was[team[2].pk] - shift.template.minutes / 60
    covered = sum(d.covered_hours for d in after.cover)
    assert covered <= sum(d.covered_hours for d in before.cover)
    assert after.short_hours >= before.short_hours


def test_attendance_and_the_five_tables_count_a_leave_day_as_away(lead, agent, now):
    early = template(lead, "早", "07:00")
    published(lead, DAY, [(agent, DAY, early), (agent, DAY + dt.timedelta(days=1), early)])
    leave.ask_leave(lead, kind="sick", first_day=DAY, reason="住院", user_id=agent.pk)
    rows = attendance.day_attendance(lead, DAY, now=dt.datetime(2026, 12, 14, 18, tzinfo=ZONE))
    assert [(r.status, r.status_label) for r in rows] == [("on_leave", "请假")]
    nextday = attendance.day_attendance(
        lead, DAY + dt.timedelta(days=1), now=dt.datetime(2026, 12, 15, 18, tzinfo=ZONE)
    )
    assert [r.status for r in nextday] == ["absent"]
    counts, worked = tables._rostered([DAY, DAY + dt.timedelta(days=1)])
    assert sum(counts[DAY.toordinal()]) == 0
    assert sum(counts[(DAY + dt.timedelta(days=1)).toordinal()]) == 16  # 8 hours
    assert [s.day for s in worked] == [DAY + dt.timedelta(days=1)]


def test_leave_through_the_api_and_the_pages(lead, agent, api_as, web_as, now):
    made = api_as(agent).post(
        "/workforce/leave", {"kind": "annual", "first_day": "2026-12-14", "reason": "探亲"}
    )
    assert made.status_code == 201, made.content
    leave_id = made.json()["id"]
    assert (made.json()["status"], made.json()["kind_label"]) == ("asked", "年假")
    assert api_as(agent).post(f"/workforce/leave/{leave_id}/approve", {}).status_code == 403
    bad = api_as(agent).post(
        "/workforce/leave", {"kind": "annual", "first_day": "x", "reason": "y"}
    )
    assert bad.status_code == 422
    assert api_as(lead).get("/workforce/leave").json()["count"] == 1
    approved = api_as(lead).post(f"/workforce/leave/{leave_id}/approve", {"note": "同意"})
    assert approved.json()["status"] == "approved"
    page = web_as(lead).get("/roster/leave/")
    assert page.status_code == 200 and "探亲" in page.content.decode()
    mine = web_as(agent).get("/roster/mine/").content.decode()
    assert "探亲" in mine and "已批准" in mine
    assert web_as(agent).get("/roster/leave/").status_code == 403
    web_as(agent).post(
        "/roster/leave/new",
        {"kind": "personal", "first_day": "2026-12-20", "reason": "搬家"},
    )
    assert Leave.objects.filter(user=agent, status="asked", reason="搬家").exists()


def test_no_swap_hands_a_shift_to_an_agent_on_leave(lead, agent, now):
    from kefu.accounts.models import Role
    from kefu.workforce import swaps
    from tests.accounts.factories import make_person

    other = make_person("a1", Role.AGENT, number="8201", name="坐席甲")
    early, late = template(lead, "早", "07:00"), template(lead, "晚", "15:00")
    roster = published(lead, DAY, [(agent, DAY, early), (other, DAY + dt.timedelta(days=1), late)])
    mine = RosterShift.objects.get(roster=roster, user=agent)
    theirs = RosterShift.objects.get(roster=roster, user=other)
    leave.ask_leave(lead, kind="sick", first_day=DAY, reason="住院", user_id=other.pk)
    with pytest.raises(ServiceError) as refused:  # cover: the colleague is away that day
        swaps.ask_swap(agent, shift_id=mine.pk, colleague_id=other.pk, reason="x")
    assert refused.value.detail == "坐席甲 在 2026-12-14 请假"
    # exchange: asked before the asker's own leave, refused at approval
    leave.cancel_leave(lead, Leave.objects.get(user=other).pk, reason="改期")
    swap = swaps.ask_swap(
        agent, shift_id=mine.pk, colleague_id=other.pk, their_shift_id=theirs.pk, reason="换一天"
    )
    swaps.answer_swap(other, swap.pk, agree=True)
    leave.ask_leave(
        lead, kind="annual", first_day=DAY + dt.timedelta(days=1), reason="年假", user_id=agent.pk
    )
    with pytest.raises(ServiceError) as refused:
        swaps.decide_swap(lead, swap.pk, approve=True)
    assert refused.value.detail == "李娜 在 2026-12-15 请假"
    assert RosterShift.objects.get(pk=mine.pk).user_id == agent.pk


def test_a_planner_decides_others_leave_not_their_own(lead, people, now):
    from kefu.accounts.models import Role
    from tests.accounts.factories import make_person

    promoted = make_person("a9", Role.AGENT, number="8209", name="新班长")
    own = leave.ask_leave(promoted, kind="annual", first_day=DAY, reason="年假")
    promoted.staff.role = Role.TEAM_LEAD
    promoted.staff.save()
    with pytest.raises(ServiceError) as refused:
        leave.decide_leave(promoted, own.pk, approve=True)
    assert (refused.value.code, refused.value.detail) == ("forbidden", "不能审批自己的请假")
    # a withdrawn request is told to the planners it waited for
    asked = leave.ask_leave(people["agent"], kind="personal", first_day=DAY, reason="办事")
    leave.withdraw_leave(people["agent"], asked.pk)
    assert inbox(lead)[-1] == "李娜撤回了事假申请(12-14–12-14),无需审批。"


def test_my_roster_and_the_grid_mark_a_shift_on_leave(lead, agent, api_as, web_as, now):
    early = template(lead, "早", "07:00")
    roster = published(lead, DAY, [(agent, DAY, early), (agent, DAY + dt.timedelta(days=2), early)])
    leave.ask_leave(lead, kind="sick", first_day=DAY, reason="住院", user_id=agent.pk)
    mine = api_as(agent).get("/workforce/me/shifts").json()["items"]
    assert [(s["day"], s["on_leave"]) for s in mine] == [
        ("2026-12-14", True),
        ("2026-12-16", False),
    ]
    page = web_as(agent).get("/roster/mine/").content.decode()
    assert page.count('data-testid="on-leave"') == 1
    view = selectors.roster_view(roster)
    (row,) = view.members
    assert (row.cells[0], row.hours) == ("早·假", 8.0)
    # a team lead takes no calls: no leave form on their own page
    assert 'data-testid="leave-ask"' not in web_as(lead).get("/roster/mine/").content.decode()
    assert (
        api_as(agent)
        .post(
            "/workforce/leave",
            {"kind": "annual", "first_day": "2026-12-20", "reason": "x", "user_id": True},
        )
        .status_code
        == 422
    )


def test_a_night_on_leave_before_a_roster_carries_nothing_into_it(lead, agent, now):
    from kefu.workforce import services
    from kefu.workforce.models import Roster

    night = template(lead, "夜", "23:00", night=True)
    published(lead, DAY - dt.timedelta(days=7), [(agent, DAY - dt.timedelta(days=1), night)])
    nxt = Roster(first_day=DAY, weeks=1, min_rest_hours=12)
    carry, free_from = services._before(nxt, [agent])
    assert (sum(carry), free_from[agent.pk]) == (14, 19 * 60)  # 00:00–07:00, free at 19:00
    leave.ask_leave(
        lead, kind="sick", first_day=DAY - dt.timedelta(days=1), reason="病", user_id=agent.pk
    )
    assert services._before(nxt, [agent]) == ([0] * 48, {})
