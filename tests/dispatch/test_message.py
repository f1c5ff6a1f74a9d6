"""The dispatch SMS text: the template filled from the order, shortened to 70 characters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.core.errors import ServiceError
from kefu.core.models import CenterProfile
from kefu.dispatch.defaults import DEFAULT_TEMPLATES, LOGISTICS, ON_SITE, add_templates
from kefu.dispatch.message import (
    format_window,
    message_for,
    preview_text,
    render_message,
    validate_template,
)
from kefu.dispatch.models import MessageTemplate
from tests.dispatch.factories import make_field, make_order

# The signature is the center's (中心信息, a row; else KEFU_SMS_SIGNATURE): read from the db.
pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
SIGNATURE = "【某某水务】"

REPAIR = {
    "serial": "P251124001",
    "customer": "王先生",
    "phone": "13512345678",
    "address": "阳光花园3栋2单元501",
    "goods": "厨房水管爆裂",
    "agent_no": "8011",
}
PICKUP = {
    "serial": "P251124001",
    "customer": "上海某某贸易有限公司张经理",
    "phone": "13512345678",
    "goods": "服装两箱易碎请小心轻放",
    "quantity": "2件",
    "weight": "30kg",
    "volume": "0.2方",
    "destination": "北京市朝阳区",
    "consignee": "李四",
    "consignee_phone": "13698765432",
    "payment": "到付",
    "charges": "保价费10元",
    "hint": "下午三点前取件,到门口打电话",
    "agent_no": "8011",
}


@pytest.fixture
def field(org, people):
    return make_field(org, people)


def refusal(template: str) -> str:
    with pytest.raises(ServiceError) as caught:
        validate_template(template)
    assert (caught.value.code, caught.value.field) == ("invalid", "text")
    return caught.value.detail


# ------------------------------------------------------------------------------- filling in


def test_a_short_order_is_sent_unchanged():
    rendered = render_message(ON_SITE, REPAIR)

    assert rendered.text == "[P251124001]王先生,13512345678,阳光花园3栋2单元501,厨房水管爆裂[8011]"
    assert (rendered.length, rendered.limit, rendered.over_limit) == (53, 70, False)
    assert (rendered.shortened, rendered.dropped) == ([], [])


def test_an_empty_field_is_left_out_with_its_separator():
    template = "[{serial}]{customer},{phone}[{agent_no}]"

    rendered = render_message(template, {**REPAIR, "customer": ""})

    assert rendered.text == "[P251124001]13512345678[8011]"


def test_an_empty_hint_keeps_the_bracketed_agent_number():
    short = {"customer": "张经理", "goods": "服装", "destination": "北京", "charges": "保价5元"}
    order = {**PICKUP, **short, "weight": "", "volume": "", "hint": ""}

    rendered = render_message(LOGISTICS, order)

    assert rendered.text == (
        "[P251124001]张经理,13512345678,服装,2件,北京,李四,13698765432,到付,保价5元[8011]"
    )
    assert (rendered.length, rendered.shortened, rendered.dropped) == (65, [], [])


def test_full_width_commas_and_semicolons_are_separators_too():
    template = "[{serial}]{customer}\uff0c{phone}\uff1b{goods}[{agent_no}]"

    rendered = render_message(template, {**REPAIR, "customer": ""})

    assert rendered.text == "[P251124001]13512345678\uff1b厨房水管爆裂[8011]"


def test_units_and_labels_go_with_their_field():
    template = "[{serial}]{quantity}件,收:{consignee},{consignee_phone}[{agent_no}]"
    order = {**PICKUP, "quantity": "2"}

    assert render_message(template, order).text == "[P251124001]2件,收:李四,13698765432[8011]"
    assert (
        render_message(template, {**order, "quantity": ""}).text
        == "[P251124001]收:李四,13698765432[8011]"
    )
    assert (
        render_message(template, {**order, "consignee": ""}).text
        == "[P251124001]2件,13698765432[8011]"
    )


def test_typed_line_breaks_become_one_space():
    rendered = render_message(ON_SITE, {**REPAIR, "goods": "水管\r\n  爆裂"})

    assert rendered.text == "[P251124001]王先生,13512345678,阳光花园3栋2单元501,水管 爆裂[8011]"


def test_the_window_is_written_short_in_local_time():
    start = dt.datetime(2025, 11, 25, 6, 0, tzinfo=dt.UTC)

    assert format_window(start, start + dt.timedelta(hours=2)) == "11-25 14:00-16:00"
    assert (
        format_window(
            dt.datetime(2025, 11, 25, 22, 0, tzinfo=SH), dt.datetime(2025, 11, 26, 2, 0, tzinfo=SH)
        )
        == "11-25 22:00-11-26 02:00"
    )
    assert format_window(start, None) == ""


# -------------------------------------------------------------------------------- shortening


def test_a_field_is_cut_only_as_far_as_needed():
    order = {**REPAIR, "window": "11-25 14:00-16:00"}  # 72 characters in full

    rendered = render_message(ON_SITE, order)

    assert rendered.text == (
        "[P251124001]王先生,13512345678,阳光花园3栋2单元5…,厨房水管爆裂,11-25 14:00-16:00[8011]"
    )
    assert (rendered.length, rendered.shortened, rendered.dropped) == (70, ["address"], [])


def test_a_long_order_is_cut_then_thinned_in_the_rules_order_to_exactly_seventy():
    # In full 115 characters: every free text is cut to 4, then hint, charges, payment and
    # volume are left out, and the 3 characters this frees beyond the need go back to goods.
    rendered = render_message(LOGISTICS, PICKUP)

    assert rendered.text == (
        "[P251124001]上海某…,13512345678,服装两箱易碎…,2件,30kg,北京市…,李四,13698765432[8011]"
    )
    assert rendered.length == len(rendered.text) == 70
    assert rendered.shortened == ["customer", "destination", "goods"]
    assert rendered.dropped == ["hint", "charges", "payment", "volume"]
    assert rendered.over_limit is False
    assert rendered.text.startswith("[P251124001]")
    assert rendered.text.endswith(",13698765432[8011]")
    assert ",13512345678," in rendered.text


def test_the_signature_reduces_the_budget(settings):
    settings.NOTIFY_SMS_SIGNATURE = SIGNATURE
    order = {**REPAIR, "window": "11-25 14:00-16:00"}

    rendered = render_message(ON_SITE, order)

    assert rendered.text == (
        "[P251124001]王先生,13512345678,阳光花园…,厨房水管爆裂,11-25 14:00-16:00[8011]"
    )
    assert (rendered.length, rendered.limit, rendered.signature) == (64, 64, SIGNATURE)
    assert len(rendered.signature + rendered.text) == 70


def test_chinese_text_is_counted_per_character_not_per_byte():
    rendered = render_message("[{serial}]{hint}[{agent_no}]", {**REPAIR, "hint": "请" * 60})

    assert rendered.text == "[P251124001]" + "请" * 51 + "…[8011]"
    assert rendered.length == 70
    assert len(rendered.text.encode()) == 174


def test_protected_fields_are_never_cut_even_when_the_text_cannot_fit():
    template = "说明" * 33 + "[{serial}]{customer}[{agent_no}]"

    rendered = render_message(template, REPAIR)

    assert rendered.text == "说明" * 33 + "[P251124001][8011]"
    assert (rendered.length, rendered.over_limit, rendered.dropped) == (84, True, ["customer"])


# ------------------------------------------------------------------------------ validation


def test_the_default_templates_are_valid_even_under_a_signature(settings):
    settings.NOTIFY_SMS_SIGNATURE = SIGNATURE
    for text in DEFAULT_TEMPLATES.values():
        validate_template(text)


def test_an_unknown_placeholder_is_refused():
    detail = refusal("[{serial}]{mobile}[{agent_no}]")

    assert detail.startswith("未知的占位符 {mobile};可用的占位符:serial, customer, phone,")


def test_a_template_without_serial_or_agent_number_is_refused():
    assert refusal("{customer},{phone}[{agent_no}]") == "模板必须包含 {serial}(派工单号)"
    assert refusal("[{serial}]{customer},{phone}") == "模板必须包含 {agent_no}(派工坐席工号)"


def test_bad_braces_formats_and_repeats_are_refused():
    assert refusal("[{serial]{agent_no}") == "模板中的花括号不成对;文字中的花括号请写成 {{ 或 }}"
    assert refusal("[{serial}]{agent_no}}") == "模板中的花括号不成对;文字中的花括号请写成 {{ 或 }}"
    assert refusal("[{serial:>12}][{agent_no}]") == "占位符只写名称,如 {serial}"
    assert refusal("[{serial}]{phone},{phone}[{agent_no}]") == "占位符 {phone} 只能用一次"
    assert refusal("   ") == "请填写短信模板"


def test_literal_braces_are_written_doubled():
    validate_template("{{派工}}[{serial}][{agent_no}]")

    assert (
        render_message("{{派工}}[{serial}][{agent_no}]", REPAIR).text == "{派工}[P251124001][8011]"
    )


def test_a_template_whose_fixed_text_leaves_no_room_is_refused():
    # 35 + 4 brackets + serial 12, phone 13 and 工号 6 at their longest: exactly 70.
    fits = "派" * 35 + "[{serial}]{phone}[{agent_no}]"
    validate_template(fits)

    assert (
        refusal("派" + fits)
        == "模板的固定文字太长:单号、电话和工号按最长计算已有 71 个字,超过短信的 70 个字"
    )
    CenterProfile.objects.create(sms_signature=SIGNATURE)  # the admin sets it: 中心信息
    assert (
        refusal(fits)
        == "模板的固定文字太长:单号、电话和工号按最长计算已有 70 个字,超过短信的 64 个字"
    )


# -------------------------------------------------------------------- templates and orders


@pytest.mark.django_db
def test_the_migration_gives_every_kind_an_active_template():
    rows = list(MessageTemplate.objects.values_list("kind", "text", "is_active"))

    assert rows == [
        ("delivery", LOGISTICS, True),
        ("install", ON_SITE, True),
        ("other", ON_SITE, True),
        ("pickup", LOGISTICS, True),
        ("repair", ON_SITE, True),
        ("survey", ON_SITE, True),
    ]


@pytest.mark.django_db
def test_loading_the_defaults_again_keeps_an_edited_template():
    MessageTemplate.objects.filter(kind="repair").update(text="[{serial}]{phone}[{agent_no}]")

    add_templates(MessageTemplate)

    assert MessageTemplate.objects.count() == 6
    assert MessageTemplate.objects.get(kind="repair").text == "[{serial}]{phone}[{agent_no}]"


def test_a_dispatched_order_carries_its_serial_and_the_agents_number(agent, field):
    order = make_order(agent, dispatch_to=field["fitter"])

    rendered = message_for(order)

    assert order.serial.startswith("P")
    assert rendered.text == (
        f"[{order.serial}]王先生,13512345678,阳光花园3栋2单元501,厨房水管爆裂[8011]"
    )
    assert rendered.length == len(order.serial) + 43


def test_an_order_not_yet_dispatched_has_no_agent_number(agent, field):
    order = make_order(agent)

    assert (
        message_for(order).text
        == f"[{order.serial}]王先生,13512345678,阳光花园3栋2单元501,厨房水管爆裂"
    )


def test_the_kinds_edited_template_is_used_and_an_inactive_one_is_not(agent, field):
    order = make_order(agent, dispatch_to=field["fitter"])
    MessageTemplate.objects.filter(kind="repair").update(
        text="[{serial}]{goods},{phone}[{agent_no}]"
    )

    assert message_for(order).text == f"[{order.serial}]厨房水管爆裂,13512345678[8011]"
    MessageTemplate.objects.filter(kind="repair").update(is_active=False)
    assert message_for(order).text.endswith("阳光花园3栋2单元501,厨房水管爆裂[8011]")


def test_a_stored_template_that_does_not_parse_falls_back_to_the_default(agent, field, caplog):
    order = make_order(agent, dispatch_to=field["fitter"])
    MessageTemplate.objects.filter(kind="repair").update(text="[{serial}]{mobile}[{agent_no}]")

    rendered = message_for(order)

    assert (
        rendered.text
        == f"[{order.serial}]王先生,13512345678,阳光花园3栋2单元501,厨房水管爆裂[8011]"
    )
    assert "dispatch template of repair does not parse" in caplog.text


# ---------------------------------------------------------------------------------- preview


@pytest.mark.django_db
def test_the_desk_form_previews_with_a_placeholder_serial_and_agent_number():
    form = {
        "kind": "repair",
        "department": "repair",
        "customer_name": "王先生",
        "customer_phone": "13512345678",
        "address": "阳光花园3栋2单元501",
        "goods": "厨房水管爆裂",
        "window_start": dt.datetime(2025, 11, 25, 14, 0, tzinfo=SH),
        "window_end": dt.datetime(2025, 11, 25, 16, 0, tzinfo=SH),
    }

    rendered = preview_text(form, "repair")

    assert rendered.text == (
        "[P000000000]王先生,13512345678,阳光花园3栋2单元5…,厨房水管爆裂,11-25 14:00-16:00[0000]"
    )
    assert (rendered.length, rendered.shortened) == (70, ["address"])
    assert preview_text({**form, "agent_no": "8011"}, "repair").text.endswith("[8011]")


@pytest.mark.django_db
def test_a_template_being_edited_is_previewed_and_validated():
    rendered = preview_text(REPAIR, "repair", "{serial}:{goods}/{agent_no}")

    assert rendered.text == "P251124001:厨房水管爆裂/8011"
    with pytest.raises(ServiceError) as caught:
        preview_text(REPAIR, "repair", "{serial}:{fault}/{agent_no}")
    assert caught.value.field == "text"
