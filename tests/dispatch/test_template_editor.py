"""The dispatch-SMS template editor in the admin: a textarea with the placeholders, and a
preview endpoint that fills the text with the dispatch filler and counts it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from kefu.core.models import CenterProfile
from kefu.dispatch.models import MessageTemplate
from tests.accounts.factories import make_person
from tests.dispatch.factories import make_order

URL = "/admin/dispatch/messagetemplate/preview/"
ON_SITE = "[{serial}]{customer},{phone},{address},{goods},{window},{hint}[{agent_no}]"


@pytest.fixture
def root(db):
    return make_person("root", "admin", number="9000")


@pytest.fixture
def signed(db):
    CenterProfile.objects.create(name="清源水务", hotline="96116", sms_signature="【清源水务】")


def test_the_change_form_is_a_textarea_with_the_placeholders(root, web_as):
    row = MessageTemplate.objects.get(kind="repair")
    html = web_as(root).get(f"/admin/dispatch/messagetemplate/{row.pk}/change/").content.decode()

    assert '<textarea name="text"' in html
    assert 'data-preview-url="/admin/dispatch/messagetemplate/preview/"' in html
    assert 'data-context-fields="id_kind"' in html
    assert 'data-token="consignee_phone"' in html and "收货人电话" in html
    assert "kefu/template_editor.js" in html


def test_without_an_order_the_preview_uses_a_realistic_sample_and_shows_the_shortening(
    root, web_as, signed
):
    data = web_as(root).get(URL, {"text": ON_SITE, "kind": "repair"}).json()

    assert data["errors"] == []
    assert data["source"] == "(样例订单)"
    assert data["preview"] == (
        "【清源水务】[P251124001]王建国,13512345678,解放路8…,厨房水管漏水,11-25 14:00-16:00[8011]"
    )
    assert data["count"] == len(data["preview"]) == 70
    assert data["count_text"] == "70 / 70 字(含签名【清源水务】 6 字)"
    assert (data["over"], data["notes"]) == (False, ["已截短:地址", "已省略:提示"])


def test_a_freight_sample_fills_the_freight_fields(root, web_as):
    text = "[{serial}]{goods},{quantity},{weight},{destination},{payment}[{agent_no}]"
    data = web_as(root).get(URL, {"text": text, "kind": "pickup"}).json()

    assert data["preview"] == "[P251124001]家电,2件,35kg,广州白云区,到付[8011]"
    assert data["count_text"] == "37 / 70 字(含签名(未设置) 0 字)"
    assert data["notes"] == []


def test_the_newest_order_of_the_kind_fills_the_preview(org, people, root, web_as, agent):
    make_order(agent, goods="旧单")
    newest = make_order(agent, goods="水表漏水")

    data = (
        web_as(root)
        .get(URL, {"text": "[{serial}]{phone},{goods}[{agent_no}]", "kind": "repair"})
        .json()
    )

    assert data["source"] == f"(最新派工单 {newest.serial})"
    assert data["preview"] == f"[{newest.serial}]13512345678,水表漏水[0000]"


def test_personal_data_is_masked_for_who_may_not_see_it(org, people, agent, client):
    make_order(agent)
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="change_messagetemplate"))
    client.force_login(clerk)

    data = client.get(
        URL, {"text": "[{serial}]{phone},{address}[{agent_no}]", "kind": "repair"}
    ).json()

    assert "135****5678" in data["preview"]
    assert "13512345678" not in data["preview"]
    assert "501" not in data["preview"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[{serial}]{customer}", "模板必须包含 {agent_no}(派工坐席工号)"),
        ("[{serial}]{boss}[{agent_no}]", "未知的占位符 {boss};可用的占位符:serial, customer"),
        ("[{serial}[{agent_no}]{", "模板中的花括号不成对;文字中的花括号请写成 {{ 或 }}"),
    ],
)
def test_the_errors_show_as_one_types(root, web_as, text, error):
    data = web_as(root).get(URL, {"text": text, "kind": "repair"}).json()

    assert data["errors"][0].startswith(error)
    assert data["preview"] == ""


def test_a_template_too_long_for_the_budget_is_previewed_with_its_error(root, web_as, signed):
    text = "[{serial}]" + "请" * 60 + "[{agent_no}]"
    data = web_as(root).get(URL, {"text": text, "kind": "pickup"}).json()

    assert data["errors"][0].startswith("模板的固定文字太长")
    assert data["over"] is True
    assert data["count"] > 70


def test_an_unknown_kind_previews_as_other(root, web_as):
    response = web_as(root).get(URL, {"text": "[{serial}][{agent_no}]", "kind": "nope"})
    assert response.status_code == 200
    assert response.json()["preview"] == "[P251124001][8011]"


def test_the_preview_is_for_staff_who_may_edit_templates(db, client, web_as):
    agent = make_person("agent", "agent", number="8011")
    assert web_as(agent).get(URL, {"text": "x"}).status_code == 302
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get(URL, {"text": "x"}).status_code == 403


def test_the_list_shows_each_templates_length(root, web_as, signed):
    html = web_as(root).get("/admin/dispatch/messagetemplate/").content.decode()
    assert "/ 70" in html
