"""Who hears of each complaint step: the department when it arrives, the head when a plan
waits, the proposer when it is decided, the managers of a major complaint, the department
again when the customer is not satisfied — each once."""

from kefu.complaints import services as complaints
from kefu.notify.models import Notification
from kefu.tickets import services as tickets
from tests.complaints.factories import make_complaint, resolve_responsible


def inbox() -> list[tuple[str, str]]:
    return list(Notification.objects.order_by("id").values_list("event", "user__username"))


def test_each_step_tells_the_people_who_act_next(people):
    agent, handler, head, gm = (
        people["agent"],
        people["dept_handler"],
        people["dept_head"],
        people["gm"],
    )
    ticket = make_complaint(agent, department="repair", loss_or_injury=True)
    assert sorted(inbox()) == sorted(
        [
            ("complaint.major", "supervisor"),
            ("complaint.major", "gm"),
            ("complaint.assigned", "handler"),
            ("complaint.assigned", "head"),
        ]
    )
    Notification.objects.all().delete()
    ticket = resolve_responsible(ticket, agent=agent, handler=handler, head=head, gm=gm)
    assert inbox() == [
        ("complaint.plan_submitted", "head"),
        ("complaint.plan_submitted", "gm"),
        ("complaint.plan_decided", "handler"),
    ]
    Notification.objects.all().delete()
    complaints.record_unsatisfied(ticket.serial, actor=agent, words="赔偿太少")
    assert sorted(inbox()) == [
        ("complaint.unsatisfied", "handler"),
        ("complaint.unsatisfied", "head"),
    ]
    body = Notification.objects.filter(user=handler).get().body
    assert "客户不满意" in body and "赔偿太少" in body


def test_a_transfer_tells_the_new_department_only(people):
    agent = people["agent"]
    ticket = make_complaint(agent)
    assert inbox() == []
    tickets.transition_ticket(ticket.serial, actor=agent, action="dispatch", department="billing")
    assert inbox() == [("complaint.assigned", "billing")]
