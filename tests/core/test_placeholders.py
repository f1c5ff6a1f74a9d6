"""The one placeholder syntax: {name}, {{ and }} for literal braces, unknown names refused."""

import pytest

from kefu.core import placeholders
from kefu.core.errors import ServiceError


def test_fill_puts_each_value_in_and_leaves_missing_ones_empty():
    text = "工单{serial}({title})将于{due}到期"
    assert placeholders.fill(text, {"serial": "251124003", "title": None, "due": 5}) == (
        "工单251124003()将于5到期"
    )


def test_doubled_braces_are_literal_and_values_are_not_read_again():
    assert placeholders.fill("{{备注}} {note}", {"note": "{serial}"}) == "{备注} {serial}"
    assert placeholders.fill(placeholders.escape("a{b}c"), {}) == "a{b}c"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("工单 {serial", "模板中的花括号不成对;文字中的花括号请写成 {{ 或 }}"),
        ("工单 serial}", "模板中的花括号不成对;文字中的花括号请写成 {{ 或 }}"),
        ("{due:%H}", "占位符只写名称,如 {due}"),
        ("{title!r}", "占位符只写名称,如 {title}"),
    ],
)
def test_a_template_that_does_not_parse_is_refused(text, message):
    with pytest.raises(ServiceError) as caught:
        placeholders.check(text, ["serial", "due", "title"], field="body")
    assert (caught.value.detail, caught.value.field) == (message, "body")


def test_an_unknown_placeholder_is_refused_with_the_known_ones():
    with pytest.raises(ServiceError) as caught:
        placeholders.check("工单{serial}{{ x }}{level}", ["serial", "title", "url"])
    assert caught.value.detail == "未知的占位符 {level};可用的占位符:serial, title, url"


def test_names_in_lists_the_placeholders_in_order():
    assert placeholders.names_in("{b}{{a}}{c}") == ["b", "c"]
