"""Shift swaps (调班): asked by the agent, agreed by the colleague, approved by a planner, and
the shifts change hands; every refusal (not yours, begun, rest, one a day, already open) and
who may do each step, through the services, the API and the pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.accounts.models import Role
from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.workforce import swaps
from kefu.workforce.models import RosterShift, ShiftSwap
from tests.accounts.factories import make_person
from tests.workforce.factories import published, template

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 10, 9, tzinfo=ZONE)  # a Thursday
MONDAY = dt.date(2026, 12, 14)


WEDNESDAY = MONDAY + dt.timedelta(days=2)
FRIDAY = MONDAY + dt.timedelta(days=4)


@pytest.fixture
def week(lead, agent):
    """李娜 (agent) early (07–15) on Monday, Wednesday and Friday; 坐席甲 late (15–23) on
    Monday, night on Tuesday (23–07), early on Thursday."""
    other = make_person("a1", Role.AGENT, number="8201", name="坐席甲")
    early, late, night = (
        template(lead, "早", "07:00"),
        template(lead, "晚", "15:00"),
        template(lead, "夜", "23:00", night=True),
    )
    roster = published(
        lead,
        MONDAY,
        [
            (agent, MONDAY, early),
            (agent, WEDNESDAY, early),
            (agent, FRIDAY, early),
            (other, MONDAY, late),
            (other, MONDAY + dt.timedelta(days=1), night),
            (other, MONDAY + dt.timedelta(days=3), early),
        ],
    )
    shift = {(s.user_id, s.day): s for s in RosterShift.objects.filter(roster=roster)}
    return {"other": other, "shift": shift, "roster": roster}


def test_an_exchange_goes_from_asking_to_approval_and_the_shifts_change_hands(
    lead, agent, week, api_as
):
    other, shift = week["other"], week["shift"]
    mine, theirs = shift[agent.pk, MONDAY], shift[other.pk, MONDAY]
    with time_machine.travel(NOW, tick=False):
        asked = api_as(agent).post(
            "/workforce/swaps",
            {
                "shift_id": mine.pk,
                "colleague_id": other.pk,
                "their_shift_id": theirs.pk,
                "reason": "孩子家长会",
            },
        )
        assert asked.status_code == 201, asked.content
        swap_id = asked.json()["id"]
        assert asked.json()["status"] == "asked"
        # Only the colleague answers; only a planner decides; not before the colleague agrees.
        assert api_as(agent).post(f"/workforce/swaps/{swap_id}/agree").status_code == 403
        assert api_as(lead).post(f"/workforce/swaps/{swap_id}/approve", {}).status_code == 409
        agreed = api_as(other).post(f"/workforce/swaps/{swap_id}/agree")
        assert agreed.json()["status"] == "agreed"
        assert api_as(other).post(f"/workforce/swaps/{swap_id}/approve", {}).status_code == 403
        listed = api_as(lead).get("/workforce/swaps").json()["items"]
        assert [s["id"] for s in listed] == [swap_id]
        approved = api_as(lead).post(f"/workforce/swaps/{swap_id}/approve", {"note": "同意"})
    assert approved.json()["status"] == "approved"
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.user_id, theirs.user_id) == (other.pk, agent.pk)
    assert ShiftSwap.objects.get().decided_by == lead
    actions = set(
        AuditLog.objects.filter(object_type="workforce.shiftswap").values_list("action", flat=True)
    )
    assert actions == {"shift_swap.ask", "shift_swap.agree", "shift_swap.approve"}


def test_covering_without_a_shift_in_return(lead, agent, week):
    other, shift = week["other"], week["shift"]
    friday = shift[agent.pk, FRIDAY]
    with time_machine.travel(NOW, tick=False):
        swap = swaps.ask_swap(agent, shift_id=friday.pk, colleague_id=other.pk, reason="看病")
        swaps.answer_swap(other, swap.pk, agree=True)
        swaps.decide_swap(lead, swap.pk, approve=True)
    friday.refresh_from_db()
    assert friday.user_id == other.pk


def test_a_swap_that_breaks_the_rest_or_the_one_shift_a_day_is_refused(lead, agent, week):
    other, shift = week["other"], week["shift"]
    with time_machine.travel(NOW, tick=False):
        # 坐席甲 already works Monday: covering 李娜's Monday early would be two shifts a day.
        with pytest.raises(ServiceError, match="已有班次"):
            swaps.ask_swap(
                agent, shift_id=shift[agent.pk, MONDAY].pk, colleague_id=other.pk, reason="x"
            )
        # 坐席甲's Tuesday night ends at 07:00 Wednesday: no rest before Wednesday early.
        with pytest.raises(ServiceError, match="间隔不足 12 小时"):
            swaps.ask_swap(
                agent, shift_id=shift[agent.pk, WEDNESDAY].pk, colleague_id=other.pk, reason="x"
            )
    assert not ShiftSwap.objects.exists()


def test_refusals_of_shifts_not_in_force_not_yours_or_already_asked(lead, agent, week, people):
    other, shift = week["other"], week["shift"]
    mine = shift[agent.pk, FRIDAY]
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(ServiceError) as refused:
            swaps.ask_swap(other, shift_id=mine.pk, colleague_id=agent.pk, reason="x")
        assert refused.value.code == "forbidden"
        with pytest.raises(ServiceError) as refused:
            swaps.ask_swap(agent, shift_id=mine.pk, colleague_id=agent.pk, reason="x")
        assert refused.value.field == "colleague_id"
        with pytest.raises(ServiceError) as refused:  # not an agent
            swaps.ask_swap(agent, shift_id=mine.pk, colleague_id=people["quality"].pk, reason="x")
        assert refused.value.field == "colleague_id"
        with pytest.raises(ServiceError) as refused:  # their shift is not theirs
            swaps.ask_swap(
                agent,
                shift_id=mine.pk,
                colleague_id=other.pk,
                their_shift_id=shift[agent.pk, MONDAY].pk,
                reason="x",
            )
        assert refused.value.field == "their_shift_id"
        with pytest.raises(ServiceError) as refused:
            swaps.ask_swap(agent, shift_id=mine.pk, colleague_id=other.pk, reason="  ")
        assert refused.value.field == "reason"
        first = swaps.ask_swap(agent, shift_id=mine.pk, colleague_id=other.pk, reason="x")
        with pytest.raises(ServiceError) as refused:
            swaps.ask_swap(agent, shift_id=mine.pk, colleague_id=other.pk, reason="again")
        assert refused.value.code == "conflict"
        swaps.withdraw_swap(agent, first.pk)
        with pytest.raises(ServiceError):
            swaps.answer_swap(other, first.pk, agree=True)
    # Begun shifts are not swapped.
    begun = dt.datetime(2026, 12, 18, 7, 30, tzinfo=ZONE)
    with time_machine.travel(begun, tick=False), pytest.raises(ServiceError, match="已开始"):
        swaps.ask_swap(agent, shift_id=mine.pk, colleague_id=other.pk, reason="x")
    assert ShiftSwap.objects.get().status == ShiftSwap.Status.WITHDRAWN


def test_approval_checks_again_and_rejection_changes_nothing(lead, agent, week):
    other, shift = week["other"], week["shift"]
    friday = shift[agent.pk, FRIDAY]
    with time_machine.travel(NOW, tick=False):
        swap = swaps.ask_swap(agent, shift_id=friday.pk, colleague_id=other.pk, reason="x")
        swaps.answer_swap(other, swap.pk, agree=True)
        swaps.decide_swap(lead, swap.pk, approve=False, note="人手不足")
    friday.refresh_from_db()
    assert friday.user_id == agent.pk
    assert ShiftSwap.objects.get().decision_note == "人手不足"


def test_the_agent_asks_and_the_colleague_and_the_lead_act_on_the_pages(
    lead, agent, week, web_as, client
):
    other, shift = week["other"], week["shift"]
    with time_machine.travel(NOW, tick=False):
        page = web_as(agent).get("/roster/mine/").content.decode()
        assert 'data-testid="swap-ask"' in page
        web_as(agent).post(
            "/roster/swaps/new",
            {
                "shift": shift[agent.pk, FRIDAY].pk,
                "colleague": other.pk,
                "their_day": "",
                "reason": "回老家",
            },
        )
        swap = ShiftSwap.objects.get()
        bad = web_as(agent).post(
            "/roster/swaps/new",
            {
                "shift": shift[agent.pk, MONDAY].pk,
                "colleague": other.pk,
                "their_day": "2026-12-20",
                "reason": "x",
            },
            follow=True,
        )
        assert "对方当天没有班次" in bad.content.decode()
        client.logout()
        assert 'data-testid="swap-agree"' in web_as(other).get("/roster/mine/").content.decode()
        web_as(other).post(f"/roster/swaps/{swap.pk}/agree")
        client.logout()
        assert web_as(agent).get("/roster/swaps/").status_code == 403
        client.logout()
        waiting = web_as(lead).get("/roster/swaps/").content.decode()
        assert 'data-testid="swap-approve"' in waiting
        web_as(lead).post(f"/roster/swaps/{swap.pk}/approve", {"note": "准"})
        assert web_as(lead).post(f"/roster/swaps/{swap.pk}/nonsense").status_code == 404
    swap.refresh_from_db()
    assert swap.status == ShiftSwap.Status.APPROVED
    assert ShiftSwap.objects.count() == 1


def _inbox(user) -> list[tuple[str, str, str]]:
    from kefu.notify.models import Notification

    return [
        (n.event, n.body, n.link)
        for n in Notification.objects.filter(user=user).order_by("id")
        if n.event.startswith("roster.")
    ]


def test_each_step_of_a_swap_tells_the_people_it_concerns(lead, agent, people, week):
    other, shift = week["other"], week["shift"]
    mine, theirs = shift[agent.pk, MONDAY], shift[other.pk, MONDAY]
    with time_machine.travel(NOW, tick=False):
        swap = swaps.ask_swap(
            agent,
            shift_id=mine.pk,
            colleague_id=other.pk,
            their_shift_id=theirs.pk,
            reason="孩子家长会",
        )
        assert _inbox(other) == [
            (
                "roster.swap_asked",
                "李娜请您调班:12-14 早 07:00 ⇄ 12-14 晚 15:00。请在「我的排班」中同意或拒绝:"
                "/roster/mine/",
                "/roster/mine/",
            )
        ]
        swaps.answer_swap(other, swap.pk, agree=True)
        assert [e for e, _b, _l in _inbox(agent)] == ["roster.swap_agreed"]
        # every planner is told it waits for them, linked to 调班审批
        for planner in (lead, people["supervisor"]):
            assert [(e, link) for e, _b, link in _inbox(planner)] == [
                ("roster.swap_agreed", "/roster/swaps/")
            ]
        swaps.decide_swap(lead, swap.pk, approve=False, note="当天人手不足")
        for person in (agent, other):
            assert _inbox(person)[-1][:2] == (
                "roster.swap_rejected",
                "王芳驳回了调班申请(12-14 早 07:00 ⇄ 12-14 晚 15:00)。意见:当天人手不足",
            )
        # a withdrawn request tells the colleague; nobody is told of their own step
        again = swaps.ask_swap(
            agent,
            shift_id=shift[agent.pk, FRIDAY].pk,
            colleague_id=other.pk,
            reason="家里有事",
        )
        swaps.withdraw_swap(agent, again.pk)
        assert [e for e, _b, _l in _inbox(other)][-2:] == [
            "roster.swap_asked",
            "roster.swap_withdrawn",
        ]
        assert not any(e == "roster.swap_withdrawn" for e, _b, _l in _inbox(agent))


def test_an_awaited_swap_withdrawn_or_left_is_not_approved_blind(lead, agent, people, week):
    other, shift = week["other"], week["shift"]
    with time_machine.travel(NOW, tick=False):
        swap = swaps.ask_swap(
            agent, shift_id=shift[agent.pk, FRIDAY].pk, colleague_id=other.pk, reason="有事"
        )
        swaps.answer_swap(other, swap.pk, agree=True)
        swaps.withdraw_swap(agent, swap.pk)
        # the planners told it waited for them hear that it is withdrawn
        assert [e for e, _b, _l in _inbox(lead)][-2:] == [
            "roster.swap_agreed",
            "roster.swap_withdrawn",
        ]
        again = swaps.ask_swap(
            agent, shift_id=shift[agent.pk, FRIDAY].pk, colleague_id=other.pk, reason="有事"
        )
        swaps.answer_swap(other, again.pk, agree=True)
        other.is_active = False
        other.save()
        with pytest.raises(ServiceError) as refused:
            swaps.decide_swap(lead, again.pk, approve=True)
        assert refused.value.detail == "申请人或同事已不在岗,不能批准"
        assert RosterShift.objects.get(pk=shift[agent.pk, FRIDAY].pk).user_id == agent.pk
