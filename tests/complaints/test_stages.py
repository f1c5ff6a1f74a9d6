"""The complaint's step indicator on the ticket page: each step done (who, when), the one
whose turn it is, the ones to come, in the order of DOMAIN §2 and by the complaint's class."""

from kefu.accounts.services import display_name
from kefu.complaints import services as complaints
from kefu.complaints.selectors import complaint_page
from kefu.tickets import services as tickets
from kefu.tickets.selectors import get_timeline
from tests.complaints.factories import make_complaint


def stages(ticket, actor):
    ticket.refresh_from_db()
    return [
        (s.key, s.state, s.who) for s in complaint_page(ticket, actor, get_timeline(ticket)).stages
    ]


def test_a_responsibility_complaint_shows_each_step_done_now_and_to_come(people):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    ticket = make_complaint(agent, department="repair")
    department = ticket.department.name
    assert stages(ticket, agent) == [
        ("received", "done", display_name(agent)),
        ("dispatch", "done", display_name(agent)),
        ("classify", "now", department),  # the department it was sent to decides
        ("plan", "next", department),
        ("confirm", "next", "坐席"),
        ("resolve", "next", department),
        ("follow_up", "next", "班长"),
        ("close", "next", "班长"),
    ]
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.classify_complaint(ticket.serial, actor=handler, complaint_class="responsible")
    complaints.propose_plan(ticket.serial, actor=handler, text="更换水表")
    by_key = {k: (state, who) for k, state, who in stages(ticket, agent)}
    assert by_key["classify"] == ("done", display_name(handler))
    assert by_key["plan"] == ("now", "部门负责人")  # proposed: the head's turn to approve
    complaints.decide_plan(ticket.serial, actor=head, approve=True)
    by_key = {k: (state, who) for k, state, who in stages(ticket, agent)}
    assert by_key["plan"] == ("done", display_name(head))
    assert by_key["confirm"] == ("now", "坐席")
    tickets.transition_ticket(ticket.serial, actor=handler, action="request_confirmation")
    complaints.record_confirmation(ticket.serial, actor=agent, method="phone", note="客户确认")
    ticket = tickets.transition_ticket(ticket.serial, actor=agent, action="resolve")
    page = complaint_page(ticket, agent, get_timeline(ticket))
    assert [s.state for s in page.stages] == ["done"] * 6 + ["now", "next"]
    assert all(s.at is not None for s in page.stages if s.state == "done")
    assert [s.at for s in page.stages if s.at] == sorted(s.at for s in page.stages if s.at)


def test_the_middle_step_follows_the_class(people):
    agent = people["agent"]
    explained = make_complaint(agent, complaint_class="not_responsible")
    keys = [k for k, _state, _who in stages(explained, agent)]
    assert keys == ["received", "dispatch", "classify", "explain", "resolve", "follow_up", "close"]
    assisted = make_complaint(agent, complaint_class="assist")
    assert "hotline" in [k for k, _s, _w in stages(assisted, agent)]
    assert "confirm" not in [k for k, _s, _w in stages(assisted, agent)]


def test_a_cancelled_complaint_stops_where_it_was(people):
    agent = people["agent"]
    ticket = make_complaint(agent)
    tickets.transition_ticket(ticket.serial, actor=agent, action="cancel", note="客户撤回")
    states = [state for _k, state, _w in stages(ticket, agent)]
    assert states[0] == "done" and set(states[1:]) == {"stopped"}


def test_the_ticket_page_shows_the_indicator(people, web_as):
    agent = people["agent"]
    ticket = make_complaint(agent, department="repair")
    page = web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()
    assert 'data-testid="stages"' in page
    assert 'data-stage="classify" data-state="now" aria-current="step"' in page
    assert "待" + ticket.department.name + "办理" in page
