"""kefu.core.numbers: one reading of whole numbers for every page, socket and adapter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.core.errors import Code, ServiceError
from kefu.core.numbers import MAX_ID, whole, whole_or_none


@pytest.mark.parametrize(
    ("raw", "want"),
    [("0", 0), (" 42 ", 42), ("007", 7), (17, 17), (str(MAX_ID), MAX_ID), ("-0", 0)],
)
def test_what_reads_as_a_whole_number(raw, want):
    assert whole(raw, field="n") == want
    assert whole_or_none(raw) == want


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "  ",
        "1.5",
        1.0,
        True,
        "１２",  # full-width digits
        "1_000",
        "1e3",
        "+5",
        "--1",
        "-",
        "٣",  # Arabic-Indic digit
        str(MAX_ID + 1),
        "9" * 40,
        ["1"],
        {"id": 1},
    ],
)
def test_what_does_not(raw):
    assert whole_or_none(raw) is None
    with pytest.raises(ServiceError) as caught:
        whole(raw, field="count")
    assert caught.value.code == Code.INVALID
    assert caught.value.field == "count"
    assert "0" in caught.value.detail and str(MAX_ID) in caught.value.detail


def test_the_bounds_and_the_callers_message():
    assert whole("-3", field="n", low=-5) == -3
    assert whole_or_none("-3") is None
    with pytest.raises(ServiceError, match="请填写 1 到 24 之间的整数"):
        whole("25", field="hour", low=1, high=24)
    with pytest.raises(ServiceError, match="请选择"):
        whole("x", field="hotline_id", message="请选择")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_any_integer_as_text_reads_back_when_inside_the_bounds(number):
    inside = 0 <= number <= MAX_ID
    assert whole_or_none(str(number)) == (number if inside else None)
    assert whole_or_none(f" {number}\t") == (number if inside else None)
