"""After a breach: the assignee is told, then every interval one level up the chain —
department head, supervisor, general manager — each step on the timeline and in their inbox,
exactly once, and nothing more once the target is met."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from kefu.notify.models import Notification
from kefu.sla.escalation import escalate
from kefu.sla.models import Deadline
from kefu.sla.services import sweep
from kefu.tickets import services
from kefu.tickets.models import TicketEvent
from tests.tickets.factories import make_ticket

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def inbox(event: str) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(event=event)
        .order_by("id")
        .values_list("user__username", "title")
    )


def test_a_breach_climbs_the_chain_one_level_per_interval(people, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    agent = people["agent"]
    ticket = make_ticket(agent, type="complaint", content="维修人员迟到", department="repair")
    services.assign_ticket(ticket.serial, actor=agent, assignee="handler")
    react = Deadline.objects.get(ticket=ticket, code="react")

    assert sweep(at("2025-03-17 10:08")) == (1, 0)  # react at 80 %
    assert inbox("sla.warning") == [("handler", f"时限预警:工单 {ticket.serial}")]
    assert sweep(at("2025-03-17 10:10")) == (0, 1)
    assert inbox("sla.breach") == [("handler", f"已超时:工单 {ticket.serial}")]
    react.refresh_from_db()
    assert (react.escalation_level, react.next_escalation_at) == (1, at("2025-03-17 11:10"))

    assert escalate(at("2025-03-17 11:09")) == 0
    assert escalate(at("2025-03-17 11:10")) == 1
    assert escalate(at("2025-03-17 11:10")) == 0  # never twice
    assert escalate(at("2025-03-17 12:10")) == 1
    assert escalate(at("2025-03-17 13:10")) == 1
    assert escalate(at("2025-03-17 18:00")) == 0  # the general manager is the top
    assert inbox("sla.escalation") == [
        ("head", f"升级至部门负责人:工单 {ticket.serial}"),
        ("supervisor", f"升级至客服主管:工单 {ticket.serial}"),
        ("gm", f"升级至总经理:工单 {ticket.serial}"),
    ]
    notes = TicketEvent.objects.filter(ticket=ticket, action="escalation").values_list(
        "note", flat=True
    )
    assert list(notes) == [
        "部门响应 超时未完成,已升级至部门负责人:赵军",
        "部门响应 超时未完成,已升级至客服主管:supervisor",
        "部门响应 超时未完成,已升级至总经理:gm",
    ]


def test_meeting_the_target_stops_the_chain(people, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    agent, handler = people["agent"], people["dept_handler"]
    ticket = make_ticket(agent, type="complaint", content="维修人员迟到", department="repair")
    sweep(at("2025-03-17 10:10"))
    # Unassigned: the whole department hears of the breach.
    assert sorted(u for u, _t in inbox("sla.breach")) == ["handler", "head"]
    time_machine.move_to(at("2025-03-17 10:40"), tick=False)
    services.transition_ticket(ticket.serial, actor=handler, action="start")
    assert Deadline.objects.get(ticket=ticket, code="react").state == "late"
    assert escalate(at("2025-03-17 11:10")) == 0
    assert inbox("sla.escalation") == []


def test_an_empty_level_is_passed_over(people, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    ticket = make_ticket(people["agent"], type="complaint", content="热线长时间无人接听")
    sweep(at("2025-03-17 10:10"))  # transmit breached; no department yet
    assert inbox("sla.breach") == [("lead", f"已超时:工单 {ticket.serial}")]
    assert escalate(at("2025-03-17 11:10")) == 1  # no department head: the supervisor
    assert inbox("sla.escalation") == [("supervisor", f"升级至客服主管:工单 {ticket.serial}")]


@pytest.mark.django_db(transaction=True)
def test_two_workers_escalating_at_once_take_each_step_once(reference_data, time_machine):
    from tests.accounts.factories import make_org, make_personas

    make_personas(make_org())
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    from django.contrib.auth import get_user_model

    agent = get_user_model().objects.get(username="agent")
    for content in ("维修人员迟到", "抄表员态度差", "水压不足"):
        make_ticket(agent, type="complaint", content=content, department="repair")
    sweep(at("2025-03-17 10:10"))
    results: list[int] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            results.append(escalate(at("2025-03-17 11:10")))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 3
    assert Notification.objects.filter(event="sla.escalation").count() == 3


def test_an_urgent_help_nobody_took_ages_and_escalates_at_night(people, time_machine):
    # 老人独居家中停水 on a Friday night, saved without a department: round-the-clock limits.
    time_machine.move_to(at("2025-03-14 21:48"), tick=False)
    ticket = make_ticket(
        people["agent"], type="help", priority="urgent", content="老人独居家中停水,请求送水"
    )
    due = {d.code: d.due_at for d in Deadline.objects.filter(ticket=ticket)}
    assert due == {"transmit": at("2025-03-14 21:58"), "result": at("2025-03-15 21:48")}
    assert sweep(at("2025-03-14 21:58")) == (0, 1)  # not sent on within 10 minutes, at night
    assert inbox("sla.breach") == [("lead", f"已超时:工单 {ticket.serial}")]
    # Every 30 minutes one level up: nobody heads a department it is not in; the supervisor.
    assert escalate(at("2025-03-14 22:28")) == 1
    assert inbox("sla.escalation") == [("supervisor", f"升级至客服主管:工单 {ticket.serial}")]
