"""Charts drawn on the server as SVG, put into the page as markup.

Why not a chart library (compared for issue 16):
- plotly's wheel is 15 MB and its JavaScript 4.6 MB per page; ECharts is 1 MB of JavaScript
  from npm, which the set-up command would then need; both draw in the browser, so the
  printed report and the wall screen depend on a script having run, and both need the
  Content-Security-Policy loosened (inline styles) or extra static plumbing.
- pygal draws SVG on the server, but every chart carries an inline ``<style>`` block, which
  our policy (``style-src 'self'``) blocks when the SVG is part of the page; as an ``<img>``
  its bars could not link to the tickets behind them.
- Drawn here: a few KB per chart, no script, styled by kefu.css (so print and the wall screen
  restyle it), Chinese text left to the browser's fonts (Noto Sans CJK), every bar or point a
  link to the drill-down. What is drawn is only bars, stacked bars and lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 800, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 64
SERIES = 8  # colours in kefu.css: .series-0 … .series-7


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    links: Sequence[str | None] = ()


def nice_top(value: float, *, whole: bool = False) -> float:
    """A round axis maximum at or above ``value``: four equal round steps (1, 1.25, 1.5, 2,
    2.5, 3, 4, 5, 6 or 8 × 10ⁿ; for counts, whole steps only)."""
    if value <= 0:
        return 4.0 if whole else 1.0
    power = 10 ** math.floor(math.log10(value / 4))
    for step in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        size = step * power
        if whole and (size < 1 or size != int(size)):
            continue
        if value <= 4 * size:
            return float(4 * size)
    return float(40 * power)


def _text(parent: ET.Element, x: float, y: float, text: str, cls: str, **attrs: str) -> None:
    node = ET.SubElement(parent, "text", x=f"{x:.1f}", y=f"{y:.1f}", attrib={"class": cls})
    for name, value in attrs.items():
        node.set(name.replace("_", "-"), value)
    node.text = text


def _frame(
    title: str, top: float, fmt: Callable[[float], str], head: float, size: tuple[int, int]
) -> ET.Element:
    width, height = size
    svg = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        role="img",
        attrib={"class": "chart", "aria-label": title},
    )
    ET.SubElement(svg, "title").text = title
    plot_h = height - head - BOTTOM
    for step in range(5):
        value = top * step / 4
        y = head + plot_h - plot_h * step / 4
        ET.SubElement(
            svg,
            "line",
            x1=str(LEFT),
            x2=str(width - RIGHT),
            y1=f"{y:.1f}",
            y2=f"{y:.1f}",
            attrib={"class": "grid edge" if step in (0, 4) else "grid"},
        )
        cls = "tick y edge" if step in (0, 4) else "tick y"
        _text(svg, LEFT - 6, y + 4, fmt(value), cls, text_anchor="end")
    return svg


def _x_labels(
    svg: ET.Element, labels: Sequence[str], centre: Callable[[int], float], height: int
) -> None:
    # At most ~16 labels under the axis; the rest are in the table below the chart.
    every = max(1, math.ceil(len(labels) / 16))
    for index, label in enumerate(labels):
        if index % every:
            continue
        x, y = centre(index), height - BOTTOM + 14
        short = label if len(label) <= 8 else label[:7] + "…"
        rotate = f"rotate(-35 {x:.1f} {y:.1f})"
        _text(svg, x, y, short, "tick x", text_anchor="end", transform=rotate)


def _text_width(text: str) -> float:
    """About how wide ``text`` is at the legend's 12 units: CJK characters are twice as wide."""
    return sum(12.5 if ord(ch) > 0x2E80 else 7 for ch in text)


def _legend_places(series: Sequence[Series], width: int) -> list[tuple[float, float]]:
    """Where each series' key goes above the plot, wrapping to more rows as needed."""
    if len(series) < 2:
        return []
    places, x, y = [], float(LEFT), 2.0
    for one in series:
        key = 18 + _text_width(one.label) + 14
        if x + key > width - RIGHT and x > LEFT:
            x, y = float(LEFT), y + 16
        places.append((x, y))
        x += key
    return places


def _head(places: list[tuple[float, float]]) -> float:
    """The plot's top: below the legend's rows."""
    return TOP + (max(y for _x, y in places) + 14 if places else 0)


def _legend(svg: ET.Element, series: Sequence[Series], places: list[tuple[float, float]]) -> None:
    for index, (one, (x, y)) in enumerate(zip(series, places, strict=False)):
        ET.SubElement(
            svg,
            "rect",
            x=f"{x:.1f}",
            y=f"{y:.1f}",
            width="10",
            height="10",
            attrib={"class": _cls(index)},
        )
        _text(svg, x + 14, y + 9, one.label, "legend")


def _cls(index: int) -> str:
    return f"series-{index % SERIES}"


def _linked(parent: ET.Element, link: str | None) -> ET.Element:
    return ET.SubElement(parent, "a", href=link) if link else parent


def render(svg: ET.Element) -> SafeString:
    # ElementTree escapes every label and link; the markup is the chart's own.
    return mark_safe(ET.tostring(svg, encoding="unicode"))  # noqa: S308


def bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    *,
    whole: bool = False,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> SafeString:
    """Bars per label, stacked when there are several series (each series a colour);
    ``whole``: the figures are counts."""
    stacks = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top = nice_top(max(stacks, default=0), whole=whole)
    places = _legend_places(series, size[0])
    head = _head(places)
    svg = _frame(title, top, fmt, head, size)
    plot_w, plot_h = size[0] - LEFT - RIGHT, size[1] - head - BOTTOM
    slot = plot_w / max(1, len(labels))
    width = min(max(2.0, slot * 0.7), 90.0)  # one bar alone is not a wall
    for index, label in enumerate(labels):
        base = float(head + plot_h)
        for number, one in enumerate(series):
            value = one.values[index] or 0
            if value <= 0:
                continue
            height = plot_h * value / top
            base -= height
            link = one.links[index] if index < len(one.links) else None
            holder = _linked(svg, link)
            rect = ET.SubElement(
                holder,
                "rect",
                x=f"{LEFT + slot * index + (slot - width) / 2:.1f}",
                y=f"{base:.1f}",
                width=f"{width:.1f}",
                height=f"{height:.1f}",
                attrib={"class": _cls(number)},
            )
            ET.SubElement(rect, "title").text = f"{label} · {one.label}: {fmt(value)}"
    _x_labels(svg, labels, lambda i: LEFT + slot * i + slot / 2, size[1])
    _legend(svg, series, places)
    return render(svg)


def lines(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    *,
    whole: bool = False,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> SafeString:
    """One line per series over ordered labels (days, weeks, months, hours)."""
    values = [v for s in series for v in s.values if v is not None]
    top = nice_top(max(values, default=0), whole=whole)
    places = _legend_places(series, size[0])
    head = _head(places)
    svg = _frame(title, top, fmt, head, size)
    plot_w, plot_h = size[0] - LEFT - RIGHT, size[1] - head - BOTTOM
    step = plot_w / max(1, len(labels) - 1) if len(labels) > 1 else 0.0

    def x(i: int) -> float:
        return LEFT + step * i if len(labels) > 1 else LEFT + plot_w / 2

    for number, one in enumerate(series):
        points = [
            (x(i), head + plot_h - plot_h * value / top)
            for i, value in enumerate(one.values)
            if value is not None
        ]
        if len(points) > 1:
            ET.SubElement(
                svg,
                "polyline",
                points=" ".join(f"{px:.1f},{py:.1f}" for px, py in points),
                attrib={"class": f"stroke {_cls(number)}"},
            )
        for i, value in enumerate(one.values):
            if value is None:
                continue
            link = one.links[i] if i < len(one.links) else None
            dot = ET.SubElement(
                _linked(svg, link),
                "circle",
                cx=f"{x(i):.1f}",
                cy=f"{head + plot_h - plot_h * value / top:.1f}",
                r="3.5",
                attrib={"class": _cls(number)},
            )
            ET.SubElement(dot, "title").text = f"{labels[i]} · {one.label}: {fmt(value)}"
    _x_labels(svg, labels, x, size[1])
    _legend(svg, series, places)
    return render(svg)


def heat_level(value: float | None, top: float | None) -> int:
    """0–5: how dark a heat table's cell is (0: empty)."""
    if not value or not top:
        return 0
    return max(1, min(5, math.ceil(5 * value / top)))
