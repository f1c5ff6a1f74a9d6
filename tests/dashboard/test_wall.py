"""The wall screen (大屏): the active notices and the floor's figures, scoped to the viewer, in a
fixed number of queries; center staff only."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from kefu.accounts.models import Role
from kefu.dispatch import sending
from kefu.dispatch import services as dispatch
from kefu.dispatch.models import DispatchMessage
from kefu.notices.services import add_notice_update, close_notice
from kefu.sla.services import sweep
from kefu.tickets.services import transition_ticket
from tests.accounts.factories import make_person
from tests.dispatch.factories import make_field, make_order
from tests.notices.factories import make_notice
from tests.tickets.factories import make_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)  # a Tuesday, a working day
TWO_WEEKS_AGO = dt.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)


def figure(html: str, testid: str) -> int:
    """The number shown in the tile (or sub-figure) with ``data-testid=testid``."""
    found = re.search(
        rf'data-testid="{testid}"[^>]*>(?:.*?<(?:span class="num"[^>]*|dd)>)?(\d+)', html, re.S
    )
    assert found, f"no figure {testid}"
    return int(found.group(1))


@pytest.fixture
def floor(org, people, time_machine):
    """Tickets and work orders in known states; the clock stops at NOW (Tuesday 10:00)."""
    agent, lead, sz_agent = people["agent"], people["lead"], people["sz_agent"]
    field = make_field(org, people)
    fitter = field["fitter"]

    # Two weeks ago: a complaint still open — its time limit to react passes and the sweep
    # marks it breached — and a repair cancelled.
    time_machine.move_to(TWO_WEEKS_AGO, tick=False)
    old_open = make_ticket(agent, type="complaint", content="维修人员迟到", department="repair")
    old_cancelled = make_ticket(agent, content="咨询水价")
    transition_ticket(old_cancelled.serial, actor=agent, action="cancel", note="客户撤回")
    time_machine.move_to(NOW - dt.timedelta(hours=2), tick=False)
    sweep()

    # This morning: two open (one urgent), one cancelled, one at the Shenzhen branch.
    time_machine.move_to(NOW - dt.timedelta(hours=1), tick=False)
    make_ticket(agent, content="厨房水管漏水")
    make_ticket(agent, content="水管爆裂,水漫进屋", priority="urgent")
    cancelled = make_ticket(agent, content="误报")
    transition_ticket(cancelled.serial, actor=agent, action="cancel", note="客户撤回")
    make_ticket(sz_agent, content="南山小区水压低", branch="sz")

    # Work orders, one in each state; four were due an hour ago.
    time_machine.move_to(NOW - dt.timedelta(minutes=30), tick=False)
    make_order(lead)  # pending
    make_order(lead, department="sz-repair", area="nsh", address="南山海岸城1栋")  # pending, sz

    def through(order, *actions, by=fitter):
        for action in actions:
            dispatch.transition_order(order.serial, actor=by, action=action, note="现场情况")
        return order

    through(make_order(lead, dispatch_to=fitter), "accept")
    through(make_order(lead, dispatch_to=fitter), "accept", "depart")
    through(make_order(lead, dispatch_to=fitter), "accept", "depart", "arrive")
    # Ordered last Thursday: a repair's 4 working hours ran out long ago. 陈师傅's phone is
    # not on file, so each order sent to him fails its SMS and opens a phone-call task.
    helper = field["helper"]
    helper.staff.phone = ""
    helper.staff.save(update_fields=["phone"])
    thursday = NOW - dt.timedelta(days=5)
    make_order(lead, dispatch_to=helper, ordered_at=thursday)
    through(make_order(lead, dispatch_to=helper, ordered_at=thursday), "return", by=helper)
    # Done in the field before its due time ran out: not overdue, whatever the clock says.
    late_completed = through(
        make_order(lead, dispatch_to=fitter, ordered_at=thursday), "accept", "arrive"
    )
    dispatch.complete_order(late_completed.serial, actor=fitter, result="已修好")
    late_closed = through(
        make_order(lead, dispatch_to=helper, ordered_at=thursday), "accept", "arrive", by=helper
    )
    dispatch.complete_order(late_closed.serial, actor=helper, result="已修好")
    dispatch.transition_order(late_closed.serial, actor=lead, action="close")
    cancelled_order = make_order(lead, ordered_at=thursday)
    dispatch.transition_order(cancelled_order.serial, actor=lead, action="cancel", note="客户撤回")
    # The agent phoned about the closed one; the other two calls are still to make.
    (done,) = late_closed.call_tasks.all()
    sending.record_call(done.pk, actor=lead, reached=True, note="已电话通知陈师傅")
    # 张师傅's four dispatch SMS left the gateway a minute after dispatch.
    time_machine.move_to(NOW - dt.timedelta(minutes=29), tick=False)
    for message in DispatchMessage.objects.filter(recipient=fitter, role="assignee"):
        sending.send_message(message.pk)
    time_machine.move_to(NOW, tick=False)
    return {"old_open": old_open, "field": field}


def test_lead_sees_exact_ticket_and_work_order_figures(floor, lead, web_as):
    page = web_as(lead).get("/wall/")

    assert page.status_code == 200
    html = page.content.decode()
    wall = page.context["wall"]
    assert wall.scope_label == "全中心"
    assert (wall.tickets.open, wall.tickets.received_today) == (4, 4)
    assert (wall.tickets.breached_open, wall.tickets.urgent_open) == (1, 1)
    orders = wall.orders
    assert (orders.pending, orders.dispatched, orders.accepted) == (2, 1, 1)
    assert (orders.en_route, orders.on_site, orders.in_field) == (1, 1, 4)
    assert (orders.completed, orders.returned, orders.overdue, orders.calls_open) == (1, 1, 2, 2)
    shown = {
        testid: figure(html, testid)
        for testid in (
            "tickets-open",
            "tickets-today",
            "tickets-breached",
            "tickets-urgent",
            "orders-pending",
            "orders-field",
            "orders-dispatched",
            "orders-accepted",
            "orders-en-route",
            "orders-on-site",
            "orders-completed",
            "orders-returned",
            "orders-overdue",
            "orders-calls",
            "latency-pct",
        )
    }
    assert shown == {
        "tickets-open": 4,
        "tickets-today": 4,
        "tickets-breached": 1,
        "tickets-urgent": 1,
        "orders-pending": 2,
        "orders-field": 4,
        "orders-dispatched": 1,
        "orders-accepted": 1,
        "orders-en-route": 1,
        "orders-on-site": 1,
        "orders-completed": 1,
        "orders-returned": 1,
        "orders-overdue": 2,
        "orders-calls": 2,
        "latency-pct": 57,
    }
    # Of the seven dispatched this morning, 张师傅's four SMS left within a minute; 陈师傅's
    # three never did (no phone on file).
    assert "4/7 单" in html and "60 秒" in html
    assert "更新于 <strong>10:00:00</strong>" in html


def test_breached_ticket_leaves_the_count_when_it_is_cancelled(floor, agent, lead, web_as):
    transition_ticket(floor["old_open"].serial, actor=agent, action="cancel", note="客户撤回")

    wall = web_as(lead).get("/wall/panel").context["wall"]

    assert (wall.tickets.open, wall.tickets.breached_open) == (3, 0)


def test_a_branch_agent_sees_only_the_branch(floor, people, web_as):
    page = web_as(people["sz_agent"]).get("/wall/panel")

    wall = page.context["wall"]
    assert wall.scope_label == "深圳分公司"
    assert wall.tickets.open == wall.tickets.received_today == 1
    assert wall.tickets.breached_open == wall.tickets.urgent_open == 0
    assert wall.orders.pending == 1
    assert wall.orders.in_field == wall.orders.overdue == wall.orders.calls_open == 0


def test_latency_is_summarized_over_the_orders_dispatched_today(floor, lead, web_as, time_machine):
    time_machine.move_to(NOW - dt.timedelta(days=1), tick=False)
    make_order(lead, dispatch_to=floor["field"]["fitter"])
    time_machine.move_to(NOW, tick=False)

    latency = web_as(lead).get("/wall/panel").context["wall"].latency
    # Yesterday's dispatch is not today's: the same seven as on the lead's wall.
    assert (latency.count, latency.within_3min) == (7, 4)


def test_latency_not_yet_known_shows_a_dash(lead, web_as):
    html = web_as(lead).get("/wall/panel").content.decode()

    assert re.search(r'data-testid="latency-pct">—<', html)
    assert "0/0 单" in html


def test_a_published_notice_is_on_the_wall_and_a_closed_one_is_not(lead, web_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    outage = make_notice(lead, publish=True, areas=["yhy", "nsh"])
    add_notice_update(outage.pk, actor=lead, text="抢修队已到场,预计16点恢复")
    repair = make_notice(lead, publish=True, kind="emergency_repair", title="人民路爆管抢修")
    close_notice(repair.pk, actor=lead, closing_text="已恢复供水")
    make_notice(lead, kind="planned_works", title="草稿不上墙")

    html = web_as(lead).get("/wall/").content.decode()

    assert html.count('data-testid="wall-notice"') == 1
    banner = html[html.index('data-testid="wall-notice"') :]
    assert f'data-notice-id="{outage.pk}"' in html
    assert "停水" in banner and "阳光花园停水" in banner
    assert "南山海岸城、阳光花园" in banner
    assert "11-24 09:00 起" in banner and "预计 11-24 18:00 结束" in banner
    assert "进展 1 条" in banner and "抢修队已到场" in banner
    assert "人民路爆管抢修" not in html and "草稿不上墙" not in html


def test_no_active_notice_no_banner(lead, web_as):
    html = web_as(lead).get("/wall/").content.decode()

    assert 'data-testid="wall-notices"' not in html


def test_a_notice_past_its_expected_end_says_so(lead, web_as, time_machine):
    time_machine.move_to(NOW + dt.timedelta(hours=9), tick=False)  # 19:00, due back at 18:00
    make_notice(lead, publish=True)

    html = web_as(lead).get("/wall/panel").content.decode()

    assert "已超预计时间" in html


@pytest.mark.parametrize("persona", ["agent", "lead", "supervisor", "quality", "gm"])
def test_center_staff_see_the_wall_and_its_link(people, web_as, persona):
    client = web_as(people[persona])

    assert client.get("/wall/").status_code == 200
    assert client.get("/wall/panel").status_code == 200
    assert 'data-testid="nav-wall"' in client.get("/notices/").content.decode()


def test_admin_sees_the_wall(org, web_as):
    admin = get_user_model().objects.create_superuser("root", password="x")

    assert web_as(admin).get("/wall/").status_code == 200


def test_department_and_field_staff_are_refused(org, people, web_as):
    fitter = make_person(
        "fitter", Role.FIELD_STAFF, number="5101", department=org["depts"]["repair"]
    )
    for user in (people["dept_handler"], people["dept_head"], fitter):
        client = web_as(user)
        assert client.get("/wall/").status_code == 403
        assert client.get("/wall/panel").status_code == 403
        assert 'data-testid="nav-wall"' not in client.get("/notices/").content.decode()


def test_not_logged_in_goes_to_login(client, db):
    page = client.get("/wall/")
    assert page.status_code == 302
    assert page["Location"] == "/login/?next=/wall/"
    # The panel of a screen whose session ended takes the whole page to the login form.
    refresh = client.get("/wall/panel", headers={"HX-Request": "true"})
    assert refresh["HX-Redirect"] == "/login/?next=/wall/"


def test_the_panel_reloads_on_live_pushes_and_every_minute(lead, web_as):
    html = web_as(lead).get("/wall/").content.decode()

    assert 'hx-get="/wall/panel"' in html
    # Floor changes (many a second) reload only the telephone block, through floor.js;
    # live.js tells every other change apart (no trigger filter: htmx runs without eval).
    trigger = "kefu:work-changed from:body throttle:5s, every 60s"
    assert f'hx-trigger="{trigger}"' in html
    assert "kefu/live.js" in html and "telephony/floor.js" in html
    assert 'data-floor-reload="/wall/phones"' in html and "data-floor-live" in html


def test_the_panel_takes_a_fixed_number_of_queries(
    floor, lead, web_as, django_assert_num_queries, time_machine
):
    for title in ("阳光花园停水", "幸福里降压"):
        notice = make_notice(lead, publish=True, title=title, areas=["yhy", "nsh"])
        add_notice_update(notice.pk, actor=lead, text="进展")
    client = web_as(lead)

    # session, user, staff profile; notices and their areas; tickets; work orders; call tasks;
    # the dispatch latency; the telephone floor: agents, queue reports, ringing calls, today's
    # calls, calls in progress, the ladder's steps in force; today's intake per hour
    with django_assert_num_queries(16):
        page = client.get("/wall/panel")

    assert page.status_code == 200
    assert page.content.decode().count('data-testid="wall-notice"') == 2


def test_the_chart_shows_todays_intake_per_hour_as_the_tile_counts_it(
    agent, lead, web_as, time_machine
):
    plan = ["2026-11-24 00:30", "2026-11-24 08:10", "2026-11-24 08:50", "2026-11-24 09:40"]
    time_machine.move_to(NOW - dt.timedelta(days=1), tick=False)
    make_ticket(agent, content="昨天的")  # not today's
    for when in plan:
        time_machine.move_to(dt.datetime.fromisoformat(when).replace(tzinfo=SHANGHAI), tick=False)
        make_ticket(agent, content=f"{when} 的来电")
    time_machine.move_to(NOW, tick=False)
    html = web_as(lead).get("/wall/panel").content.decode()
    chart = html[html.index('data-testid="wall-intake-chart"') :]
    bars = {hour: int(n) for hour, n in re.findall(r"<title>(\d\d) · [^<:]+: (\d+)</title>", chart)}
    assert bars == {"00": 1, "08": 2, "09": 1}  # hours up to now (10:00), one bar each
    tile = re.search(r'data-testid="tickets-today">.*?class="num">(\d+)<', html, re.S)
    assert tile is not None and int(tile.group(1)) == sum(bars.values()) == 4


def test_a_planned_outage_two_days_away_shows_as_upcoming(lead, web_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    current = make_notice(lead, publish=True)  # began at 09:00 today
    later = make_notice(
        lead,
        publish=True,
        kind="planned_works",
        title="后天计划停水",
        starts_at=NOW + dt.timedelta(days=2),
        expected_end=NOW + dt.timedelta(days=2, hours=8),
    )
    html = web_as(lead).get("/wall/").content.decode()
    states = dict(re.findall(r'data-notice-id="(\d+)" data-state="(\w+)"', html))
    assert states == {str(current.pk): "current", str(later.pk): "upcoming"}
    upcoming = html[html.index(f'data-notice-id="{later.pk}"') :].split("</article>")[0]
    assert "即将开始" in upcoming and "进行中" not in upcoming
    # Once it begins, it is current.
    time_machine.move_to(NOW + dt.timedelta(days=2, minutes=1), tick=False)
    html = web_as(lead).get("/wall/").content.decode()
    assert f'data-notice-id="{later.pk}" data-state="current"' in html
