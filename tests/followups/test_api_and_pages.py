"""The callback API and pages call the same services: lists, detail, attempts, manual tasks;
refused roles get 403 and change nothing; phone numbers masked by permission."""

import datetime as dt

import pytest

from kefu.followups.models import Attempt, CallbackTask
from kefu.tickets.models import TicketEvent
from tests.followups.factories import resolved_complaint, resolved_repair


@pytest.fixture
def task(people):
    ticket = resolved_complaint(people, caller_number="13812345678", contact_name="王先生")
    return CallbackTask.objects.get(ticket=ticket)


def test_the_api_lists_mine_open_and_overdue(people, task, api_as, time_machine):
    agent_api = api_as(people["agent"])
    mine = agent_api.get("/followups", {"view": "mine"}).json()
    assert (mine["count"], mine["items"][0]["id"], mine["items"][0]["phone"]) == (
        1,
        task.id,
        "13812345678",
    )
    assert api_as(people["lead"]).get("/followups").json()["count"] == 0  # not the lead's
    assert api_as(people["lead"]).get("/followups", {"view": "open"}).json()["count"] == 1
    assert agent_api.get("/followups", {"view": "overdue"}).json()["count"] == 0
    time_machine.move_to(task.due_at + dt.timedelta(minutes=1))
    overdue = agent_api.get("/followups", {"view": "overdue"}).json()
    assert [(i["id"], i["overdue"]) for i in overdue["items"]] == [(task.id, True)]
    quality = api_as(people["quality"]).get(f"/followups/{task.id}").json()
    assert quality["phone"] == "138****5678"


def test_an_attempt_through_the_api_follows_the_ticket_up(people, task, api_as):
    reply = api_as(people["agent"]).post(
        f"/followups/{task.id}/attempts",
        {"outcome": "satisfied", "note": "客户满意", "score": 5, "comment": "很好"},
    )
    assert reply.status_code == 201
    body = reply.json()
    assert (body["state"], body["outcome"], body["attempts"]) == ("done", "satisfied", 1)
    assert [(h["number"], h["outcome"], h["note"], h["actor"]) for h in body["history"]] == [
        (1, "satisfied", "客户满意", "李娜")
    ]
    task.ticket.refresh_from_db()
    assert task.ticket.status == "followed_up"


@pytest.mark.parametrize("persona", ["dept_handler", "quality"])
def test_the_api_refuses_other_roles_with_403_and_changes_nothing(people, task, api_as, persona):
    events = TicketEvent.objects.count()
    reply = api_as(people[persona]).post(f"/followups/{task.id}/attempts", {"outcome": "satisfied"})
    assert (reply.status_code, reply.json()["code"]) == (403, "forbidden")
    assert reply.json()["detail"] == "只有客服中心坐席、班长和主管可以回访"
    task.refresh_from_db()
    assert (task.state, task.attempts, Attempt.objects.count()) == ("open", 0, 0)
    assert TicketEvent.objects.count() == events


def test_the_api_says_not_found_and_invalid_in_one_shape(people, task, api_as):
    api = api_as(people["agent"])
    missing = api.post("/followups/999999/attempts", {"outcome": "satisfied"})
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert api.get("/followups/99999999999999999999999").status_code in (404, 422)
    bad = api.post(f"/followups/{task.id}/attempts", {"outcome": "satisfied", "score": 6})
    assert (bad.status_code, bad.json()["field"]) == (422, "score")
    words = api.post(f"/followups/{task.id}/attempts", {"outcome": "unsatisfied"})
    assert (words.status_code, words.json()["field"]) == (422, "note")
    assert api.get("/followups", {"view": "everything"}).status_code == 422


def test_a_manual_task_through_the_api(people, api_as):
    ticket = resolved_repair(people)
    reply = api_as(people["agent"]).post(
        "/followups", {"serial": ticket.serial, "purpose": "after_sales", "method": "sms"}
    )
    assert reply.status_code == 201
    assert (reply.json()["serial"], reply.json()["method"], reply.json()["state"]) == (
        ticket.serial,
        "sms",
        "open",
    )
    again = api_as(people["agent"]).post("/followups", {"serial": ticket.serial})
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    refused = api_as(people["dept_handler"]).post("/followups", {"serial": ticket.serial})
    assert refused.status_code == 403


def test_the_pages_list_and_record_a_callback(people, task, web_as):
    client = web_as(people["agent"])
    listing = client.get("/followups/")
    text = listing.content.decode()
    assert listing.status_code == 200
    assert task.ticket.serial in text and "13812345678" in text and "我的回访" in text
    detail = client.get(f"/followups/{task.id}/")
    assert detail.status_code == 200 and "记录回访" in detail.content.decode()
    saved = client.post(
        f"/followups/{task.id}/attempt", {"outcome": "unreachable", "note": "无人接听"}
    )
    assert (saved.status_code, saved["Location"]) == (302, f"/followups/{task.id}/")
    task.refresh_from_db()
    assert (task.state, task.attempts) == ("open", 1)
    ticket_page = client.get(f"/tickets/{task.ticket.serial}/").content.decode()
    assert f'href="/followups/{task.id}/"' in ticket_page


def test_the_quality_inspector_sees_masked_numbers_and_cannot_record(people, task, web_as):
    client = web_as(people["quality"])
    text = client.get("/followups/?view=open").content.decode()
    assert "138****5678" in text and "13812345678" not in text
    assert "记录回访" not in client.get(f"/followups/{task.id}/").content.decode()
    refused = client.post(f"/followups/{task.id}/attempt", {"outcome": "satisfied"})
    assert refused.status_code == 403
    assert "只有客服中心坐席、班长和主管可以回访" in refused.content.decode()
    task.refresh_from_db()
    assert task.attempts == 0


def test_a_get_never_records_anything(people, task, web_as):
    client = web_as(people["agent"])
    assert client.get(f"/followups/{task.id}/attempt?outcome=satisfied").status_code == 405
    task.refresh_from_db()
    assert task.attempts == 0


def test_the_task_list_costs_two_queries_whatever_its_length(people, django_assert_num_queries):
    from kefu.accounts.services import staff_of
    from kefu.followups import selectors

    for n in range(3):
        resolved_complaint(people, content=f"第{n}号楼停水未通知")
    lead = people["lead"]
    staff_of(lead)  # the role, read once per request
    with django_assert_num_queries(2):
        page = selectors.list_tasks(lead, view="open")
        names = [t.assignee.staff.display_name for t in page.items]
    assert (page.count, names) == (3, ["李娜", "李娜", "李娜"])
