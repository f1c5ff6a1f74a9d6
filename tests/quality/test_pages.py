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
