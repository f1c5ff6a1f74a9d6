"""Deadlines stored on complaint tickets, fulfilled by their actions, swept for warnings and
breaches exactly once."""

import datetime as dt
from zoneinfo import ZoneInfo

from kefu.complaints import services as complaints
from kefu.sla.models import Deadline
from kefu.sla.services import sweep
from kefu.tickets import services
from kefu.tickets.models import TicketEvent
from tests.tickets.factories import make_ticket

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def states(ticket) -> dict:
    return {d.code: d.state for d in Deadline.objects.filter(ticket=ticket)}


def test_a_complaint_gets_its_deadlines_and_actions_fulfil_them(agent, dept_handler, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_ticket(agent, type="complaint", content="抄表员态度恶劣")
    rows = {d.code: d for d in Deadline.objects.filter(ticket=ticket)}
    assert {c: timezone_str(d.due_at) for c, d in rows.items()} == {
        "transmit": "2025-03-17 10:10",
        "result": "2025-03-17 12:00",
    }
    assert timezone_str(rows["transmit"].warn_at) == "2025-03-17 10:08"  # at 80%
    time_machine.move_to(at("2025-03-17 10:05"), tick=False)
    services.transition_ticket(ticket.serial, actor=agent, action="dispatch", department="repair")
    assert states(ticket) == {"transmit": "met", "result": "pending", "react": "pending"}
    time_machine.move_to(at("2025-03-17 10:30"), tick=False)  # the department is late
    services.transition_ticket(ticket.serial, actor=dept_handler, action="start")
    complaints.classify_complaint(
        ticket.serial, actor=dept_handler, complaint_class="not_responsible"
    )
    complaints.record_explanation(ticket.serial, actor=dept_handler, text="抄表员按规定上门")
    services.transition_ticket(ticket.serial, actor=dept_handler, action="resolve")
    assert states(ticket) == {
        "transmit": "met",
        "react": "late",
        "result": "met",
        # Counted from resolution (2 working days), and stopped at once: no callback is due
        # for a complaint outside the company's responsibility (kefu.followups rules).
        "callback": "cancelled",
    }
    callback = Deadline.objects.get(ticket=ticket, code="callback")
    assert timezone_str(callback.due_at) == "2025-03-19 17:30"


def timezone_str(value: dt.datetime) -> str:
    return value.astimezone(SH).strftime("%Y-%m-%d %H:%M")


def test_the_api_shows_deadlines_at_intake_and_on_the_ticket(agent, api_as):
    api = api_as(agent)
    created = api.post(
        "/tickets",
        {"type": "complaint", "channel": "phone", "content": "水费异常", "department": "billing"},
    ).json()
    assert {d["code"]: d["state"] for d in created["deadlines"]} == {
        "transmit": "met",
        "react": "pending",
        "result": "pending",
    }
    detail = api.get(f"/tickets/{created['serial']}").json()
    assert [d["code"] for d in detail["deadlines"]] == [d["code"] for d in created["deadlines"]]
    # Every type has its limits: a repair is sent on and answered within three days.
    repair = api.post("/tickets", {"type": "repair", "channel": "phone", "content": "漏水"})
    assert {d["code"]: d["state"] for d in repair.json()["deadlines"]} == {
        "transmit": "pending",
        "result": "pending",
    }


def test_sweep_warns_then_breaches_once_each(agent, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_ticket(agent, type="complaint", content="维修人员迟到")
    assert sweep(at("2025-03-17 10:07")) == (0, 0)
    assert sweep(at("2025-03-17 10:08")) == (1, 0)  # transmit at 80%
    assert sweep(at("2025-03-17 10:09")) == (0, 0)  # never twice
    assert sweep(at("2025-03-17 10:10")) == (0, 1)
    assert sweep(at("2025-03-17 10:11")) == (0, 0)
    notes = list(
        TicketEvent.objects.filter(ticket=ticket, kind="sla").values_list("action", "note")
    )
    assert notes == [
        ("warning", "转至责任部门 即将超时(期限 2025-03-17 10:10)"),
        ("breach", "转至责任部门 已超时(期限 2025-03-17 10:10)"),
    ]
    # Dispatched late: the breached target is recorded as met late.
    time_machine.move_to(at("2025-03-17 10:20"), tick=False)
    services.transition_ticket(ticket.serial, actor=agent, action="dispatch", department="repair")
    assert states(ticket)["transmit"] == "late"


def test_cancelling_stops_the_clocks(agent, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_ticket(agent, type="complaint", content="重复来电")
    services.transition_ticket(ticket.serial, actor=agent, action="cancel", note="客户撤回")
    assert set(states(ticket).values()) == {"cancelled"}
    assert sweep(at("2025-03-18 10:00")) == (0, 0)
