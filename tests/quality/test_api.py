"""Quality over the API: every role's may and may-not, the send-back lifecycle, one appeal,
the lead's decision, bad input answered 422 with nothing written, and the evaluation."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kefu.notify.models import Delivery
from kefu.quality import services
from kefu.quality.models import Appeal, Inspection, Sample, Scorecard, SendBack
from kefu.training import services as training
from tests.quality.factories import (
    ITEMS,
    all_pass,
    low_survey,
    scorecard,
    tickets_of,
)


@pytest.fixture
def world(people, quality, admin, sz_lead):
    agent, sz_agent = people["agent"], people["sz_agent"]
    tickets_of(agent, 2)
    tickets_of(sz_agent, 1, branch="sz")
    services.update_settings(
        quality, period="week", share_percent=100, minimum=0, include_calls=False
    )
    draw, _ = services.draw_sample(quality)
    card = scorecard(quality)
    return {
        **people,
        "admin": admin,
        "sz_lead": sz_lead,
        "draw": draw,
        "card": card,
        "mine": list(Sample.objects.filter(draw=draw, agent=agent).order_by("pk")),
        "sz": Sample.objects.get(draw=draw, agent=sz_agent),
    }


def _inspect(api_as, who, sample, card, marks=None):
    return api_as(who).post(
        f"/quality/samples/{sample.pk}/inspect",
        {"scorecard": card.pk, "marks": marks or all_pass(card), "comment": "整体良好"},
    )


def test_who_may_define_scorecards(api_as, world):
    body = {"name": "外呼质检表", "items": ITEMS}
    for role in ("quality", "supervisor", "admin"):
        assert api_as(world[role]).post("/quality/scorecards", body).status_code == 201, role
    for role in ("agent", "lead", "gm", "dept_handler", "dept_head"):
        assert api_as(world[role]).post("/quality/scorecards", body).status_code == 403, role
    assert Scorecard.objects.count() == 1 + 3


def test_who_may_draw_and_score(api_as, world):
    for role in ("agent", "lead", "gm", "dept_handler", "dept_head"):
        client = api_as(world[role])
        assert client.post("/quality/draws", {}).status_code == 403, role
        assert client.get("/quality/samples").status_code == 403, role
        assert _inspect(api_as, world[role], world["mine"][0], world["card"]).status_code in (
            403,
            404,
        )
    assert Inspection.objects.count() == 0
    answer = api_as(world["quality"]).post("/quality/draws", {})
    assert answer.status_code == 200 and answer.json()["created"] is False
    assert api_as(world["quality"]).get("/quality/samples").json()["count"] == 3
    answer = _inspect(api_as, world["supervisor"], world["mine"][0], world["card"])
    assert answer.status_code == 201
    assert answer.json()["score"] == 100
    # Scored once: a second score is a conflict.
    assert _inspect(api_as, world["quality"], world["mine"][0], world["card"]).status_code == 409
    assert Inspection.objects.count() == 1


def test_the_agent_is_told_and_reads_only_their_own(api_as, world):
    mine = _inspect(api_as, world["quality"], world["mine"][0], world["card"]).json()
    theirs = _inspect(api_as, world["quality"], world["sz"], world["card"]).json()
    assert Delivery.objects.filter(
        user=world["agent"], key=f"quality.inspected:{mine['id']}"
    ).exists()
    agent = api_as(world["agent"])
    listed = agent.get("/quality/inspections").json()
    assert [r["id"] for r in listed["items"]] == [mine["id"]]
    assert agent.get(f"/quality/inspections/{theirs['id']}").status_code == 404
    assert (
        agent.get(f"/quality/inspections/{mine['id']}").json()["marks"][0]["name"]
        == ITEMS[0]["name"]
    )
    # Readers: GM and the center's lead all; the Shenzhen lead only Shenzhen; departments none.
    counts = {
        role: api_as(world[role]).get("/quality/inspections").json()["count"]
        for role in ("gm", "lead", "supervisor", "quality", "admin", "sz_lead", "dept_handler")
    }
    assert counts == {
        "gm": 2,
        "lead": 2,
        "supervisor": 2,
        "quality": 2,
        "admin": 2,
        "sz_lead": 1,
        "dept_handler": 0,
    }


def test_send_back_lifecycle_to_the_agent_and_to_a_department(api_as, world, org):
    inspection = _inspect(api_as, world["quality"], world["mine"][0], world["card"]).json()
    due = (timezone.now() + dt.timedelta(days=2)).isoformat()
    quality = api_as(world["quality"])
    path = f"/quality/inspections/{inspection['id']}/send-back"
    answer = quality.post(path, {"to": "agent", "required_fix": "补录客户诉求", "due_at": due})
    assert answer.status_code == 201
    row = answer.json()
    assert row["status"] == "open" and row["overdue"] is False
    assert Delivery.objects.filter(
        user=world["agent"], key=f"quality.send_back:{row['id']}"
    ).exists()
    # One open send-back per inspection.
    assert (
        quality.post(path, {"to": "agent", "required_fix": "再改", "due_at": due}).status_code
        == 409
    )
    # Only the recipient records the fix.
    assert (
        api_as(world["sz_agent"])
        .post(f"/quality/send-backs/{row['id']}/fix", {"note": "x"})
        .status_code
        == 404
    )
    assert quality.post(f"/quality/send-backs/{row['id']}/fix", {"note": "x"}).status_code == 403
    fixed = api_as(world["agent"]).post(f"/quality/send-backs/{row['id']}/fix", {"note": "已补录"})
    assert fixed.status_code == 200 and fixed.json()["status"] == "fixed"
    assert (
        api_as(world["agent"])
        .post(f"/quality/send-backs/{row['id']}/fix", {"note": "again"})
        .status_code
        == 409
    )
    # Now to the repair department: its handler sees it and fixes it, billing sees nothing.
    answer = quality.post(
        path,
        {
            "to": "department",
            "department": org["depts"]["repair"].pk,
            "required_fix": "上门复核",
            "due_at": due,
        },
    )
    assert answer.status_code == 201
    dept_row = answer.json()
    assert api_as(world["other_dept_handler"]).get("/quality/send-backs").json()["count"] == 0
    assert api_as(world["dept_handler"]).get("/quality/send-backs").json()["count"] == 1
    assert Delivery.objects.filter(
        user=world["dept_head"], key=f"quality.send_back:{dept_row['id']}"
    ).exists()
    done = api_as(world["dept_head"]).post(
        f"/quality/send-backs/{dept_row['id']}/fix", {"note": "已复核"}
    )
    assert done.status_code == 200


def test_an_overdue_fix_is_listed_as_overdue(api_as, world):
    inspection = services.inspect_sample(
        world["quality"],
        world["mine"][0].pk,
        scorecard_id=world["card"].pk,
        marks=all_pass(world["card"]),
    )
    row = services.send_back(
        world["quality"],
        inspection.pk,
        to="agent",
        required_fix="补录",
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    SendBack.objects.filter(pk=row.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    overdue = api_as(world["quality"]).get("/quality/send-backs", {"overdue": "true"}).json()
    assert [(r["id"], r["overdue"]) for r in overdue["items"]] == [(row.pk, True)]


def test_bad_send_back_input_is_refused_and_writes_nothing(api_as, world):
    inspection = _inspect(api_as, world["quality"], world["mine"][0], world["card"]).json()
    path = f"/quality/inspections/{inspection['id']}/send-back"
    quality = api_as(world["quality"])
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    for body, field in (
        ({"to": "agent", "required_fix": "补录", "due_at": past}, "due_at"),
        ({"to": "agent", "required_fix": "  ", "due_at": future}, "required_fix"),
        ({"to": "nobody", "required_fix": "补录", "due_at": future}, "to"),
        (
            {"to": "department", "department": 999999, "required_fix": "补录", "due_at": future},
            "department",
        ),
    ):
        answer = quality.post(path, body)
        assert answer.status_code == 422, body
        assert answer.json()["field"] == field
    answer = quality.post(
        path, {"to": "agent", "required_fix": "补录", "due_at": "1999-01-01T10:00:00+08:00"}
    )
    assert answer.status_code == 422 and "due_at" in answer.content.decode()
    assert SendBack.objects.count() == 0


def test_one_appeal_per_inspection_and_the_branch_lead_decides(api_as, world):
    mine = _inspect(api_as, world["quality"], world["mine"][0], world["card"], marks=None).json()
    agent = api_as(world["agent"])
    path = f"/quality/inspections/{mine['id']}/appeal"
    assert agent.post(path, {"reason": " "}).status_code == 422
    assert api_as(world["sz_agent"]).post(path, {"reason": "不是我"}).status_code == 404
    assert api_as(world["quality"]).post(path, {"reason": "代为申诉"}).status_code == 403
    first = agent.post(path, {"reason": "已复述确认,录音为证"})
    assert first.status_code == 201
    assert agent.post(path, {"reason": "再申诉"}).status_code == 409
    assert Appeal.objects.count() == 1
    appeal = first.json()["id"]
    decide = f"/quality/appeals/{appeal}/decide"
    # The Shenzhen lead does not lead this agent; agents and quality do not decide.
    assert api_as(world["sz_lead"]).post(decide, {"outcome": "upheld"}).status_code == 404
    assert agent.post(decide, {"outcome": "accepted", "score": 100}).status_code == 403
    assert api_as(world["quality"]).post(decide, {"outcome": "upheld"}).status_code == 403
    lead = api_as(world["lead"])
    assert lead.post(decide, {"outcome": "accepted"}).json()["field"] == "score"
    assert lead.post(decide, {"outcome": "accepted", "score": 101}).status_code == 422
    assert Appeal.objects.get().status == "pending"
    answer = lead.post(decide, {"outcome": "accepted", "score": 95, "note": "录音证实已复述"})
    assert answer.status_code == 200
    inspection = Inspection.objects.get(pk=mine["id"])
    assert (inspection.score, inspection.inspector_score, inspection.status) == (95, 100, "final")
    assert Appeal.objects.get().original_score == 100
    assert lead.post(decide, {"outcome": "upheld"}).status_code == 409


def test_an_upheld_appeal_leaves_the_score(api_as, world):
    row = services.inspect_sample(
        world["quality"],
        world["sz"].pk,
        scorecard_id=world["card"].pk,
        marks=all_pass(world["card"], {1: {"passed": False}}),
    )
    appeal = services.file_appeal(world["sz_agent"], row.pk, reason="问候语已说")
    answer = api_as(world["sz_lead"]).post(
        f"/quality/appeals/{appeal.pk}/decide", {"outcome": "upheld"}
    )
    assert answer.status_code == 200 and answer.json()["decided_score"] == 80
    row.refresh_from_db()
    assert (row.score, row.inspector_score) == (80, 80)


def test_evaluation_counts_the_month_for_the_right_readers(api_as, web_as, world):
    agent = world["agent"]
    card = world["card"]
    services.inspect_sample(
        world["quality"], world["mine"][0].pk, scorecard_id=card.pk, marks=all_pass(card)
    )
    services.inspect_sample(
        world["quality"],
        world["mine"][1].pk,
        scorecard_id=card.pk,
        marks=all_pass(card, {5: {"passed": False}}),  # vetoed: 0
    )
    ticket = world["mine"][0].ticket
    low_survey(ticket, agent, score=2)
    low_survey(ticket, agent, score=5)
    exam = _exam(world)
    attempt = training.start_attempt(agent, exam.pk)
    training.submit_attempt(agent, attempt.pk)
    month = timezone.localdate().isoformat()
    got = api_as(world["lead"]).get(f"/quality/evaluation/{agent.pk}", {"month": month}).json()
    assert got["inspections"] == 2 and got["quality_score"] == 50.0 and got["vetoed"] == 1
    assert (got["surveys"], got["survey_average"], got["surveys_satisfied"]) == (2, 3.5, 1)
    assert len(got["exams"]) == 1 and got["exams"][0]["score"] == 0
    # Who reads whose.
    sz_id = world["sz_agent"].pk
    assert api_as(world["sz_lead"]).get(f"/quality/evaluation/{agent.pk}").status_code == 404
    assert api_as(world["sz_lead"]).get(f"/quality/evaluation/{sz_id}").status_code == 200
    assert api_as(agent).get(f"/quality/evaluation/{sz_id}").status_code == 404
    assert api_as(agent).get("/quality/evaluation").json()["count"] == 1
    for role in ("gm", "supervisor", "quality", "admin", "lead"):
        assert api_as(world[role]).get("/quality/evaluation").json()["count"] == 2, role
    assert api_as(world["dept_handler"]).get("/quality/evaluation").json()["count"] == 0
    assert (
        api_as(world["lead"])
        .get(f"/quality/evaluation/{agent.pk}", {"month": "1999-01-01"})
        .status_code
        == 422
    )

    # The workbook holds the JSON's numbers, one row per agent the reader reads, on the API
    # and on the page.
    for answer in (
        api_as(world["lead"]).get("/quality/evaluation.xlsx", {"month": month}),
        web_as(world["lead"]).get("/quality/evaluation.xlsx", {"month": month[:7]}),
    ):
        assert answer.status_code == 200
        assert answer["Content-Disposition"] == (
            f'attachment; filename="evaluation-{month[:7]}.xlsx"'
        )
        sheet = load_workbook(BytesIO(answer.content)).active
        assert sheet.title == f"坐席绩效 {month[:7]}" and sheet.freeze_panes == "A2"
        rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert len(rows) == 2
        mine = rows[got["name"]]
        assert mine[2:10] == (2, 50.0, 1, 2, 3.5, 1, got["callbacks_satisfied"], 0)
        assert (mine[10], mine[11], mine[12]) == (1, 0, got["exam_average"])
    sheet = load_workbook(BytesIO(api_as(agent).get("/quality/evaluation.xlsx").content)).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [got["name"]]
    answer = api_as(world["lead"]).get("/quality/evaluation.xlsx", {"month": "1999-01-01"})
    assert answer.status_code == 422


def _exam(world):
    from tests.training.factories import exam, three_kinds

    three_kinds(world["supervisor"])
    return exam(world["supervisor"])
