"""Publishing a notice asks first: the preview shows how many customers get the SMS (narrowed
by the notice's streets) and the SMS as their phones show it (the center's signature, the
streets, the advice); only a confirmation that still holds publishes."""

from __future__ import annotations

import pytest
from django.db.models import Count

from kefu.core.errors import Code, ServiceError
from kefu.core.models import AuditLog, CenterProfile
from kefu.customers.services import deactivate_customer
from kefu.notices import services
from kefu.notices.campaign import send_campaign_batch
from kefu.notices.models import Campaign, Notice
from kefu.notices.streets import street_names, street_words
from kefu.notify.gateways import sms_text
from kefu.notify.models import Delivery
from tests.customers.factories import make_customer
from tests.notices.factories import make_notice, notice_in, publish_confirmed

STREETS = "解放路、人民路8号\n幸福里 A栋"
SMS = (
    "【清源水务】停水通知:阳光花园停水,阳光花园(解放路、人民路8号、幸福里 A栋),"
    "11月24日09:00至11月24日18:00。请提前储水"
)
# Of 阳光花园's customers, those whose address names a street, and those with a mobile.
TEXTED = {"13800000001", "13800000002", "13800000003", "13800000004"}


@pytest.fixture
def customers(lead, settings):
    """阳光花园's customers at addresses of every shape, and some that are not affected."""
    settings.NOTIFY_SMS_SIGNATURE = "【部署签名】"  # the admin's signature wins over it
    CenterProfile.objects.create(name="清源水务", hotline="96116", sms_signature="【清源水务】")
    addresses = [
        ("13800000001", "阳光花园解放路12号3单元"),  # a street as written
        ("13800000002", "阳光花园人民路8号101"),  # a full-width number
        ("13800000003", "幸福里小区2栋"),
        ("13800000004", "和平街a栋302"),  # a lower-case letter
        ("13800000005", "阳光花园建设路5号"),  # another street
        ("13800000006", ""),  # no address
        ("13800000007", "阳光花园人民路18号"),  # 人民路, not 人民路8号
    ]
    made = [
        make_customer(lead, name=f"客户{i}", phones=(phone,), address=address)
        for i, (phone, address) in enumerate(addresses)
    ]
    made.append(make_customer(lead, name="固话", phones=("01088881234",), address="解放路20号"))
    make_customer(lead, name="南山", phones=("13900000001",), area="nsh", address="解放路1号")
    gone = make_customer(lead, name="销户", phones=("13900000002",), address="解放路2号")
    deactivate_customer(gone.pk, actor=lead)
    return made


def _run(notice, purpose="published") -> Campaign:
    campaign = Campaign.objects.get(notice=notice, purpose=purpose)
    while send_campaign_batch(campaign.pk):
        pass
    campaign.refresh_from_db()
    return campaign


def _texted(notice, event="notice.published") -> dict[str, int]:
    rows = Delivery.objects.filter(event=event, key__startswith=f"notice:{notice.pk}:")
    return {r["address"]: r["n"] for r in rows.values("address").annotate(n=Count("pk"))}


def _state(notice_id: int) -> tuple:
    notice = Notice.objects.get(pk=notice_id)
    return (
        notice.state,
        notice.published_at,
        notice.title,
        notice.streets,
        Campaign.objects.filter(notice_id=notice_id).count(),
        Delivery.objects.count(),
        AuditLog.objects.filter(action="notice.publish").count(),
    )


# ------------------------------------------------------------------------ streets


def test_street_words_are_cut_at_commas_spaces_and_lines_and_read_half_width():
    text = "解放路,人民路;幸福里\n  Ａ栋、栋 1-3 解放路,,"

    assert street_words(text) == ["解放路", "人民路", "幸福里", "A栋"]
    assert street_names("海岸城 1-3 栋、解放路\n\n解放路") == ["海岸城 1-3 栋", "解放路"]
    assert street_words("  ") == street_names("") == []


def test_the_streets_narrow_the_customers_to_the_addresses_naming_them(lead, customers):
    notice = make_notice(lead, streets=STREETS)

    preview = services.preview_notice(notice.pk, actor=lead)

    assert (preview.in_areas, preview.customers, preview.recipients, preview.without_mobile) == (
        8,
        5,
        4,
        1,
    )
    assert preview.streets == ["解放路", "人民路8号", "幸福里", "A栋"]


def test_what_is_sent_is_exactly_what_the_preview_showed(lead, customers):
    notice = make_notice(lead, streets=STREETS)
    preview = services.preview_notice(notice.pk, actor=lead)

    services.publish_notice(
        notice.pk, actor=lead, expected_recipients=preview.recipients, token=preview.token
    )
    campaign = _run(notice)

    assert _texted(notice) == {number: 1 for number in TEXTED}
    assert (campaign.total, campaign.sent, campaign.skipped) == (5, 4, 1)
    assert campaign.sent == preview.recipients
    bodies = set(Delivery.objects.filter(event="notice.published").values_list("body", flat=True))
    assert {sms_text(body) for body in bodies} == {preview.sms_text} == {SMS}
    assert (preview.length, preview.parts) == (len(SMS), 1) == (70, 1)  # just fits one


def test_without_streets_every_customer_of_the_areas_is_texted(lead, customers):
    notice = make_notice(lead)

    preview = services.preview_notice(notice.pk, actor=lead)
    publish_confirmed(notice.pk, actor=lead)
    campaign = _run(notice)

    assert (preview.in_areas, preview.customers, preview.recipients, preview.streets) == (
        8,
        8,
        7,
        [],
    )
    assert set(_texted(notice)) == TEXTED | {"13800000005", "13800000006", "13800000007"}
    assert campaign.sent == 7
    assert preview.sms_text == (
        "【清源水务】停水通知:阳光花园停水,阳光花园,11月24日09:00至11月24日18:00。请提前储水"
    )


def test_the_closing_sms_goes_to_those_the_narrowed_publishing_sms_told(lead, customers):
    notice = make_notice(lead, streets=STREETS, publish=True)
    _run(notice)
    make_customer(lead, name="后来的", phones=("13800000009",), address="解放路9号")

    services.close_notice(notice.pk, actor=lead, closing_text="已恢复供水")
    closing = _run(notice, "closed")

    assert _texted(notice, "notice.closed") == {number: 1 for number in TEXTED}
    assert closing.sent == 4
    body = Delivery.objects.filter(event="notice.closed").values_list("body", flat=True)[0]
    assert "阳光花园(解放路、人民路8号、幸福里 A栋)" in body


def test_the_streets_of_a_published_notice_cannot_change(lead, customers):
    notice = make_notice(lead, streets=STREETS, publish=True)
    before = _state(notice.pk)

    with pytest.raises(ServiceError) as refused:
        services.update_notice(notice.pk, notice_in(streets="解放路"), actor=lead)

    assert (refused.value.code, refused.value.field, refused.value.detail) == (
        Code.INVALID,
        "streets",
        "公告已发布,不能更改影响街道/楼栋(短信已按其发送);如范围扩大,请另发一条公告",
    )
    assert _state(notice.pk) == before
    services.update_notice(
        notice.pk, notice_in(streets=STREETS, title="阳光花园停水延长"), actor=lead
    )
    assert Notice.objects.get(pk=notice.pk).title == "阳光花园停水延长"


# ------------------------------------------------------------------------ advice


@pytest.mark.parametrize(
    ("kind", "advice"),
    [
        ("outage", "请提前储水"),
        ("pressure", "高楼层用户请提前储水"),
        ("emergency_repair", "请提前储水"),
        ("planned_works", ""),
    ],
)
def test_a_new_notice_starts_with_its_kind_s_advice(lead, kind, advice):
    assert make_notice(lead, kind=kind).advice == advice


def test_the_advice_may_be_changed_or_cleared_and_the_sms_follows(lead, customers):
    cleared = make_notice(lead, advice="")
    changed = make_notice(lead, advice="请关好水龙头  防止来水后溢出。")

    assert cleared.advice == ""
    assert changed.advice == "请关好水龙头 防止来水后溢出。"
    assert services.preview_notice(cleared.pk, actor=lead).sms_text.endswith("至11月24日18:00。")
    assert services.preview_notice(changed.pk, actor=lead).sms_text.endswith(
        "18:00。请关好水龙头 防止来水后溢出"
    )


def test_an_advice_with_a_forbidden_phrase_is_refused(lead):
    with pytest.raises(ServiceError) as refused:
        make_notice(lead, advice="没办法,请提前储水", publish=True)

    assert (refused.value.code, refused.value.field) == (Code.INVALID, "advice")
    assert Notice.objects.get().state == "draft"


# ------------------------------------------------------------------------ the safeguard


def test_a_confirmation_gone_stale_is_refused_and_nothing_is_sent(lead, customers):
    notice = make_notice(lead, streets=STREETS)
    preview = services.preview_notice(notice.pk, actor=lead)
    make_customer(lead, name="新户", phones=("13800000008",), address="解放路30号")
    before = _state(notice.pk)

    with pytest.raises(ServiceError) as refused:
        services.publish_notice(
            notice.pk, actor=lead, expected_recipients=preview.recipients, token=preview.token
        )

    assert (refused.value.code, refused.value.field, refused.value.detail) == (
        Code.CONFLICT,
        "expected_recipients",
        "收件人或短信内容在确认后有变化(确认时 4 人,现在 5 人),未发布,请核对后重新确认",
    )
    assert _state(notice.pk) == before
    assert services.preview_notice(notice.pk, actor=lead).recipients == 5


def test_a_changed_text_is_refused_by_the_token_though_the_count_is_the_same(lead, customers):
    notice = make_notice(lead, streets=STREETS)
    preview = services.preview_notice(notice.pk, actor=lead)
    services.update_notice(
        notice.pk, notice_in(streets=STREETS, title="阳光花园全天停水"), actor=lead
    )
    before = _state(notice.pk)

    with pytest.raises(ServiceError) as refused:
        services.publish_notice(notice.pk, actor=lead, expected_recipients=4, token=preview.token)

    assert refused.value.code == Code.CONFLICT
    assert _state(notice.pk) == before
    # An integrator who confirms the count alone publishes on it.
    services.publish_notice(notice.pk, actor=lead, expected_recipients=4)
    assert Notice.objects.get(pk=notice.pk).state == "published"


@pytest.mark.parametrize("persona", ["agent", "dept_handler", "quality", "gm", "sz_agent"])
def test_only_team_leads_supervisors_and_admins_preview_or_publish(people, persona, customers):
    notice = make_notice(people["lead"], streets=STREETS)
    before = _state(notice.pk)

    for attempt in (
        lambda: services.preview_notice(notice.pk, actor=people[persona]),
        lambda: services.publish_notice(notice.pk, actor=people[persona], expected_recipients=4),
    ):
        with pytest.raises(ServiceError) as refused:
            attempt()
        assert refused.value.code == Code.FORBIDDEN

    assert _state(notice.pk) == before
    assert services.preview_notice(notice.pk, actor=people["supervisor"]).recipients == 4


def test_a_published_notice_has_no_publishing_preview(lead):
    notice = make_notice(lead, publish=True)

    with pytest.raises(ServiceError) as refused:
        services.preview_notice(notice.pk, actor=lead)

    assert refused.value.code == Code.INVALID_TRANSITION


# ------------------------------------------------------------------------ API


def test_the_api_previews_then_publishes_with_the_expected_count(lead, api_as, customers):
    notice = make_notice(lead, streets=STREETS)
    api = api_as(lead)

    preview = api.get(f"/notices/{notice.pk}/preview")
    published = api.post(
        f"/notices/{notice.pk}/publish",
        {"expected_recipients": 4, "token": preview.json()["token"]},
    )

    assert preview.status_code == 200
    assert preview.json() == {
        "customers": 5,
        "recipients": 4,
        "without_mobile": 1,
        "unsubscribed": 0,
        "in_areas": 8,
        "streets": ["解放路", "人民路8号", "幸福里", "A栋"],
        "sms_text": SMS,
        "length": len(SMS),
        "parts": 1,
        "token": preview.json()["token"],
    }
    assert len(preview.json()["token"]) == 16
    assert published.status_code == 200
    assert (published.json()["state"], published.json()["sms"]["total"]) == ("published", 5)
    assert published.json()["advice"] == "请提前储水"


def test_the_api_refuses_a_publish_without_the_count_or_with_a_stale_one(lead, api_as, customers):
    notice = make_notice(lead, streets=STREETS)
    api = api_as(lead)
    before = _state(notice.pk)

    bare = api.post(f"/notices/{notice.pk}/publish")
    stale = api.post(f"/notices/{notice.pk}/publish", {"expected_recipients": 55})

    assert bare.status_code == 422
    assert bare.json()["field"] == "expected_recipients"
    assert stale.status_code == 409
    assert stale.json() == {
        "code": "conflict",
        "detail": "收件人或短信内容在确认后有变化(确认时 55 人,现在 4 人),未发布,请核对后重新确认",
        "field": "expected_recipients",
        "errors": [
            {
                "field": "expected_recipients",
                "message": "收件人或短信内容在确认后有变化(确认时 55 人,现在 4 人),"
                "未发布,请核对后重新确认",
            }
        ],
    }
    assert _state(notice.pk) == before


def test_an_agent_gets_no_preview_through_the_api(lead, agent, api_as):
    notice = make_notice(lead)

    reply = api_as(agent).get(f"/notices/{notice.pk}/preview")

    assert reply.status_code == 403


def test_the_api_takes_and_shows_the_advice(lead, api_as):
    api = api_as(lead)
    body = {
        "kind": "planned_works",
        "title": "解放路管网改造",
        "areas": ["yhy"],
        "starts_at": "2026-11-24T09:00:00+08:00",
        "expected_end": "2026-11-24T18:00:00+08:00",
    }

    default = api.post("/notices", body)
    given = api.post("/notices", body | {"advice": "请错峰用水"})

    assert (default.status_code, default.json()["advice"]) == (201, "")
    assert (given.status_code, given.json()["advice"]) == (201, "请错峰用水")


# ------------------------------------------------------------------------ page


def test_the_page_asks_first_with_the_count_and_the_sms(lead, web_as, customers):
    notice = make_notice(lead, streets=STREETS)
    client = web_as(lead)

    page = client.get(f"/notices/{notice.pk}/").content.decode()
    confirm = client.get(f"/notices/{notice.pk}/", {"confirm": "publish"}).content.decode()

    assert 'data-testid="publish-button"' in page
    assert 'data-testid="publish-form"' not in page
    assert "将向 4 位客户发送短信" in confirm
    assert "受影响客户 5 户(片区内共 8 户,按街道筛选:解放路、人民路8号、幸福里、A栋)" in confirm
    assert "其中 1 户无手机号,不发送短信" in confirm
    assert SMS in confirm
    assert "70 字(含签名),按 1 条短信计费" in confirm
    assert 'name="expected_recipients" value="4"' in confirm
    assert Notice.objects.get(pk=notice.pk).state == "draft"  # looking sends nothing
    assert not Campaign.objects.exists()


def test_the_page_publishes_only_the_confirmation_that_still_holds(lead, web_as, customers):
    notice = make_notice(lead, streets=STREETS)
    client = web_as(lead)
    token = services.preview_notice(notice.pk, actor=lead).token
    make_customer(lead, name="新户", phones=("13800000008",), address="解放路30号")
    before = _state(notice.pk)

    stale = client.post(
        f"/notices/{notice.pk}/publish", {"expected_recipients": "4", "token": token}
    )
    missing = client.post(f"/notices/{notice.pk}/publish", {})

    assert stale.status_code == 409
    html = stale.content.decode()
    assert "确认时 4 人,现在 5 人" in html
    assert "将向 5 位客户发送短信" in html  # the new preview, to confirm again
    assert missing.status_code == 422
    assert _state(notice.pk) == before
    fresh = services.preview_notice(notice.pk, actor=lead)
    published = client.post(
        f"/notices/{notice.pk}/publish", {"expected_recipients": "5", "token": fresh.token}
    )
    assert published.status_code == 302
    assert Notice.objects.get(pk=notice.pk).state == "published"
    assert Campaign.objects.get(notice=notice).total == 6


def test_an_agent_sees_no_confirmation_on_the_page(lead, agent, web_as):
    notice = make_notice(lead)

    page = web_as(agent).get(f"/notices/{notice.pk}/", {"confirm": "publish"})

    assert page.status_code == 200
    assert 'data-testid="publish-confirm"' not in page.content.decode()
    assert 'data-testid="publish-button"' not in page.content.decode()
