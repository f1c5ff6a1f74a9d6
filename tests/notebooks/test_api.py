"""The notebooks over the API (/api/v1/notebooks): the same services, 4xx refusals with the
field named, the list envelope, roles and masking."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from kefu.notebooks import services
from kefu.notebooks.models import Grumble, Problem, ServiceEntry
from tests.notebooks.factories import entry, grumble, problem

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def test_problem_recorded_collected_and_answered_over_the_api(agent, lead, api_as):
    api = api_as(agent)
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False):
        made = api.post("/notebooks/problems", {"category": "system", "text": "来电弹屏不显示"})
    assert made.status_code == 201, made.json()
    pid = made.json()["id"]
    assert made.json()["status"] == "open"
    with time_machine.travel(dt.datetime(2026, 11, 30, 8, 0, tzinfo=SH), tick=False):
        services.collect_week()
    listed = api_as(lead).get("/notebooks/problems", {"status": "collected"}).json()
    assert [p["id"] for p in listed["items"]] == [pid] and listed["count"] == 1
    collections = api_as(lead).get("/notebooks/collections").json()
    assert collections["items"][0]["problems"] == 1
    answered = api_as(lead).post(f"/notebooks/problems/{pid}/answer", {"text": "已报修"})
    assert answered.status_code == 200 and answered.json()["answered_by"]["name"] == "王芳"
    twice = api_as(lead).post(f"/notebooks/problems/{pid}/answer", {"text": "再答"})
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"
    assert api.get(f"/notebooks/problems/{pid}").json()["answer"] == "已报修"


def test_bad_input_is_a_4xx_naming_the_field(agent, api_as):
    api = api_as(agent)
    bad = api.post("/notebooks/problems", {"category": "weather", "text": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "category"
    missing = api.post("/notebooks/problems", {"category": "policy"})
    assert missing.status_code == 422
    ticket = api.post("/notebooks/problems", {"category": "policy", "text": "x", "ticket": "P1"})
    assert ticket.status_code == 422 and ticket.json()["field"] == "ticket"
    count = api.post(
        "/notebooks/entries",
        {"day": timezone.localdate().isoformat(), "kind": "counter", "count": 0},
    )
    assert count.status_code == 422 and count.json()["field"] == "count"
    day = api.post("/notebooks/entries", {"day": "1999-01-01", "kind": "counter", "count": 1})
    assert day.status_code == 422
    phone = api.post(
        "/notebooks/grumbles",
        {
            "channel": "desk",
            "content": "x",
            "handling": "y",
            "satisfied": True,
            "customer_phone": "abc",
        },
    )
    assert phone.status_code == 422 and phone.json()["field"] == "customer_phone"
    assert api.get("/notebooks/counts", {"month": 13}).status_code == 422
    assert api.get("/notebooks/problems/999999").status_code == 404
    assert not (
        Problem.objects.exists() or ServiceEntry.objects.exists() or Grumble.objects.exists()
    )


def test_entries_and_the_count_over_the_api(agent, lead, api_as):
    api = api_as(agent)
    today = timezone.localdate().isoformat()
    made = api.post(
        "/notebooks/entries", {"day": today, "kind": "directions", "count": 4, "note": "东门"}
    )
    assert made.status_code == 201, made.json()
    fixed = api.post(
        f"/notebooks/entries/{made.json()['id']}/correct", {"count": 2, "note": "多记了"}
    )
    assert fixed.status_code == 201 and fixed.json()["count"] == -2
    listed = api.get("/notebooks/entries").json()
    assert listed["count"] == 2
    counted = api.get("/notebooks/counts").json()
    assert counted["total"]["manual"] == {"directions": 2} and counted["total"]["total"] == 2
    assert counted["days"][0]["agent"]["employee_no"] == "8011"
    team = api_as(lead).get("/notebooks/counts", {"agent": agent.pk}).json()
    assert team["total"]["total"] == 2


def test_grumble_masked_for_the_quality_inspector_and_escalated_once(agent, people, api_as):
    api = api_as(agent)
    made = api.post(
        "/notebooks/grumbles",
        {
            "channel": "phone",
            "content": "热线等待太久",
            "handling": "道歉并解释高峰时段",
            "satisfied": False,
            "customer_name": "张三丰",
            "customer_phone": "13812345678",
        },
    )
    assert made.status_code == 201, made.json()
    gid = made.json()["id"]
    assert made.json()["customer_phone"] == "13812345678"
    seen = api_as(people["quality"]).get("/notebooks/grumbles").json()["items"][0]
    assert (seen["customer_phone"], seen["customer_name"]) == ("138****5678", "张**")
    escalated = api.post(f"/notebooks/grumbles/{gid}/escalate", {})
    assert escalated.status_code == 201 and escalated.json()["grumble"]["escalated"] is True
    assert escalated.json()["ticket"] == escalated.json()["grumble"]["ticket"]
    again = api.post(f"/notebooks/grumbles/{gid}/escalate", {})
    assert again.status_code == 409
    stats = api.get("/notebooks/grumbles/stats").json()
    assert (stats["grumbles"], stats["complaints"]) == (1, 1)


def test_roles_refused(agent, people, api_as):
    row = problem(agent)
    entry(agent)
    grumble(agent)
    for role in ("dept_handler", "dept_head", "other_dept_handler"):
        api = api_as(people[role])
        assert api.get("/notebooks/problems").status_code == 403
        assert api.get(f"/notebooks/problems/{row.pk}").status_code == 403
        assert api.get("/notebooks/grumbles").status_code == 403
        assert api.get("/notebooks/counts").status_code == 403
        assert (
            api.post("/notebooks/problems", {"category": "policy", "text": "x"}).status_code == 403
        )
    quality = api_as(people["quality"])
    assert (
        quality.post("/notebooks/problems", {"category": "policy", "text": "x"}).status_code == 403
    )
    assert quality.get("/notebooks/collections").status_code == 403
    assert api_as(agent).get("/notebooks/collections").status_code == 403
    assert api_as(people["sz_agent"]).get(f"/notebooks/problems/{row.pk}").status_code == 404
    assert Problem.objects.count() == 1


def test_lists_take_a_fixed_number_of_queries(agent, lead, api_as, django_assert_max_num_queries):
    def add(first, last):
        for n in range(first, last):
            problem(agent, text=f"第{n}个问题")
            grumble(agent, content=f"第{n}次抱怨")
            entry(agent, count=n + 1)

    paths = ("/notebooks/problems", "/notebooks/grumbles", "/notebooks/entries")
    add(0, 2)
    api = api_as(lead)
    few = {}
    for path in paths:
        api.get(path)  # warm the per-process caches (the token, the roles)
        with django_assert_max_num_queries(12) as counted:
            assert api.get(path).json()["count"] == 2
        few[path] = len(counted.captured_queries)
    add(2, 8)
    for path in paths:
        with django_assert_max_num_queries(few[path]):
            assert api.get(path).json()["count"] == 8


def test_numbers_typed_into_a_problem_are_masked_for_the_quality_inspector(
    agent, people, api_as, web_as
):
    """A problem's text is free text: a customer's number typed into it is shown in full to
    the center's staff and masked for the quality inspector, in the API and on the page."""
    row = problem(agent, text="客户13812345678反复来电询问阶梯水价,知识库没有答案")
    mine = api_as(agent).get(f"/notebooks/problems/{row.pk}").json()
    assert "13812345678" in mine["text"]
    seen = api_as(people["quality"]).get(f"/notebooks/problems/{row.pk}").json()
    assert "13812345678" not in seen["text"] and "138****5678" in seen["text"]
    listed = api_as(people["quality"]).get("/notebooks/problems").json()["items"]
    assert [p["text"] for p in listed] == [seen["text"]]
    page = web_as(people["quality"]).get(f"/notebooks/problems/{row.pk}/").content.decode()
    assert "13812345678" not in page and "138****5678" in page
