"""The complaint process over the API: the same services, the one error shape."""

from kefu.complaints.models import MunicipalHotline


def test_intake_takes_the_area_and_complaint_fields_and_answers_with_severity(agent, api_as):
    api = api_as(agent)
    created = api.post(
        "/tickets",
        {
            "type": "complaint",
            "channel": "phone",
            "content": "施工挖断水管,店铺被淹",
            "area": "yhy",
            "category": "repair-quality",
            "source": "customer",
            "loss_or_injury": True,
            "accept": True,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["area"] == "yhy"
    assert {k: body["complaint"][k] for k in ("severity", "reasons", "reason_labels")} == {
        "severity": "major",
        "reasons": ["loss_injury"],
        "reason_labels": ["造成经济损失或人身伤害"],
    }
    assert body["complaint"]["category"] == "repair-quality"
    assert body["complaint"]["group"] is None
    detail = api.get(f"/tickets/{body['serial']}").json()
    assert detail["complaint"]["severity"] == "major"


def test_a_collective_group_shows_its_id_and_member_serials(agent, api_as):
    api = api_as(agent)
    texts = [
        "小区停水一整天了",
        "我们小区没有水了",
        "小区停水什么时候来水",
        "整栋楼都停水了",
        "停水了没通知",
    ]
    serials = [
        api.post(
            "/tickets",
            {
                "type": "complaint",
                "channel": "phone",
                "content": text,
                "area": "yhy",
                "caller_number": f"1390000000{i}",
            },
        ).json()["serial"]
        for i, text in enumerate(texts)
    ]
    group = api.get(f"/tickets/{serials[0]}").json()["complaint"]["group"]
    assert group["members"] == serials
    assert api.get(f"/complaints/groups/{group['id']}").json()["members"] == serials


def test_every_step_over_the_api(people, api_as):
    agent, handler, head = (
        api_as(people["agent"]),
        api_as(people["dept_handler"]),
        api_as(people["dept_head"]),
    )
    serial = agent.post(
        "/tickets",
        {
            "type": "complaint",
            "channel": "web",
            "content": "维修人员态度恶劣",
            "department": "repair",
        },
    ).json()["serial"]
    assert handler.post(f"/tickets/{serial}/transitions", {"action": "start"}).status_code == 200
    classified = handler.post(f"/complaints/{serial}/classify", {"complaint_class": "responsible"})
    assert classified.json()["complaint"]["complaint_class"] == "responsible"
    proposed = handler.post(f"/complaints/{serial}/plans", {"text": "批评教育维修人员"})
    assert (proposed.status_code, proposed.json()["complaint"]["plan"]["state"]) == (
        201,
        "pending_head",
    )
    early = agent.post(f"/tickets/{serial}/transitions", {"action": "resolve"})
    assert (early.status_code, early.json()["code"], early.json()["detail"]) == (
        409,
        "invalid_transition",
        "处理方案尚未批准",
    )
    decided = head.post(f"/complaints/{serial}/plans/decision", {"approve": True})
    assert decided.json()["complaint"]["plan"]["state"] == "approved"
    confirmed = agent.post(
        f"/complaints/{serial}/confirmation", {"method": "phone", "note": "客户同意"}
    )
    assert confirmed.json()["complaint"]["confirmation"] == "phone"
    assert agent.post(f"/tickets/{serial}/transitions", {"action": "resolve"}).status_code == 200
    lessons = agent.post(
        f"/complaints/{serial}/lessons", {"cause": "服务意识差", "corrective_action": "培训"}
    )
    assert lessons.json()["complaint"]["cause"] == "服务意识差"
    refused = agent.post(f"/tickets/{serial}/transitions", {"action": "close"})
    assert (refused.status_code, refused.json()["detail"]) == (409, "责任投诉须回访后才能归档")
    agent.post(f"/tickets/{serial}/transitions", {"action": "follow_up", "note": "满意"})
    closed = agent.post(f"/tickets/{serial}/transitions", {"action": "close"})
    assert closed.json()["status"] == "closed"


def test_bad_complaint_input_gets_a_field_error_and_changes_nothing(agent, api_as):
    api = api_as(agent)
    unknown = api.post(
        "/tickets",
        {"type": "complaint", "channel": "phone", "content": "x", "category": "nonsense"},
    )
    assert (unknown.status_code, unknown.json()["field"], unknown.json()["detail"]) == (
        422,
        "category",
        "投诉类别无效:nonsense",
    )
    serial = api.post("/tickets", {"type": "complaint", "channel": "phone", "content": "x"}).json()[
        "serial"
    ]
    bad_class = api.post(f"/complaints/{serial}/classify", {"complaint_class": "whatever"})
    assert (bad_class.status_code, bad_class.json()["errors"][0]["field"]) == (
        422,
        "complaint_class",
    )
    missing = api.post(f"/complaints/{serial}/hotline", {"hotline_id": 999999})
    assert missing.status_code == 409  # not an assist complaint
    assert api.get(f"/tickets/{serial}").json()["complaint"]["complaint_class"] == ""
    english = api.client.post(
        f"/api/v1/complaints/{serial}/severity",
        {"severity": "major", "reason": "x"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **api.auth,
    )
    assert english.status_code == 403


def test_the_hotline_directory_and_categories_are_listed(agent, api_as):
    api = api_as(agent)
    hotlines = api.get("/complaints/hotlines").json()
    assert [h["number"] for h in hotlines] == ["95598", "10000", "10010", "10086", "12345"]
    assert MunicipalHotline.objects.count() == 5
    assert [c["code"] for c in api.get("/complaints/categories").json()][:3] == [
        "attitude",
        "supply",
        "pressure",
    ]
