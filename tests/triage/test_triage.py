"""Automatic triage: the API's shape and refusals, what intake keeps, confirmed labels as the
next training's data (the department a center's tickets went to), reproducible training, the
command, and who may read the models' figures."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command

from kefu.tickets.models import TicketType
from kefu.triage import learn, services
from kefu.triage.models import Matter, TicketLabel, TrainedModel
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

LABELS = {"type", "urgent", "sentiment", "complaint_class", "department", "matter"}


def test_the_api_answers_each_label_with_a_value_and_a_confidence(api_as, agent):
    answer = api_as(agent).post(
        "/triage",
        {"text": "路口的水管爆了,水冒得老高,路上都淹了,快派人来抢修!", "channel": "phone"},
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert set(body) == LABELS
    for name, guess in body.items():
        assert set(guess) == {"value", "confidence"}, name
        assert 0.0 <= guess["confidence"] <= 1.0, name
    assert body["type"]["value"] in set(TicketType.objects.values_list("code", flat=True))
    assert body["matter"]["value"] in set(Matter.objects.values_list("code", flat=True))
    assert body["sentiment"]["value"] in {"calm", "anxious", "angry", "abusive"}
    assert body["urgent"]["value"] is True  # a burst main flooding the road
    assert body["type"]["value"] == "repair" and body["matter"]["value"] == "leak"


@pytest.mark.parametrize(
    ("text", "type_code", "cls"),
    [
        ("请问现在网上缴水费有哪几种方式?需要带户号吗", "inquiry", None),
        ("你们的抄表员上门态度特别恶劣,还骂我,我要投诉他,必须给我道歉!", "complaint", "str"),
    ],
)
def test_a_complaint_class_is_given_for_a_complaint_only(api_as, agent, text, type_code, cls):
    body = api_as(agent).post("/triage", {"text": text, "channel": "phone"}).json()
    assert body["type"]["value"] == type_code
    if cls is None:
        assert body["complaint_class"] == {"value": None, "confidence": 0.0}
    else:
        assert body["complaint_class"]["value"] in {"responsible", "not_responsible", "assist"}


def test_a_department_comes_from_the_routing_table_until_tickets_teach_one(api_as, agent, org):
    from kefu.complaints.models import RoutingRule

    RoutingRule.objects.create(
        ticket_type=TicketType.objects.get(code="repair"), department=org["depts"]["repair"]
    )
    body = (
        api_as(agent)
        .post("/triage", {"text": "厨房水龙头一直滴水关不紧,麻烦派个师傅来修", "channel": "web"})
        .json()
    )
    assert body["type"]["value"] == "repair"
    assert body["department"]["value"] == "repair"
    # Nothing routes an inquiry: no department rather than a guess.
    body = api_as(agent).post("/triage", {"text": "请问营业厅周六上班吗", "channel": "web"}).json()
    assert body["department"] == {"value": None, "confidence": body["department"]["confidence"]}
    assert body["department"]["value"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "", "channel": "phone"}, "text"),
        ({"text": "   ", "channel": "phone"}, "text"),
        ({"channel": "phone"}, "text"),
        ({"text": "停水了", "channel": "pigeon"}, "channel"),
        ({"text": "停" * 5001, "channel": "phone"}, "text"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(api_as, agent, body, field):
    answer = api_as(agent).post("/triage", body)
    assert answer.status_code == 422
    assert field in str(answer.json())


def test_who_may_ask(api_as, people, client):
    assert (
        client.post("/api/v1/triage", {"text": "停水"}, content_type="application/json").status_code
        == 401
    )
    # A department's handler takes no requests: no suggestions for intake either.
    assert api_as(people["dept_handler"]).post("/triage", {"text": "停水了"}).status_code == 403
    assert api_as(people["lead"]).post("/triage", {"text": "停水了"}).status_code == 200


def test_matters_are_listed_for_integrators(api_as, agent):
    Matter.objects.filter(code="iptv").update(is_active=False)
    listed = api_as(agent).get("/triage/matters").json()
    codes = [m["code"] for m in listed]
    assert "supply" in codes and "iptv" not in codes
    assert {"code": "supply", "name": "停水/供水中断"} in listed


def test_intake_keeps_what_was_proposed_and_what_the_agent_confirmed(api_as, agent):
    api = api_as(agent)
    made = api.post(
        "/tickets",
        {
            "type": "complaint",
            "channel": "phone",
            "content": "家里停水两天了也没人通知,老人在家没法做饭,太不像话了",
            "matter": "supply",
            "sentiment": "angry",
            "complaint_class": "responsible",
            "priority": "urgent",
        },
    )
    assert made.status_code == 201, made.json()
    label = TicketLabel.objects.get(ticket__serial=made.json()["serial"])
    assert (label.matter, label.matter_sure, label.sentiment, label.urgent) == (
        "supply",
        True,
        "angry",
        True,
    )
    assert set(label.confirmed) == {"type", "urgent", "matter", "sentiment", "complaint_class"}
    assert set(label.predicted) == LABELS and label.confirmed_by == agent

    # Left to triage: the guesses are kept, not counted as confirmed.
    made = api.post(
        "/tickets", {"type": "inquiry", "channel": "web", "content": "请问水费可以用微信交吗"}
    )
    label = TicketLabel.objects.get(ticket__serial=made.json()["serial"])
    assert label.matter == label.predicted["matter"]["value"] == "payment"
    assert set(label.confirmed) == {"type", "urgent"}


@pytest.mark.parametrize(("field", "value"), [("matter", "weather"), ("sentiment", "sleepy")])
def test_an_unknown_label_at_intake_writes_nothing(api_as, agent, field, value):
    answer = api_as(agent).post(
        "/tickets", {"type": "repair", "channel": "phone", "content": "水管漏水", field: value}
    )
    assert answer.status_code == 422 and field in str(answer.json())
    assert not TicketLabel.objects.exists()


def test_an_agent_confirms_or_corrects_a_ticket_later(api_as, agent, people):
    ticket = make_ticket(agent, content="快递显示已签收但我没收到")
    api = api_as(agent)
    fixed = api.post(
        f"/triage/tickets/{ticket.serial}/labels", {"matter": "parcel-lost", "urgent": False}
    )
    assert fixed.status_code == 200, fixed.json()
    assert fixed.json()["matter"] == "parcel-lost" and "matter" in fixed.json()["confirmed"]
    assert (
        api.post(f"/triage/tickets/{ticket.serial}/labels", {"matter": "nope"}).status_code == 422
    )
    assert api.post(f"/triage/tickets/{ticket.serial}/labels", {}).status_code == 422
    assert api.post("/triage/tickets/NOPE/labels", {"matter": "claim"}).status_code == 404
    # Another branch's agent does not see the ticket.
    assert (
        api_as(people["sz_agent"])
        .post(f"/triage/tickets/{ticket.serial}/labels", {"matter": "claim"})
        .status_code
        == 404
    )
    assert TicketLabel.objects.get(ticket=ticket).matter == "parcel-lost"


def test_confirmed_tickets_teach_the_next_model_their_departments(agent, org):
    # A center's own tickets: water-quality requests go to the billing office's lab desk here.
    texts = {
        "billing": [
            "水龙头出来的水发黄有铁锈味",
            "自来水浑浊像米汤一样",
            "水里有股漂白粉的味道很重",
            "烧开的水有白色沉淀物",
        ],
        "repair": [
            "楼道里的水管漏水了",
            "水表前阀门关不严一直滴水",
            "小区门口消防栓漏水",
            "厨房下水管破裂渗水",
        ],
    }
    for department, lines in texts.items():
        for i in range(3):
            for text in lines:
                make_ticket(agent, content=f"{text},{i + 1}号楼", department=department)
    row = services.train(seed=7)
    assert row.tickets == 24 and row.counts["department"] == 24 and row.seed == 7
    assert set(row.accuracy) >= {"type", "sentiment", "urgent_recall", "matter"}
    guess = services.predict("家里自来水发黄还有铁锈味", "phone")["department"]
    assert guess.value == "billing" and guess.confidence >= learn.DEPARTMENT_FROM
    # The newest model answers; its row is kept with what it learnt from.
    assert services.current_model()[0].pk == row.pk


def test_training_is_reproducible_whatever_the_order():
    examples = list(services.starter_examples())[::3]
    first = learn.fit(examples, seed=3)
    random.Random(1).shuffle(examples)
    second = learn.fit(examples, seed=3)
    assert first.fingerprint() == second.fingerprint()
    probe = [("快递三天没送到,打电话也没人接", "phone"), ("电梯又坏了,困了人", "chat")]
    assert [
        {k: (g.value, g.confidence) for k, g in found.items()}
        for found in first.predict_many(probe)
    ] == [
        {k: (g.value, g.confidence) for k, g in found.items()}
        for found in second.predict_many(probe)
    ]
    # A saved model answers as it did before it was saved.
    again = learn.Triager.load(first.dump())
    assert again.fingerprint() == first.fingerprint()


def test_the_command_trains_and_scores(capsys):
    call_command("triage", "train", "--seed", "0")
    out = capsys.readouterr().out
    assert TrainedModel.objects.count() == 1
    assert "seed 0" in out and "type" in out and "%" in out
    call_command("triage", "score")
    scored = capsys.readouterr().out
    assert f"({len(services.test_examples())} requests)" in scored


def test_only_supervisors_quality_and_admins_read_the_models(api_as, people):
    services.train()
    assert api_as(people["agent"]).get("/triage/models").status_code == 403
    listed = api_as(people["supervisor"]).get("/triage/models")
    assert listed.status_code == 200 and listed.json()[0]["accuracy"]["type"] > 0.5


def test_a_complaints_matter_and_category_name_each_other(api_as, agent, web_as):
    from kefu.complaints.models import Complaint

    api = api_as(agent)
    complaint = {"type": "complaint", "channel": "phone", "content": "抄表员态度恶劣,还多抄了读数"}

    def saved(**fields):
        made = api.post("/tickets", complaint | fields)
        assert made.status_code == 201, made.json()
        serial = made.json()["serial"]
        return Complaint.objects.get(ticket__serial=serial), TicketLabel.objects.get(
            ticket__serial=serial
        )

    # The matter chosen, no category: the category of the same code.
    found, label = saved(matter="attitude")
    assert found.category.code == "attitude" and label.matter == "attitude"
    # The category chosen, no matter: the matter of the same code, confirmed by the agent.
    found, label = saved(category="billing")
    assert (label.matter, label.matter_sure) == ("billing", True) and "matter" in label.confirmed
    # Both chosen: each as chosen. A matter no category names leaves the category empty.
    found, label = saved(category="billing", matter="attitude")
    assert (found.category.code, label.matter) == ("billing", "attitude")
    found, label = saved(matter="noise")
    assert found.category is None and label.matter == "noise"
    # The read-back names the category that saving will keep.
    page = web_as(agent).post(
        "/tickets/new",
        {
            "type": "complaint",
            "channel": "phone",
            "priority": "normal",
            "reply_method": "none",
            "content": complaint["content"],
            "matter": "billing",
        },
        HTTP_HX_REQUEST="true",
    )
    assert page.status_code == 200, page.content.decode()[:2000]
    assert 'data-testid="readback-category">抄表收费<' in page.content.decode()
