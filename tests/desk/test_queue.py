"""The queue shows what is due: each role opens on its own open work, the next due time with
its countdown (overdue in red) sorts first, any column sorts, the open statuses are counted,
views are saved, and one step is taken on several tickets at once — by the page and the API."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from kefu.desk.models import SavedView
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.selectors import SORTS
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def serials(page: str) -> list[str]:
    """The queue's rows, in order."""
    return re.findall(r'<tr data-serial="(\d+)"', page)


@pytest.fixture
def floor(people, time_machine):
    """An agent's morning: a repair from yesterday now overdue, a fresh complaint due soon, an
    inquiry with no time limit, one taken by a colleague, one closed, and the repair
    department's own."""
    agent, lead = people["agent"], people["lead"]
    time_machine.move_to(at("2025-03-17 09:00"), tick=False)
    late = make_ticket(agent, type="repair", content="昨天报修的水管还在漏")
    time_machine.move_to(at("2025-03-20 10:00"), tick=False)
    soon = make_ticket(agent, type="complaint", content="抄表员态度恶劣")
    plain = make_ticket(agent, type="suggestion", content="建议增加缴费网点")
    theirs = make_ticket(agent, content="同事在处理的报修")
    tickets.assign_ticket(theirs.serial, actor=lead, assignee="lead")
    closed = make_ticket(agent, content="已处理完的报修")
    for action in ("resolve", "close"):
        tickets.transition_ticket(closed.serial, actor=agent, action=action)
    departments = make_ticket(agent, content="维修部的工单", department="repair")
    tickets.assign_ticket(departments.serial, actor=lead, assignee="handler")
    return {
        "late": late,
        "soon": soon,
        "plain": plain,
        "theirs": theirs,
        "closed": closed,
        "department": departments,
    }


def test_an_agent_opens_on_their_open_work_due_soonest_first(agent, web_as, floor):
    page = web_as(agent).get("/tickets/").content.decode()
    rows = serials(page)
    # Mine and nobody's, open only; what is overdue first, no time limit last.
    assert floor["theirs"].serial not in rows and floor["closed"].serial not in rows
    assert rows[0] == floor["late"].serial
    assert rows.index(floor["soon"].serial) < rows.index(floor["plain"].serial)
    assert Ticket.objects.get(pk=floor["plain"].pk).due_at is None or rows[-1] != rows[0]
    late_row = page.split(f'data-serial="{floor["late"].serial}"')[1].split("</tr>")[0]
    assert 'class="due overdue"' in late_row and "超时 " in late_row
    soon_row = page.split(f'data-serial="{floor["soon"].serial}"')[1].split("</tr>")[0]
    assert "剩 " in soon_row and "overdue" not in soon_row
    # The open statuses, counted for the same view.
    counts = page.split('data-testid="status-counts"')[1].split("</p>")[0]
    shown = dict(re.findall(r'data-status="(\w+)">[^<]*?(\d+)</a>', counts))
    expected = {}
    for t in Ticket.objects.filter(serial__in=rows):
        expected[t.status] = expected.get(t.status, 0) + 1
    assert {k: int(v) for k, v in shown.items() if int(v)} == expected


def test_a_department_handler_lands_on_their_departments_queue(dept_handler, web_as, floor):
    client = web_as(dept_handler)
    landing = client.get("/")
    assert (landing.status_code, landing.url) == (302, "/tickets/")
    page = client.get("/tickets/").content.decode()
    assert serials(page) == [floor["department"].serial]
    # Their batch steps are their own: no 受理 or 撤销 on the bar.
    bar = page.split('data-testid="bulk-action"')[1].split("</select>")[0]
    assert "开始处理" in bar and "撤销" not in bar and "受理" not in bar.replace("处理", "")


@pytest.mark.parametrize("key", list(SORTS))
def test_every_column_sorts_both_ways(agent, web_as, api_as, floor, key):
    client = web_as(agent)
    up = serials(client.get("/tickets/", {"view": "all", "sort": key}).content.decode())
    down = serials(client.get("/tickets/", {"view": "all", "sort": f"-{key}"}).content.decode())
    assert sorted(up) == sorted(down) and len(up) == 6
    api = api_as(agent).get("/tickets", {"view": "all", "sort": key})
    assert [t["serial"] for t in api.json()["items"]] == up
    if key == "serial":
        assert up == sorted(up) and down == sorted(up, reverse=True)
    if key == "due":  # the tickets with no time limit last, both ways
        dues = {t.serial: t.due_at for t in Ticket.objects.all()}
        timed_up = [s for s in up if dues[s] is not None]
        assert up[: len(timed_up)] == timed_up == sorted(timed_up, key=lambda s: dues[s])
        timed_down = [s for s in down if dues[s] is not None]
        assert down[: len(timed_down)] == timed_down
        assert timed_down == sorted(timed_down, key=lambda s: dues[s], reverse=True)


def test_a_bad_sort_is_refused_by_the_api_and_ignored_by_the_page(agent, web_as, api_as, floor):
    assert api_as(agent).get("/tickets", {"sort": "content; drop"}).status_code == 422
    assert web_as(agent).get("/tickets/", {"view": "all", "sort": "x"}).status_code == 200


def test_the_api_gives_the_due_time_and_the_counts(agent, api_as, floor):
    api = api_as(agent)
    body = api.get(f"/tickets/{floor['late'].serial}").json()
    assert body["due_at"] is not None
    assert dt.datetime.fromisoformat(body["due_at"]) < at("2025-03-20 10:00")
    counts = api.get("/tickets/counts", {"view": "work"}).json()
    listed = api.get("/tickets", {"view": "work", "per_page": 100}).json()["items"]
    assert sum(counts.values()) == len(listed)
    assert "closed" not in counts


def test_one_step_on_several_tickets_says_what_was_refused(agent, web_as, floor):
    client = web_as(agent)
    chosen = [floor["soon"].serial, floor["plain"].serial, floor["closed"].serial]
    response = client.post(
        "/tickets/bulk",
        {"serial": chosen, "action": "dispatch", "department": "repair", "query": "view=all"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/tickets/?view=all"
    page = response.content.decode()
    assert "已处理 2 张" in page
    assert f"{floor['closed'].serial} 未处理" in page
    for key in ("soon", "plain"):
        assert Ticket.objects.get(pk=floor[key].pk).department.code == "repair"
    assert Ticket.objects.get(pk=floor["closed"].pk).status == "closed"


def test_the_api_assigns_several_and_refuses_what_the_role_may_not(
    agent, dept_handler, api_as, floor
):
    mine = [floor["soon"].serial, floor["plain"].serial]
    done = api_as(agent).post(
        "/tickets/bulk", {"serials": mine, "action": "assign", "assignee": "lead"}
    )
    assert done.status_code == 200, done.content
    assert done.json() == {"done": mine, "refused": []}
    assert set(
        Ticket.objects.filter(serial__in=mine).values_list("assignee__username", flat=True)
    ) == {"lead"}
    # A handler cancelling: refused for each, with the reason; one they cannot see reads as
    # not found, never as someone else's.
    refused = (
        api_as(dept_handler)
        .post(
            "/tickets/bulk",
            {
                "serials": [floor["department"].serial, floor["soon"].serial],
                "action": "cancel",
                "note": "重复",
            },
        )
        .json()
    )
    assert refused["done"] == []
    assert [r["serial"] for r in refused["refused"]] == [
        floor["department"].serial,
        floor["soon"].serial,
    ]
    assert Ticket.objects.get(pk=floor["department"].pk).status != "cancelled"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"serials": [], "action": "accept"}, "请先勾选工单"),
        ({"serials": [str(n) for n in range(101)], "action": "accept"}, "最多"),
        ({"serials": ["1"], "action": "explode"}, "无效的操作"),
    ],
)
def test_a_bad_batch_is_refused_whole(agent, api_as, body, message):
    response = api_as(agent).post("/tickets/bulk", body)
    assert response.status_code == 422
    assert message in str(response.json())


def test_views_are_saved_replaced_and_removed_by_their_owner(agent, lead, web_as, api_as, floor):
    client = web_as(agent)
    client.post(
        "/tickets/views", {"name": "超时的报修", "query": "view=work&type=repair&sort=due&page=3"}
    )
    view = SavedView.objects.get()
    assert view.query == "view=work&type=repair&sort=due"  # the page is not a view's
    page = client.get("/tickets/", {"view": "all"}).content.decode()
    assert "超时的报修" in page and "view=work&amp;type=repair&amp;sort=due" in page
    # The same name again replaces it; the API lists it.
    api = api_as(agent)
    again = api.post("/tickets/views", {"name": "超时的报修", "query": "view=open&sort=-priority"})
    assert again.status_code == 201
    assert api.get("/tickets/views").json() == [
        {"id": view.id, "name": "超时的报修", "query": "view=open&sort=-priority"}
    ]
    # Nobody else sees or removes it; its owner takes it off the list (kept).
    assert api_as(lead).get("/tickets/views").json() == []
    assert api_as(lead).delete(f"/tickets/views/{view.id}").status_code == 404
    assert api.delete(f"/tickets/views/{view.id}").status_code == 204
    assert api.get("/tickets/views").json() == []
    assert SavedView.objects.filter(pk=view.id, is_active=False).exists()
    assert api.delete("/tickets/views/99999999999999999999").status_code in (404, 422)
    nameless = client.post("/tickets/views", {"name": " ", "query": "view=all"}, follow=True)
    assert "请填写视图名称" in nameless.content.decode()


def test_who_reads_but_does_not_act_gets_no_batch_bar(people, web_as, floor):
    page = web_as(people["quality"]).get("/tickets/", {"view": "all"}).content.decode()
    assert serials(page) and 'data-testid="bulk"' not in page and 'name="serial"' not in page
    head = web_as(people["dept_head"]).get("/tickets/").content.decode()
    bar = head.split('data-testid="bulk-action"')[1].split("</select>")[0]
    assert "指派" in bar and "撤销" not in bar
