"""Severity: major by rule (repeat, loss or injury, government or media, a month unresolved,
collective), with the reasons shown, a supervisor's override, and the time limits following."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from kefu.complaints import services as complaints
from kefu.complaints.models import CollectiveGroup, Complaint, Settings
from kefu.core.errors import ServiceError
from kefu.customers.services import CustomerIn, PhoneIn, create_customer
from kefu.sla.models import Deadline
from kefu.tickets import services as tickets
from kefu.tickets.models import TicketEvent
from tests.complaints.factories import make_complaint

SH = ZoneInfo("Asia/Shanghai")

NO_WATER = [
    "阳光花园小区停水一整天了,也没人通知",
    "我们小区从早上开始就没有水了",
    "小区停水了什么时候来水",
    "家里水龙头不出水,整栋楼都停水了",
    "停水没有提前通知,影响开店",
]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def complaint_of(ticket) -> Complaint:
    return Complaint.objects.get(ticket=ticket)


def due(ticket, code: str) -> str:
    row = Deadline.objects.get(ticket=ticket, code=code)
    return row.due_at.astimezone(SH).strftime("%Y-%m-%d %H:%M")


def test_a_new_complaint_is_general_with_no_reasons(agent):
    complaint = complaint_of(make_complaint(agent))
    assert (complaint.severity, complaint.reasons) == ("general", [])


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"loss_or_injury": True}, "loss_injury"),
        ({"source": "government"}, "government"),
        ({"source": "media"}, "media"),
    ],
)
def test_loss_a_government_source_or_the_media_make_it_major(agent, fields, reason):
    complaint = complaint_of(make_complaint(agent, **fields))
    assert (complaint.severity, complaint.reasons) == ("major", [reason])


def test_five_customers_of_one_area_on_the_same_matter_are_one_collective_case(agent):
    numbers = [f"1380013800{i}" for i in range(5)]
    made = [
        make_complaint(agent, content=text, caller_number=number, area="yhy")
        for text, number in zip(NO_WATER, numbers, strict=True)
    ]
    complaints_ = [complaint_of(t) for t in made]
    assert [c.severity for c in complaints_[:4]] == ["major"] * 4  # raised when the 5th came
    group = CollectiveGroup.objects.get()
    assert {c.group_id for c in complaints_} == {group.id}
    assert all(c.reasons == ["collective"] for c in complaints_)
    # The first four were raised afterwards: their timeline says so, with the reason.
    raised = TicketEvent.objects.get(ticket=made[0], action="severity")
    assert raised.note == "严重程度:重大(集体投诉)"
    # A sixth caller on the matter joins the group at once.
    sixth = make_complaint(
        agent, content="小区停水到现在还没来水", caller_number="13900000006", area="yhy"
    )
    assert complaint_of(sixth).group_id == group.id


def test_repeat_calls_of_one_customer_are_not_a_collective_complaint(agent):
    for text in NO_WATER:
        make_complaint(agent, content=text, caller_number="13800138000", area="yhy")
    assert not CollectiveGroup.objects.exists()


def test_other_matters_or_other_areas_do_not_count(agent):
    others = [
        "抄表员态度恶劣",
        "水费账单金额异常偏高",
        "自来水有异味发黄",
        "维修人员上门迟到两小时",
    ]
    for i, text in enumerate(others):
        make_complaint(agent, content=text, caller_number=f"1380013801{i}", area="yhy")
    make_complaint(agent, content=NO_WATER[0], caller_number="13800138020", area="yhy")
    for i, text in enumerate(NO_WATER[1:]):
        make_complaint(agent, content=text, caller_number=f"1380013803{i}", area="nsh")
    assert not CollectiveGroup.objects.exists()


def test_complaints_outside_the_window_do_not_count(agent, time_machine):
    time_machine.move_to(at("2025-06-02 09:00"), tick=False)
    for i, text in enumerate(NO_WATER[:4]):
        make_complaint(agent, content=text, caller_number=f"1380013804{i}", area="yhy")
    time_machine.move_to(at("2025-06-03 09:01"), tick=False)  # 24 h and a minute later
    make_complaint(agent, content=NO_WATER[4], caller_number="13800138049", area="yhy")
    assert not CollectiveGroup.objects.exists()
    settings = Settings.current()
    settings.collective_window_hours = 48
    settings.save()
    make_complaint(agent, content="小区停水了", caller_number="13800138050", area="yhy")
    assert CollectiveGroup.objects.get().members.count() == 6


def test_a_customers_second_complaint_on_an_unresolved_matter_is_a_major_repeat(agent):
    customer = create_customer(
        CustomerIn(name="王先生", phones=[PhoneIn("13800138111")], area="yhy"), actor=agent
    )
    first = make_complaint(agent, content="水表漏水报修三天了没人来", customer_id=customer.id)
    second = make_complaint(agent, content="水表漏水还是没人来修", customer_id=customer.id)
    complaint = complaint_of(second)
    assert (complaint.severity, complaint.reasons, complaint.repeat_of) == (
        "major",
        ["repeat"],
        first,
    )
    other_matter = make_complaint(agent, content="抄表员态度恶劣", customer_id=customer.id)
    assert complaint_of(other_matter).reasons == []


def test_a_major_complaint_gets_two_working_days_for_its_result(agent, time_machine):
    # 17:20 on the last working day before National Day 2025: the holiday runs 10-01 to
    # 10-08 and Saturday 10-11 is a make-up working day.
    time_machine.move_to(at("2025-09-30 17:20"), tick=False)
    general = make_complaint(agent)
    assert due(general, "result") == "2025-10-09 10:20"  # 10 business minutes + 110 after
    ticket = make_complaint(agent, content="维修挖断燃气管道造成损失", loss_or_injury=True)
    assert due(ticket, "result") == "2025-10-10 17:30"  # the 2nd working day after


def test_becoming_major_moves_the_running_clocks(people, time_machine):
    time_machine.move_to(at("2025-03-17 10:00"), tick=False)
    agent, supervisor = people["agent"], people["supervisor"]
    ticket = make_complaint(agent, content="抄表员态度恶劣")
    assert due(ticket, "result") == "2025-03-17 12:00"
    time_machine.move_to(at("2025-03-17 10:30"), tick=False)
    complaints.override_severity(
        ticket.serial, actor=supervisor, severity="major", reason="多次反映"
    )
    assert due(ticket, "result") == "2025-03-19 17:30"
    complaint = complaint_of(ticket)
    assert (complaint.severity, complaint.reasons, complaint.severity_overridden) == (
        "major",
        ["override"],
        True,
    )


def test_a_supervisor_may_lower_the_severity_and_a_new_reason_raises_it_again(people):
    agent, supervisor = people["agent"], people["supervisor"]
    ticket = make_complaint(agent, source="media")
    complaints.override_severity(
        ticket.serial, actor=supervisor, severity="general", reason="报道与事实不符"
    )
    assert complaint_of(ticket).severity == "general"
    complaints.update_facts(ticket.serial, actor=agent, loss_or_injury=True)
    complaint = complaint_of(ticket)
    assert (complaint.severity, complaint.reasons) == ("major", ["loss_injury", "media"])


def test_only_supervisors_override_and_they_give_a_reason(people):
    agent, lead, supervisor = people["agent"], people["lead"], people["supervisor"]
    ticket = make_complaint(agent)
    for who in (agent, lead):
        with pytest.raises(ServiceError) as refused:
            complaints.override_severity(ticket.serial, actor=who, severity="major", reason="x")
        assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as no_reason:
        complaints.override_severity(ticket.serial, actor=supervisor, severity="major", reason=" ")
    assert no_reason.value.field == "reason"
    assert complaint_of(ticket).severity == "general"


def test_a_responsibility_complaint_unresolved_after_a_month_becomes_major(agent, time_machine):
    time_machine.move_to(at("2025-01-31 10:00"), tick=False)
    ticket = make_complaint(agent, content="维修后路面没有恢复")
    complaints.classify_complaint(ticket.serial, actor=agent, complaint_class="responsible")
    resolved = make_complaint(agent, content="抄表员态度恶劣", complaint_class="not_responsible")
    complaints.record_explanation(resolved.serial, actor=agent, text="已解释")
    tickets.transition_ticket(resolved.serial, actor=agent, action="resolve")
    assert complaints.sweep_unresolved(at("2025-02-28 09:59")) == 0
    assert complaints.sweep_unresolved(at("2025-02-28 10:00")) == 1  # a calendar month
    assert complaints.sweep_unresolved(at("2025-02-28 10:01")) == 0  # never twice
    complaint = complaint_of(ticket)
    assert (complaint.severity, complaint.reasons) == ("major", ["unresolved_month"])
    assert complaint_of(resolved).severity == "general"


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_raise_each_complaint_once(reference_data, time_machine):
    from tests.accounts.factories import make_org, make_person

    make_org()  # committed for real: the sweeps run on connections of their own
    agent = make_person("agent", "agent", number="8011")
    time_machine.move_to(at("2025-01-06 10:00"), tick=False)
    for text in ("维修后路面没有恢复", "抄表员态度恶劣", "水表井盖破损"):
        ticket = make_complaint(agent, content=text)
        complaints.classify_complaint(ticket.serial, actor=agent, complaint_class="responsible")
    results: list[int] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            results.append(complaints.sweep_unresolved(at("2025-02-07 10:00")))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 3
    assert TicketEvent.objects.filter(action="severity").count() == 3
