"""Quality pages: scoring beside the ticket, the inspection with its appeal and send-back,
the fix, the scorecards and the evaluation; who opens which."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.quality import services
from kefu.quality.models import Appeal, Inspection, Sample, Scorecard, SendBack
from tests.quality.factories import a_sample, all_pass, scorecard


def test_the_inspector_scores_a_sample_beside_its_ticket(people, quality, web_as):
    card = scorecard(quality)
    sample = a_sample(quality, people["agent"])
    web = web_as(quality)
    home = web.get("/quality/").content.decode()
    assert f"/quality/samples/{sample.pk}/" in home
    page = web.get(f"/quality/samples/{sample.pk}/").content.decode()
    assert sample.ticket.serial in page and "复述确认" in page and "一票否决" in page
    form = {"scorecard": str(card.pk)}
    for item in card.items.all():
        form[f"passed_{item.position}"] = "1"
    form["points_2"] = "15"
    answer = web.post(f"/quality/samples/{sample.pk}/", form)
    inspection = Inspection.objects.get()
    assert answer.status_code == 302 and answer.url == f"/quality/inspections/{inspection.pk}/"
    assert inspection.score == 100 - 30 + 15
    # Bad points: the form comes back 422, nothing more written.
    other = Sample.objects.create(
        draw=sample.draw, agent=sample.agent, ticket=None, reason="random"
    )
    form["points_2"] = "99"
    refused = web.post(f"/quality/samples/{other.pk}/", form)
    assert refused.status_code == 422 and Inspection.objects.count() == 1


def test_agent_appeals_on_the_page_and_the_lead_decides(people, quality, web_as):
    inspection = services.inspect_sample(
        quality,
        a_sample(quality, people["agent"]).pk,
        scorecard_id=scorecard(quality).pk,
        marks=all_pass(Scorecard.objects.get()),
    )
    agent = web_as(people["agent"])
    page = agent.get(f"/quality/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="appeal-submit"' in page and 'data-testid="send-back-submit"' not in page
    agent.post(f"/quality/inspections/{inspection.pk}/appeal", {"reason": "有录音为证"})
    assert Appeal.objects.get().status == "pending"
    page = agent.get(f"/quality/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="appeal-submit"' not in page
    lead = web_as(people["lead"])
    assert (
        'data-testid="decide-submit"'
        in lead.get(f"/quality/inspections/{inspection.pk}/").content.decode()
    )
    lead.post(
        f"/quality/inspections/{inspection.pk}/decide", {"outcome": "accepted", "score": "90"}
    )
    inspection.refresh_from_db()
    assert (inspection.score, inspection.inspector_score) == (90, 100)


def test_send_back_and_fix_on_the_pages(people, quality, web_as):
    inspection = services.inspect_sample(
        quality,
        a_sample(quality, people["agent"]).pk,
        scorecard_id=scorecard(quality).pk,
        marks=all_pass(Scorecard.objects.get()),
    )
    due = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    web_as(quality).post(
        f"/quality/inspections/{inspection.pk}/send-back",
        {"to": "agent", "required_fix": "补录诉求", "due_at": due},
    )
    row = SendBack.objects.get()
    agent = web_as(people["agent"])
    assert (
        'data-testid="fix-submit"' in agent.get(f"/quality/send-backs/{row.pk}/").content.decode()
    )
    assert agent.post(f"/quality/send-backs/{row.pk}/", {"note": ""}).status_code == 422
    agent.post(f"/quality/send-backs/{row.pk}/", {"note": "已补录"})
    row.refresh_from_db()
    assert row.status == "fixed" and row.fixed_by == people["agent"]


def test_who_opens_which_page(people, quality, web_as, client):
    for role, status in (("agent", 200), ("lead", 200), ("gm", 200), ("dept_handler", 200)):
        client.force_login(people[role])
        assert client.get("/quality/").status_code == status, role
        assert client.get("/quality/evaluation/").status_code == 200, role
    sample = a_sample(quality, people["agent"])
    for role in ("agent", "lead", "gm", "dept_handler"):
        client.force_login(people[role])
        assert client.get(f"/quality/samples/{sample.pk}/").status_code in (403, 404), role
    client.force_login(people["agent"])
    assert (
        client.post("/quality/scorecards/", {"name": "x", "items": "a|服务态度|5"}).status_code
        == 403
    )
    client.force_login(quality)
    answer = client.post(
        "/quality/scorecards/", {"name": "外呼表", "items": "开场白|话术使用|10\n禁语|禁用语|0|是"}
    )
    assert answer.status_code == 302
    card = Scorecard.objects.get(name="外呼表")
    assert [(i.category, i.points, i.is_veto) for i in card.items.all()] == [
        ("script", 10, False),
        ("forbidden", 0, True),
    ]


def test_evaluation_page_lists_the_readers_agents(people, quality, web_as):
    page = web_as(people["lead"]).get("/quality/evaluation/").content.decode()
    assert page.count('data-testid="evaluation-row"') == 2
    page = web_as(people["agent"]).get("/quality/evaluation/").content.decode()
    assert page.count('data-testid="evaluation-row"') == 1 and "李娜" in page


def test_the_inspector_revises_and_retires_a_scorecard_on_the_page(people, quality, web_as):
    card = scorecard(quality)
    web = web_as(quality)
    page = web.get("/quality/scorecards/").content.decode()
    # The revise form starts from the card's items, one a line, the veto marked 是.
    lines = [
        "|".join(
            [i.name, str(i.get_category_display()), str(i.points)] + (["是"] if i.is_veto else [])
        )
        for i in card.items.all()
    ]
    assert "\n".join(lines) in page.replace("&#x27;", "'")
    answer = web.post(
        f"/quality/scorecards/{card.pk}/revise",
        {"name": "服务质检表(修订)", "items": "\n".join(lines + ["结束语规范|服务态度|5"])},
    )
    assert answer.status_code == 302
    card.refresh_from_db()
    new = Scorecard.objects.get(code=card.code, version=card.version + 1)
    assert (card.status, new.status, new.name) == ("superseded", "active", "服务质检表(修订)")
    assert [i.name for i in new.items.all()][-1] == "结束语规范"
    assert new.items.count() == card.items.count() + 1  # the old version stays as it was

    # A refused revision: 422, the message, the text kept in the form; nothing written.
    bad = web.post(
        f"/quality/scorecards/{new.pk}/revise", {"name": "x", "items": "没有分值|服务态度"}
    )
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "第 1 行格式应为" in body and "没有分值|服务态度" in body
    assert Scorecard.objects.filter(code=card.code).count() == 2
    # Only the card in use is revised or retired.
    assert web.post(f"/quality/scorecards/{card.pk}/retire").status_code == 422
    assert web.post(f"/quality/scorecards/{new.pk}/retire").status_code == 302
    new.refresh_from_db()
    assert new.status == "retired"
    assert web.post("/quality/scorecards/99999999/retire").status_code == 404
    assert web.post(f"/quality/scorecards/{new.pk}/erase").status_code in (404, 422)
    assert Scorecard.objects.filter(code=card.code).count() == 2  # nothing deleted


def test_the_sampling_rules_are_set_on_the_page(people, quality, web_as):
    from kefu.quality.models import QualitySettings

    web = web_as(quality)
    form = {
        "period": "month",
        "share_percent": "10",
        "minimum": "3",
        "complaints": "1",
        "low_scores": "on",
        "low_score_max": "1",
    }
    assert web.post("/quality/sampling", form).status_code == 302
    rules = services.current_settings()
    assert (rules.period, rules.share_percent, rules.minimum, rules.low_score_max) == (
        "month",
        10,
        3,
        1,
    )
    assert (rules.include_calls, rules.complaints, rules.breached, rules.low_scores) == (
        False,
        True,
        False,
        True,
    )
    home = web.get("/quality/").content.decode()
    assert "随机抽取 10%,至少 3 条" in home
    for field, value in (
        ("share_percent", "101"),
        ("share_percent", "5%"),
        ("minimum", "-1"),
        ("low_score_max", "5"),
        ("period", "year"),
    ):
        answer = web.post("/quality/sampling", {**form, field: value})
        assert answer.status_code == 422, field
        assert f"{field}:" in answer.content.decode()
        assert f'value="{value}"' in answer.content.decode() or field == "period"
    assert QualitySettings.objects.get().share_percent == 10  # unchanged by the refusals
    for role in ("agent", "lead", "gm"):
        assert web_as(people[role]).post("/quality/sampling", form).status_code == 403, role
        card = scorecard(quality)
        assert web_as(people[role]).post(f"/quality/scorecards/{card.pk}/retire").status_code == 403


def test_the_evaluations_cost_the_same_queries_for_three_agents_or_eight(org, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.accounts.models import Role
    from kefu.quality import selectors
    from tests.accounts.factories import make_person

    month = timezone.localdate()

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as seen:
            rows = selectors.evaluations(people["supervisor"], month)
        return len(rows), len(seen.captured_queries)

    few, cost = queries()
    for n in range(5):
        make_person(f"extra-{n}", Role.AGENT, number=f"77{n:02d}")
    many, cost_more = queries()
    assert (many, cost_more) == (few + 5, cost)
