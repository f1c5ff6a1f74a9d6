"""The emergency-staffing ladder (应急增援, DOMAIN §8) driven by real CTI events and the
minute's check: when each step is raised, whom it asks for, the stop before the back office
while 5 < waiting ≤ 10, everything up to the back office at once above 10, longer shifts and
overtime, sign-out in reverse order, the night's all-hands step, and who may answer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.accounts.models import Role
from kefu.core.models import AuditLog
from kefu.telephony.ladder import check_ladder
from kefu.telephony.models import LadderStep, LadderTier
from tests.accounts.factories import make_person
from tests.telephony.factories import cti

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)
NIGHT = dt.datetime(2026, 12, 3, 23, 0, tzinfo=SHANGHAI)


def at(start: dt.datetime, minutes: float) -> dt.datetime:
    return start + dt.timedelta(minutes=minutes)


def ring(n: int, *, start: int = 0) -> None:
    """``n`` more inbound calls waiting."""
    for i in range(start, start + n):
        cti("newCall", f"q{i}", number=f"1381234{i:04d}")


def drop(n: int, *, start: int = 0) -> None:
    """``n`` of the waiting calls hang up."""
    for i in range(start, start + n):
        cti("hangup", f"q{i}", number=f"1381234{i:04d}", cause="cancel")


def steps() -> list[str]:
    return list(LadderStep.objects.order_by("raised_at", "id").values_list("step", flat=True))


@pytest.fixture
def tiers(org):
    people = {}
    for tier, count, size in (
        ("experts", 2, 0),
        ("outbound", 4, 3),
        ("quality", 3, 2),
        ("back_office", 3, 3),
    ):
        members = [
            make_person(f"{tier}{i}", Role.AGENT, number=f"9{len(people)}{i}", name=f"{tier}-{i}")
            for i in range(count)
        ]
        people[tier] = members
        LadderTier.objects.create(tier=tier, size=size).members.set(members)
    return people


def test_six_waiting_for_five_minutes_calls_the_experts_then_outbound_then_quality(tiers):
    with time_machine.travel(DAY, tick=False):
        ring(6)
    with time_machine.travel(at(DAY, 4.9), tick=False):
        assert check_ladder() == []
        assert steps() == []
    with time_machine.travel(at(DAY, 5), tick=False):
        check_ladder()
        assert steps() == ["experts"]
        step = LadderStep.objects.get()
        assert step.waiting == 6 and step.longest_wait_seconds == 300
        assert [p["name"] for p in step.people] == ["experts-0", "experts-1"]  # size 0: all
    with time_machine.travel(at(DAY, 9), tick=False):
        check_ladder()
        assert steps() == ["experts"]
    with time_machine.travel(at(DAY, 10), tick=False):
        check_ladder()
        assert steps() == ["experts", "outbound"]
        assert len(LadderStep.objects.get(step="outbound").people) == 3
    with time_machine.travel(at(DAY, 15), tick=False):
        check_ladder()
    with time_machine.travel(at(DAY, 40), tick=False):
        check_ladder()
    # 5 < waiting ≤ 10: the ladder stops before the back office.
    assert steps() == ["experts", "outbound", "quality"]


def test_a_dip_to_five_restarts_the_five_minutes(tiers):
    with time_machine.travel(DAY, tick=False):
        ring(6)
    with time_machine.travel(at(DAY, 3), tick=False):
        drop(1)  # 5 waiting: not above 5
        ring(1, start=6)
    with time_machine.travel(at(DAY, 7), tick=False):
        check_ladder()
        assert steps() == []
    with time_machine.travel(at(DAY, 8), tick=False):
        check_ladder()
        assert steps() == ["experts"]


def test_above_ten_everything_up_to_the_back_office_then_longer_shifts_then_overtime(tiers, agent):
    with time_machine.travel(at(DAY, -1), tick=False):
        cti("newCall", "busy", number="13900000001")
        cti("answer", "busy", number="13900000001", answeringNumber="8011")
    with time_machine.travel(DAY, tick=False):
        ring(12)
    with time_machine.travel(at(DAY, 5), tick=False):
        cti("newCall", "q99", number="13812349999")  # the event itself moves the ladder
        assert steps() == ["experts", "outbound", "quality", "back_office"]
        assert len(LadderStep.objects.get(step="back_office").people) == 3
    with time_machine.travel(at(DAY, 10), tick=False):
        check_ladder()
        shifts = LadderStep.objects.get(step="longer_shifts")
        assert [p["name"] for p in shifts.people] == ["李娜"]  # who is on the phones now
    with time_machine.travel(at(DAY, 15), tick=False):
        check_ladder()
        overtime = LadderStep.objects.get(step="overtime")
    # 14 calls in the last half hour at the default 180 s handling time need about 3 seats
    # by Erlang C (80/20); one agent is on the phones.
    assert overtime.seats_short is not None and overtime.seats_short >= 1
    assert steps()[-2:] == ["longer_shifts", "overtime"]
    with time_machine.travel(at(DAY, 60), tick=False):
        assert check_ladder() == []  # nothing further to raise


def test_members_already_on_the_phones_are_not_suggested(tiers):
    with time_machine.travel(at(DAY, -1), tick=False):
        cti("newCall", "e0", number="13900000001")
        cti("answer", "e0", number="13900000001", answeringNumber="900")  # experts-0 (工号 900)
    with time_machine.travel(DAY, tick=False):
        ring(6)
    with time_machine.travel(at(DAY, 5), tick=False):
        check_ladder()
    assert [p["name"] for p in LadderStep.objects.get().people] == ["experts-1"]


def test_sign_out_in_reverse_order_once_five_or_fewer_wait(tiers, lead, api_as):
    api = api_as(lead)
    with time_machine.travel(DAY, tick=False):
        ring(7)
    for minute in (5, 10):
        with time_machine.travel(at(DAY, minute), tick=False):
            check_ladder()
    experts, outbound = LadderStep.objects.order_by("raised_at")
    with time_machine.travel(at(DAY, 11), tick=False):
        assert (
            api.post(f"/telephony/ladder/{experts.pk}/answer", {"note": "张工、李工"}).status_code
            == 200
        )
        assert api.post(f"/telephony/ladder/{outbound.pk}/answer", {}).status_code == 200
        drop(2)  # 5 wait: calm
    outbound.refresh_from_db()
    experts.refresh_from_db()
    assert outbound.sign_out_advised_at is not None and experts.sign_out_advised_at is None
    # Not the earlier step first.
    reply = api.post(f"/telephony/ladder/{experts.pk}/sign-out", {})
    assert reply.status_code == 409 and "调用外呼坐席" in reply.json()["detail"]
    with time_machine.travel(at(DAY, 12), tick=False):
        assert (
            api.post(f"/telephony/ladder/{outbound.pk}/sign-out", {"note": "回外呼"}).status_code
            == 200
        )
        check_ladder()
    experts.refresh_from_db()
    assert experts.sign_out_advised_at is not None
    with time_machine.travel(at(DAY, 13), tick=False):
        ring(1, start=7)  # 6 wait again: the advice is withdrawn, the experts stay
    experts.refresh_from_db()
    assert experts.sign_out_advised_at is None and experts.signed_out_at is None
    with time_machine.travel(at(DAY, 14), tick=False):
        drop(1, start=7)
        reply = api.post(f"/telephony/ladder/{experts.pk}/sign-out", {})
    assert reply.status_code == 200
    assert not LadderStep.objects.filter(signed_out_at__isnull=True).exists()
    body = api.get("/telephony/ladder").json()
    assert [i["step"] for i in body["items"]] == ["outbound", "experts"]
    assert (
        body["items"][1]["answered_by"] == "王芳"
        and body["items"][1]["answer_note"] == "张工、李工"
    )
    assert (
        body["items"][0]["signed_out_by"] == "王芳"
        and body["items"][0]["sign_out_note"] == "回外呼"
    )
    assert AuditLog.objects.filter(action="ladder.answer").count() == 2
    assert AuditLog.objects.filter(action="ladder.sign_out").count() == 2


def test_a_step_nobody_answered_closes_itself_when_the_queue_is_back(tiers):
    with time_machine.travel(DAY, tick=False):
        ring(6)
    with time_machine.travel(at(DAY, 5), tick=False):
        check_ladder()
    with time_machine.travel(at(DAY, 6), tick=False):
        drop(3)
    step = LadderStep.objects.get()
    assert step.signed_out_at is not None and step.signed_out_by is None
    assert step.sign_out_note == "排队已回落,未响应"


def test_at_night_every_non_phone_person_joins_at_the_first_step(tiers):
    with time_machine.travel(NIGHT, tick=False):
        ring(6)
    with time_machine.travel(at(NIGHT, 5), tick=False):
        check_ladder()
    (step,) = LadderStep.objects.all()
    assert step.step == "night_all"
    assert len(step.people) == 2 + 4 + 3 + 3  # every member of every tier, whatever its size
    with time_machine.travel(at(NIGHT, 30), tick=False):
        check_ladder()
    assert steps() == ["night_all"]  # no surge: no longer shifts


def test_who_may_answer_and_odd_input(tiers, people, api_as):
    with time_machine.travel(DAY, tick=False):
        ring(6)
    with time_machine.travel(at(DAY, 5), tick=False):
        check_ladder()
    step = LadderStep.objects.get()
    for key in ("agent", "quality", "gm", "dept_handler"):
        reply = api_as(people[key]).post(f"/telephony/ladder/{step.pk}/answer", {})
        assert reply.status_code == 403, key
    lead = api_as(people["lead"])
    assert lead.post(f"/telephony/ladder/{step.pk}/answer", {"note": "x" * 201}).status_code == 422
    assert lead.post("/telephony/ladder/999999/answer", {}).status_code == 404
    assert lead.post(f"/telephony/ladder/{step.pk}/answer", {"note": "a\x00"}).status_code == 422
    step.refresh_from_db()
    assert step.answered_at is None
    assert lead.post(f"/telephony/ladder/{step.pk}/answer", {}).status_code == 200
    assert lead.post(f"/telephony/ladder/{step.pk}/answer", {}).status_code == 409
    assert api_as(people["agent"]).get("/telephony/ladder").status_code == 403
    assert api_as(people["quality"]).get("/telephony/ladder").status_code == 200


def test_the_floor_page_shows_the_alert_and_answers_it(tiers, lead, web_as):
    with time_machine.travel(DAY, tick=False):
        ring(6)
    with time_machine.travel(at(DAY, 5), tick=False):
        check_ladder()
        client = web_as(lead)
        page = client.get("/calls/floor/").content.decode()
        assert 'data-testid="ladder-alert"' in page and "调用浮动专家" in page
        step = LadderStep.objects.get()
        panel = client.post(
            f"/calls/floor/ladder/{step.pk}/answer", {"note": "已电话通知"}, HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "已安排" in panel and "已电话通知" in panel
        again = client.post(
            f"/calls/floor/ladder/{step.pk}/answer", {}, HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "这一步已有人响应" in again
