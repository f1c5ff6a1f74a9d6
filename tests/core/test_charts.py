"""The server-drawn SVG charts: round axes, one linked bar or point per figure, labels escaped."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from kefu.core import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


@pytest.mark.parametrize(
    ("value", "whole", "top"),
    [(0, True, 4), (3, True, 4), (5, True, 8), (9, True, 12), (411, True, 500), (0.63, False, 0.8)],
)
def test_the_axis_top_is_round_and_at_or_above_the_largest_figure(value, whole, top):
    assert charts.nice_top(value, whole=whole) == top
    assert charts.nice_top(value, whole=whole) >= value
    if whole:  # four whole steps
        assert (top / 4) == int(top / 4)


def test_bars_are_links_with_escaped_labels_and_heights_in_proportion():
    svg = charts.bars(
        "受理量",
        ["电话", "<script>alert(1)</script>"],
        [charts.Series("受理量", [4, 2], ["/d?v=phone", "/d?v=x&y=1"])],
        whole=True,
    )
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    rects = root.findall(".//svg:a/svg:rect", NS)
    assert [a.get("href") for a in root.findall(".//svg:a", NS)] == ["/d?v=phone", "/d?v=x&y=1"]
    heights = [float(r.get("height")) for r in rects]
    assert heights[0] == pytest.approx(2 * heights[1], rel=0.01)


def test_stacked_bars_and_lines_draw_one_mark_per_figure():
    series = [charts.Series("a", [1, None, 3]), charts.Series("b", [2, 2, 0])]
    root = ET.fromstring(charts.bars("t", ["x", "y", "z"], series))
    assert len(root.findall(".//svg:rect[@class]", NS)) - 2 == 4  # four figures above 0, legend 2
    root = ET.fromstring(charts.lines("t", ["x", "y", "z"], series))
    assert len(root.findall(".//svg:circle", NS)) == 5  # None draws no point
    assert len(root.findall(".//svg:polyline", NS)) == 2
