"""The report registry: what each app can be counted by (DOMAIN §2, "Statistics").

Each app declares, in its own ``measures.py``, the facts it owns (a model whose rows are
counted, the moment that places a row in a period, the ticket it belongs to and the branch it
is scoped by), the dimensions its rows can be grouped and filtered by, and the measures (an
aggregate over a fact's rows, or a rate of two). ``kefu.reports`` reads the registry and does the
querying, charting and exporting; it knows no app's fields.

This module is at the bottom of the layers so that every app may declare; it imports no app.
The registry is filled when the apps are ready (``kefu.reports.apps`` discovers every
``<app>.measures`` module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Aggregate, Expression, Model, Q, QuerySet
from django.utils.functional import Promise

Labeller = Callable[[Iterable[Any]], Mapping[Any, str]]
Choices = Callable[[], list[tuple[Any, str]]]
Kind = Literal["count", "rate", "per10k", "ratio", "hours", "seconds", "average", "sum"]
BranchRows = Callable[[int], Q]


@dataclass(frozen=True)
class Dimension:
    """What rows are grouped by (类型, 渠道, 分支机构 …): ``labels`` names a set of values;
    ``choices`` lists the values a filter offers (None: it is not offered as a filter)."""

    key: str
    label: str | Promise
    labels: Labeller
    # Values in their own order (hours, days) rather than by the figure, largest first.
    ordered: bool = False
    choices: Choices | None = None


@dataclass(frozen=True)
class Fact:
    """A model whose rows a measure counts.

    ``time`` places a row in a period (None: a snapshot of now, e.g. the open backlog);
    ``serial`` is the path to the serial number the drill-down lists a row by and ``page`` the
    URL name of the page that serial opens (a ticket's, a work order's; None: no page);
    ``branch`` the
    path to its branch, or a function of a branch id making the condition (a branch's lead
    reads only their branch); ``dims`` maps each
    dimension key to a path or to a function making the expression (evaluated per query, so a
    "now" inside it is the query's).
    """

    key: str
    label: str | Promise
    model: type[Model]
    time: str | None
    serial: str
    page: str | None
    branch: str | BranchRows
    dims: Mapping[str, str | Callable[[], Expression]]
    base: Callable[[QuerySet[Any]], QuerySet[Any]] = field(default=lambda qs: qs)


@dataclass(frozen=True)
class Measure:
    """A figure: ``value`` aggregates the fact's rows where ``rows`` holds (the drill-down
    lists the tickets of those rows). A rate divides by ``of``: the rows it is a share of.

    Kinds: count; sum (of a number); average; hours and seconds (an average duration); rate
    (a share, 0–1); per10k (a share per 10,000 of ``of``); ratio (``value`` per one of ``of``).
    """

    key: str
    label: str | Promise
    fact: str
    kind: Kind
    value: Callable[[], Aggregate]
    rows: Q = field(default_factory=Q)
    of: Callable[[], Aggregate] | None = None
    help: str | Promise = ""


_dimensions: dict[str, Dimension] = {}
_facts: dict[str, Fact] = {}
_measures: dict[str, Measure] = {}


def declare(
    *,
    dimensions: Iterable[Dimension] = (),
    facts: Iterable[Fact] = (),
    measures: Iterable[Measure] = (),
) -> None:
    """Add an app's declarations. A key declared twice is a programming error."""
    for table, items in ((_dimensions, dimensions), (_facts, facts), (_measures, measures)):
        for item in items:
            if item.key in table and table[item.key] is not item:
                raise ValueError(f"report registry: {item.key!r} declared twice")
            table[item.key] = item  # type: ignore[assignment]


def dimension(key: str) -> Dimension | None:
    return _dimensions.get(key)


def fact(key: str) -> Fact:
    return _facts[key]


def measure(key: str) -> Measure | None:
    return _measures.get(key)


def measures() -> dict[str, Measure]:
    return dict(_measures)


def dimensions() -> dict[str, Dimension]:
    return dict(_dimensions)
