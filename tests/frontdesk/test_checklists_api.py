"""The end-of-shift checklists over the API (/api/v1/frontdesk/checklists, /checklist-runs):
the same services, refusals in the one error shape, roles."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.frontdesk.models import Checklist, ChecklistRun
from kefu.notify.models import Delivery
from kefu.workforce.models import ShiftTemplate
from tests.frontdesk.shift_factories import shift_around

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def only_our_shifts():
    ShiftTemplate.objects.update(is_active=False)


@pytest.fixture
def day():
    _template, day = shift_around("D1", starts_in=-7 * H, name="游客中心早班")
    return day


ASSETS = {
    "kind": "assets",
    "name": "班后固定资产清点",
    "items": [{"text": "轮椅", "expected": 3}, {"text": "对讲机", "expected": 4}],
}


def test_a_checklist_kept_filled_and_its_exception_closed_over_the_api(
    agent, lead, people, api_as, day
):
    officer = people["supervisor"]
    made = api_as(lead).post("/frontdesk/checklists", ASSETS | {"officer": officer.pk})
    assert made.status_code == 201, made.json()
    checklist = made.json()
    assert (checklist["kind"], checklist["items"][0], checklist["active"]) == (
        "assets",
        {"text": "轮椅", "expected": 3},
        True,
    )
    api = api_as(agent)
    listed = api.get("/frontdesk/checklists").json()
    assert [c["id"] for c in listed["items"]] == [checklist["id"]]
    submitted = api.post(
        "/frontdesk/checklist-runs",
        {
            "checklist": checklist["id"],
            "day": day.isoformat(),
            "shift": "D1",
            "answers": [{"counted": 2, "note": "一台借出未还"}, {"ok": True, "counted": 4}],
        },
    )
    assert submitted.status_code == 201, submitted.json()
    run = submitted.json()
    assert (run["shift_name"], run["filled_by"], run["exceptions"], run["open_exceptions"]) == (
        "游客中心早班",
        "李娜",
        1,
        1,
    )
    short = run["answers"][0]
    assert (short["text"], short["expected"], short["counted"], short["ok"], short["open"]) == (
        "轮椅",
        3,
        2,
        False,
        True,
    )
    assert Delivery.objects.filter(event="frontdesk.checklist_exception", user=officer).exists()

    again = api.post(
        "/frontdesk/checklist-runs",
        {
            "checklist": checklist["id"],
            "day": day.isoformat(),
            "shift": "D1",
            "answers": [{"ok": True}, {"ok": True}],
        },
    )
    assert again.status_code == 409
    assert again.json() == {
        "code": "conflict",
        "detail": "「班后固定资产清点」本班次已填写",
        "field": None,
        "errors": [],
    }
    assert ChecklistRun.objects.count() == 1

    runs = api.get("/frontdesk/checklist-runs", {"day": day.isoformat(), "open": True}).json()
    assert [r["id"] for r in runs["items"]] == [run["id"]] and runs["count"] == 1
    status = api.get("/frontdesk/checklists/day", {"day": day.isoformat()}).json()
    cell = status["shifts"][0]["checklists"][0]
    assert (cell["state"], cell["run"], cell["open_exceptions"]) == ("filled", run["id"], 1)

    path = f"/frontdesk/checklist-exceptions/{short['id']}/close"
    assert api.post(path, {"result": "已找回"}).status_code == 403
    empty = api_as(officer).post(path, {"result": ""})
    assert (empty.status_code, empty.json()["field"]) == (422, "result")
    closed = api_as(officer).post(path, {"result": "轮椅已由游客归还,完好"})
    assert closed.status_code == 200
    assert closed.json()["open_exceptions"] == 0
    assert closed.json()["answers"][0]["result"] == "轮椅已由游客归还,完好"
    twice = api_as(lead).post(path, {"result": "再次"})
    assert (twice.status_code, twice.json()["code"]) == (409, "conflict")
    shown = api.get(f"/frontdesk/checklist-runs/{run['id']}").json()["answers"][0]
    assert shown["closed_by"] == officer.staff.display_name


def test_refusals_name_the_field(agent, lead, people, api_as, day):
    api = api_as(lead)
    made = api.post(
        "/frontdesk/checklists",
        {
            "kind": "safety",
            "name": "班后设施、设备安全检查",
            "items": [{"text": "灯光电源已关闭"}, {"text": "门窗已上锁"}],
            "officer": people["supervisor"].pk,
        },
    ).json()

    def submit(body):
        return api_as(agent).post(
            "/frontdesk/checklist-runs",
            {"checklist": made["id"], "day": day.isoformat(), "shift": "D1"} | body,
        )

    unanswered = submit({"answers": [{"ok": True}, {}]})
    assert (unanswered.status_code, unanswered.json()["field"]) == (422, "answers.1.ok")
    no_note = submit({"answers": [{"ok": True}, {"ok": False}]})
    assert no_note.json() == {
        "code": "invalid",
        "detail": "「门窗已上锁」异常,请填写异常说明",
        "field": "answers.1.note",
        "errors": [{"field": "answers.1.note", "message": "「门窗已上锁」异常,请填写异常说明"}],
    }
    wrong_shift = submit({"shift": "XX", "answers": [{"ok": True}, {"ok": True}]})
    assert (wrong_shift.status_code, wrong_shift.json()["field"]) == (422, "shift")
    bad_day = submit({"day": "1999-01-01", "answers": [{"ok": True}, {"ok": True}]})
    assert bad_day.status_code == 422
    assert not ChecklistRun.objects.exists()
    missing = api_as(agent).get("/frontdesk/checklist-runs/999999")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    no_officer = api.post(
        "/frontdesk/checklists",
        {"kind": "safety", "name": "x", "items": [{"text": "灯"}], "officer": 999999},
    )
    assert (no_officer.status_code, no_officer.json()["field"]) == (422, "officer")


def test_templates_are_kept_by_leads_and_hidden_from_departments(agent, lead, people, api_as, day):
    body = ASSETS | {"officer": people["supervisor"].pk}
    assert api_as(agent).post("/frontdesk/checklists", body).status_code == 403
    made = api_as(lead).post("/frontdesk/checklists", body).json()
    path = f"/frontdesk/checklists/{made['id']}"
    changed = api_as(lead).put(
        path,
        {"name": "大厅固定资产", "items": [{"text": "婴儿车", "expected": 2}], "officer": lead.pk},
    )
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["officer_name"]) == ("大厅固定资产", "王芳")
    assert api_as(agent).put(path, {"name": "x", "items": [], "officer": lead.pk}).status_code == (
        403
    )
    retired = api_as(lead).post(path + "/retire")
    assert retired.json()["active"] is False and retired.json()["retired_at"]
    assert api_as(lead).post(path + "/retire").status_code == 409
    assert api_as(agent).get("/frontdesk/checklists").json()["count"] == 0
    assert api_as(agent).get("/frontdesk/checklists", {"retired": True}).json()["count"] == 1
    assert Checklist.objects.filter(pk=made["id"]).exists()
    for user in (people["dept_handler"], people["dept_head"]):
        for url in (
            "/frontdesk/checklists",
            path,
            "/frontdesk/checklist-runs",
            "/frontdesk/checklists/day",
        ):
            assert api_as(user).get(url).status_code == 403, url
