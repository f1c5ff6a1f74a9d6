"""Time limits: the default complaint policies and the preview the agent reads to the customer."""

import datetime as dt

import pytest

from kefu.core.models import CalendarDay
from kefu.sla.models import Policy, Target
from kefu.sla.services import choose_policy

SH = "+08:00"


def _preview(api, **body):
    response = api.post("/sla/preview", body)
    assert response.status_code == 200, response.content
    data = response.json()
    return data["policy"], {d["code"]: d["due"] for d in data["deadlines"]}, data


def test_general_complaint_on_a_friday_afternoon(agent, api_as):
    policy, due, _ = _preview(
        api_as(agent), type="complaint", received_at="2025-03-14T16:50:00" + SH
    )
    assert policy == "投诉·一般"
    assert due == {
        "transmit": "2025-03-14T17:00:00+08:00",  # 10 minutes, whatever the hour
        "react": "2025-03-14T17:10:00+08:00",  # 10 minutes after it reaches the department
        "result": "2025-03-17T09:50:00+08:00",  # 2 business hours: 40 min Friday, 80 Monday
    }


def test_major_complaint_result_and_callback_in_working_days(agent, api_as):
    policy, due, _ = _preview(
        api_as(agent),
        type="complaint",
        severity="major",
        received_at="2025-09-30T10:00:00" + SH,
        resolved_at="2025-10-10T11:00:00" + SH,
    )
    assert policy == "投诉·重大"
    assert due["result"] == "2025-10-10T17:30:00+08:00"  # over the National Day week
    assert due["callback"] == "2025-10-13T17:30:00+08:00"  # Saturday 11th is a make-up day


def test_assist_complaint_callback_in_calendar_days(agent, api_as):
    policy, due, _ = _preview(
        api_as(agent),
        type="complaint",
        complaint_class="assist",
        received_at="2025-09-29T09:00:00" + SH,
        dispatched_at="2025-09-29T09:03:00" + SH,
        resolved_at="2025-09-30T15:00:00" + SH,
    )
    assert policy == "协助处理投诉·一般"
    assert due["react"] == "2025-09-29T09:13:00+08:00"  # from the actual dispatch
    assert due["callback"] == "2025-10-03T23:59:59+08:00"  # holidays count


def test_a_year_without_schedule_is_reported_not_refused(agent, api_as):
    _, due, data = _preview(
        api_as(agent), type="complaint", severity="major", received_at="2026-12-31T10:00:00" + SH
    )
    assert due["result"] == "2027-01-04T17:30:00+08:00"
    assert data["unknown_years"] == [2027]


def test_a_closure_moves_the_deadline(agent, api_as):
    CalendarDay.objects.create(date=dt.date(2025, 3, 17), kind="closure", name="停电停业")
    _, due, _ = _preview(api_as(agent), type="complaint", received_at="2025-03-14T16:50:00" + SH)
    assert due["result"] == "2025-03-18T09:50:00+08:00"


@pytest.mark.parametrize(
    "type_code", ["repair", "inquiry", "help", "report", "lookup", "suggestion", "order"]
)
def test_every_type_gets_an_answer_within_three_days(agent, api_as, type_code):
    # Friday 21:48: three days, holidays and weekends included (三日内反馈).
    policy, due, _ = _preview(api_as(agent), type=type_code, received_at="2025-03-14T21:48:00" + SH)
    assert due["result"] == "2025-03-17T23:59:59+08:00"
    assert policy == ("报修·一般" if type_code == "repair" else "各类诉求·三日答复")


@pytest.mark.parametrize("type_code", ["repair", "help", "report"])
def test_an_urgent_request_runs_round_the_clock(agent, api_as, type_code):
    # A kitchen flooding at 21:48 on a Friday: due that night, not on Monday.
    policy, due, _ = _preview(
        api_as(agent),
        type=type_code,
        priority="urgent",
        received_at="2025-03-14T21:48:00" + SH,
    )
    assert policy == "紧急诉求·全天候"
    assert due == {
        "transmit": "2025-03-14T21:58:00+08:00",
        "react": "2025-03-14T23:58:00+08:00",  # on the spot within 2 hours of dispatch
        "result": "2025-03-15T21:48:00+08:00",
    }


def test_an_urgent_complaint_keeps_the_complaint_limits(agent, api_as):
    policy, _, _ = _preview(
        api_as(agent), type="complaint", priority="urgent", received_at="2025-03-14T10:00:00" + SH
    )
    assert policy == "投诉·一般"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "nope", "received_at": "2025-03-14T10:00:00+08:00"}, "type"),
        ({"type": "complaint", "received_at": "昨天"}, "received_at"),
        (
            {"type": "complaint", "received_at": "2025-03-14T10:00:00+08:00", "severity": "x"},
            "severity",
        ),
        (
            {
                "type": "complaint",
                "received_at": "2025-03-14T10:00:00+08:00",
                "resolved_at": "2025-03-13T10:00:00+08:00",
            },
            "resolved_at",
        ),
        ({"type": "complaint", "received_at": "1900-01-01T00:00:00+08:00"}, "received_at"),
    ],
)
def test_bad_input_names_the_field(agent, api_as, body, field):
    response = api_as(agent).post("/sla/preview", body)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_the_most_specific_policy_wins(db):
    from kefu.tickets.models import TicketType

    complaint = TicketType.objects.get(code="complaint")
    assert choose_policy("complaint", severity="major", complaint_class="assist").name == (
        "协助处理投诉·重大"
    )
    phone_only = Policy.objects.create(
        name="电话投诉·一般", ticket_type=complaint, severity="general", channel="phone"
    )
    Target.objects.create(
        policy=phone_only,
        code="result",
        name="处理结果",
        start="received",
        clock="minutes",
        amount=60,
    )
    assert choose_policy("complaint", severity="general", channel="phone") == phone_only
    assert choose_policy("complaint", severity="general", channel="web").name == "投诉·一般"
    phone_only.is_active = False
    phone_only.save()
    assert choose_policy("complaint", severity="general", channel="phone").name == "投诉·一般"
