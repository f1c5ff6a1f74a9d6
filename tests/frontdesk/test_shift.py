"""The shift at the front desk: the duty record and its lock, the morning meeting, the
handover's collected matters and signatures, the sign-in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.core.errors import ServiceError
from kefu.core.masking import mask_phone
from kefu.core.models import AuditLog
from kefu.followups.models import CallbackTask
from kefu.frontdesk import services, shift
from kefu.frontdesk.models import DutyRecord, Handover
from kefu.frontdesk.tasks import lock_ended_duty_records
from kefu.knowledge.models import Question
from kefu.notices.models import Notice
from kefu.notify.models import Delivery
from kefu.outbound.models import OutboundEntry, OutboundList
from kefu.sla.models import Deadline
from kefu.telephony.models import MissedCallback
from kefu.workforce.models import ShiftTemplate
from tests.frontdesk.factories import found_item
from tests.frontdesk.shift_factories import shift_around
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def only_our_shifts():
    ShiftTemplate.objects.update(is_active=False)


def _record(agent, *, starts_in=-2 * H, code="D1"):
    _template, day = shift_around(code, starts_in=starts_in)
    return shift.open_record(agent, day=day, shift_code=code)


# --- duty record -----------------------------------------------------------------------------


def test_duty_record_filled_in_reported_and_locked(agent, lead, people):
    record = _record(agent)
    assert shift.open_record(agent, day=record.day, shift_code="D1").pk == record.pk
    shift.update_record(
        agent,
        record.pk,
        weather="晴 18℃",
        duty_manager_id=people["supervisor"].pk,
        duty_leader_id=lead.pk,
        operations="东门闸机检修,游客改走南门",
    )
    count = shift.report_visitors(agent, record.pk, count=1234, note="上午高峰")
    shift.add_incident(agent, record.pk, text="一名游客在东门摔倒,已送医务室")
    record.refresh_from_db()
    assert (record.weather, record.duty_leader_id) == ("晴 18℃", lead.pk)
    # The count went to the general manager through notify.
    assert count.recipients == 1
    sent = Delivery.objects.get(event="frontdesk.visitor_count", user=people["gm"])
    assert "1234" in sent.body
    assert [i.text for i in record.incidents.all()] == ["一名游客在东门摔倒,已送医务室"]

    with pytest.raises(ServiceError) as refused:
        shift.lock_record(agent, record.pk)  # not the shift leader
    assert refused.value.code == "forbidden"
    shift.lock_record(lead, record.pk)
    for change in (
        lambda: shift.update_record(
            agent, record.pk, weather="雨", duty_manager_id=None, duty_leader_id=None, operations=""
        ),
        lambda: shift.report_visitors(agent, record.pk, count=5),
        lambda: shift.add_incident(agent, record.pk, text="补记"),
        lambda: shift.lock_record(lead, record.pk),
    ):
        with pytest.raises(ServiceError) as locked:
            change()
        assert locked.value.code == "invalid_transition"
    record.refresh_from_db()
    assert record.weather == "晴 18℃" and record.counts.count() == 1
    actions = set(
        AuditLog.objects.filter(
            object_id=str(record.pk), action__startswith="frontdesk.duty"
        ).values_list("action", flat=True)
    )
    assert actions == {
        "frontdesk.duty.opened",
        "frontdesk.duty.updated",
        "frontdesk.duty.visitors",
        "frontdesk.duty.incident",
        "frontdesk.duty.locked",
    }


def test_lock_job_locks_ended_shifts_once(agent):
    ended = _record(agent, starts_in=-9 * H, code="E1")
    running = _record(agent, starts_in=-2 * H, code="R1")
    # What the worker runs every ten minutes, twice: the ended shift is locked once.
    assert lock_ended_duty_records.call_local() == 1
    assert lock_ended_duty_records.call_local() == 0
    ended.refresh_from_db()
    running.refresh_from_db()
    assert ended.is_locked and not running.is_locked
    assert (
        AuditLog.objects.filter(action="frontdesk.duty.locked", object_id=str(ended.pk)).count()
        == 1
    )


def test_the_month_is_bound_on_the_first_once(agent):
    _t, day = shift_around("B1", starts_in=-2 * H)
    record = shift.open_record(agent, day=day, shift_code="B1")
    earlier = shift.open_record(agent, day=day - dt.timedelta(days=40), shift_code="B1")
    first_of_next = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    assert shift.bind_month(today=first_of_next) == 1
    assert shift.bind_month(today=first_of_next) == 0
    record.refresh_from_db()
    earlier.refresh_from_db()
    assert record.is_locked and not earlier.is_locked
    assert [r.pk for r in shift.month_records(agent, day.year, day.month)] == [record.pk]


def test_bad_input_is_refused(agent, people):
    record = _record(agent)
    with pytest.raises(ServiceError) as bad:
        shift.open_record(agent, day=record.day, shift_code="NOPE")
    assert (bad.value.code, bad.value.field) == ("invalid", "shift")
    with pytest.raises(ServiceError) as bad:
        shift.report_visitors(agent, record.pk, count=-1)
    assert bad.value.field == "count"
    with pytest.raises(ServiceError) as bad:
        shift.add_incident(agent, record.pk, text="   ")
    assert bad.value.field == "text"
    with pytest.raises(ServiceError) as bad:
        shift.update_record(
            agent,
            record.pk,
            weather="晴",
            duty_manager_id=people["dept_handler"].pk,  # not the center's
            duty_leader_id=None,
            operations="",
        )
    assert bad.value.field == "duty_manager"
    with pytest.raises(ServiceError) as bad:
        shift.month_records(agent, 2026, 13)
    assert bad.value.field == "month"


def test_department_staff_see_no_shift_records(agent, dept_handler):
    record = _record(agent)
    for call in (
        lambda: shift.open_record(dept_handler, day=record.day, shift_code="D1"),
        lambda: shift.month_records(dept_handler, record.day.year, record.day.month),
        lambda: shift.list_handovers(dept_handler),
    ):
        with pytest.raises(ServiceError) as refused:
            call()
        assert refused.value.code == "forbidden"


# --- morning meeting -------------------------------------------------------------------------


def test_meeting_members_sign_and_the_leader_sees_who_has_not(agent, lead, people):
    _t, day = shift_around("M1", starts_in=-H)
    with pytest.raises(ServiceError):
        shift.hold_meeting(agent, day=day, shift_code="M1", notes="x", member_ids=[agent.pk])
    meeting = shift.hold_meeting(
        lead,
        day=day,
        shift_code="M1",
        notes="今日东门施工,引导游客走南门",
        member_ids=[agent.pk, people["supervisor"].pk],
    )
    assert [m.user_id for m in shift.unsigned_members(lead, meeting)] == [
        agent.pk,
        people["supervisor"].pk,
    ]
    signed = shift.sign_meeting(agent, meeting.pk)
    assert signed.signed_at is not None
    with pytest.raises(ServiceError) as twice:
        shift.sign_meeting(agent, meeting.pk)
    assert twice.value.code == "conflict"
    with pytest.raises(ServiceError) as stranger:
        shift.sign_meeting(people["quality"], meeting.pk)
    assert stranger.value.code == "forbidden"
    assert [m.user_id for m in shift.unsigned_members(lead, meeting)] == [people["supervisor"].pk]


# --- sign-in ---------------------------------------------------------------------------------


def test_sign_in_on_time_and_late(agent, lead):
    _t, day = shift_around("S1", starts_in=H)
    early = shift.sign_in(agent, day=day, shift_code="S1")
    assert early.late is False
    _t, day2 = shift_around("S2", starts_in=dt.timedelta(minutes=10))
    late = shift.sign_in(lead, day=day2, shift_code="S2")
    assert late.late is True
    with pytest.raises(ServiceError) as twice:
        shift.sign_in(agent, day=day, shift_code="S1")
    assert twice.value.code == "conflict"
    _t, day3 = shift_around("S3", starts_in=-9 * H)
    with pytest.raises(ServiceError) as over:
        shift.sign_in(agent, day=day3, shift_code="S3")
    assert over.value.code == "invalid"


# --- handover --------------------------------------------------------------------------------


def _shift_and_next():
    """The current shift (ends in 1 h) and the next one (8 h, ends in 9 h)."""
    _t, day = shift_around("D1", starts_in=-7 * H)
    shift_around("N1", starts_in=H)
    return day


def test_handover_collects_what_is_due_in_the_next_shift(agent, lead, people):
    day = _shift_and_next()
    now = timezone.now()
    due_soon = make_ticket(agent, content="厨房水管漏水,请尽快上门")
    due_late = make_ticket(agent, content="水表读数有疑问")
    Deadline.objects.filter(ticket=due_soon).update(due_at=now + 5 * H, state="pending")
    Deadline.objects.filter(ticket=due_late).update(due_at=now + 30 * H, state="pending")
    for ticket, due in ((due_soon, now + 3 * H), (due_late, now + 40 * H)):
        CallbackTask.objects.create(
            ticket=ticket, purpose="repair", method="phone", due_at=due, created_at=now
        )
        Question.objects.create(
            ticket=ticket,
            text=f"疑问{ticket.serial}",
            asked_by=agent,
            asked_at=now,
            promised_at=due,
        )
    MissedCallback.objects.create(
        number="13800001111", day=now.date(), first_at=now, last_at=now, due_at=now + 2 * H
    )
    MissedCallback.objects.create(
        number="13800002222", day=now.date(), first_at=now, last_at=now, due_at=now + 20 * H
    )
    kept = found_item(agent, category="phone", description="黑色手机")
    services.hand_to_custody(agent, kept.pk, place="保险柜", custodian_name="周会计")
    found_item(agent)  # registered, not in custody
    Notice.objects.create(
        kind="outage",
        title="阳光花园停水",
        starts_at=now,
        expected_end=now + 5 * H,
        state="published",
    )
    Notice.objects.create(
        kind="outage", title="草稿通知", starts_at=now, expected_end=now + 5 * H, state="draft"
    )

    outbound = OutboundList.objects.create(
        name="会员回访",
        purpose="callback",
        source="callbacks",
        status="active",
        created_by=lead,
        created_at=now,
    )
    for number, due, appointment in (
        ("13900003333", now + 4 * H, True),
        ("13900004444", now + 30 * H, True),
        ("13900005555", now + H, False),  # a retry, not a time agreed with the customer
    ):
        OutboundEntry.objects.create(
            outbound=outbound,
            number=number,
            state="retry",
            next_attempt_at=due,
            appointment=appointment,
        )

    handover = shift.create_handover(
        agent, day=day, shift_code="D1", incoming_id=lead.pk, notes="东门闸机报修未回复"
    )
    kinds: dict[str, list[str]] = {}
    for matter in handover.matters:
        kinds.setdefault(matter["kind"], []).append(matter["ref"])
    assert kinds["ticket"] == [due_soon.serial]
    assert kinds["callback"] == [due_soon.serial]
    assert kinds["question"] == [due_soon.serial]
    # Customers to contact, their numbers masked in the kept list.
    assert kinds["missed_call"] == [mask_phone("13800001111")]
    assert kinds["lost_item"] == [kept.serial]
    assert kinds["outbound"] == [mask_phone("13900003333")]
    assert [m["text"] for m in handover.matters if m["kind"] == "notice"] == ["阳光花园停水"]
    assert handover.next_ends_at > timezone.now() + 8 * H


def test_handover_signed_by_both_with_employee_numbers(agent, lead, people):
    day = _shift_and_next()
    handover = shift.create_handover(agent, day=day, shift_code="D1", incoming_id=lead.pk)
    assert [h.pk for h in shift.list_handovers(lead, unsigned=True)] == [handover.pk]
    with pytest.raises(ServiceError) as stranger:
        shift.sign_handover(people["supervisor"], handover.pk)
    assert stranger.value.code == "forbidden"
    shift.sign_handover(agent, handover.pk)
    with pytest.raises(ServiceError) as twice:
        shift.sign_handover(agent, handover.pk)
    assert twice.value.code == "conflict"
    assert [h.pk for h in shift.list_handovers(lead, unsigned=True)] == [handover.pk]
    signed = shift.sign_handover(lead, handover.pk)
    assert (signed.outgoing_staff_no, signed.incoming_staff_no) == ("8011", "8001")
    assert signed.is_signed and signed.incoming_signed_at >= signed.outgoing_signed_at
    assert not shift.list_handovers(lead, unsigned=True).exists()
    with pytest.raises(ServiceError) as agent_list:
        shift.list_handovers(agent, unsigned=True)
    assert agent_list.value.code == "forbidden"


def test_what_a_handover_left_is_counted_for_the_outgoing_person(agent, lead, people):
    day = _shift_and_next()
    kept = found_item(agent, category="cash", description="现金200元")
    services.hand_to_custody(agent, kept.pk, place="保险柜", custodian_name="周会计")
    shift.create_handover(agent, day=day, shift_code="D1", incoming_id=lead.pk)
    shift.create_handover(agent, day=day, shift_code="D1", incoming_id=people["supervisor"].pk)
    left = shift.left_by_person(lead)
    assert left[0]["user"] == agent.pk and left[0]["employee_no"] == "8011"
    assert (left[0]["handovers"], left[0]["matters"]) == (2, 2)
    with pytest.raises(ServiceError) as self_handover:
        shift.create_handover(agent, day=day, shift_code="D1", incoming_id=agent.pk)
    assert self_handover.value.field == "incoming"
    assert Handover.objects.filter(outgoing=agent).count() == 2
    assert DutyRecord.objects.count() == 0


def test_a_day_outside_the_years_is_refused_by_the_service_on_every_path(agent, lead):
    """The API's Day type and the pages' parser both stop 9999, but the rule is the shift's
    own: a caller reaching the service directly gets the same refusal, naming ``day``."""
    shift_around("D1", starts_in=-2 * H)
    for far in (dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1999, 12, 31)):
        for call in (
            lambda far=far: shift.open_record(agent, day=far, shift_code="D1"),
            lambda far=far: shift.create_handover(
                agent, day=far, shift_code="D1", incoming_id=lead.pk
            ),
            lambda far=far: shift.sign_in(agent, day=far, shift_code="D1"),
        ):
            with pytest.raises(ServiceError) as refused:
                call()
            assert (refused.value.code, refused.value.field) == ("invalid", "day")
    assert not DutyRecord.objects.exists() and not Handover.objects.exists()
