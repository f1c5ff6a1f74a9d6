"""One paging contract for every list: the pages and the API read a list the same way.

A list is read one page at a time: ``page`` (1-based) of ``per_page`` rows (20 unless asked,
at most 100). Numbers out of range are clamped, never refused: a page below 1 is page 1, past
100,000 it is page 100,000 (a larger OFFSET overflowed the database's integer: a 500), a
``per_page`` below 1 is 1 and above 100 is 100. Only text that is not a whole number is refused,
by the API's one error shape (422 ``invalid`` naming the field); a page's link never fails.

Counting a million rows on each view costs more than the page: the count stops at a cap (10,000
unless the list says less) and ``count_capped`` then means "at least this many". The count is
never less than the rows up to the end of the page shown. Whether a next page exists is known
from one row read past the page, whatever the count says. Two queries: the count and the page.

The API answers every list with one envelope, ``PageOut[ItemOut]``:
``{"items": [...], "count": int, "count_capped": bool, "page": int, "per_page": int}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypedDict, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import field_validator

T = TypeVar("T")

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
# Counting a million rows on each page view costs more than the page; past this we say "10000+".
COUNT_CAP = 10_000


def clamp_page(page: int) -> int:
    return max(1, min(page, MAX_PAGE))


def clamp_per_page(per_page: int) -> int:
    return max(1, min(per_page, MAX_PER_PAGE))


@dataclass
class Page(Generic[T]):
    """One page of a list, as the templates and the API envelope read it."""

    items: list[T]
    page: int
    per_page: int
    count: int
    count_capped: bool
    more: bool = False  # a row exists after this page

    @property
    def has_next(self) -> bool:
        return self.more

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def pages(self) -> int:
        """Pages the count fills (at least this many when the count is capped)."""
        return max(1, -(-self.count // self.per_page))


def paginate(
    queryset: QuerySet[Any],
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    count_cap: int = COUNT_CAP,
    rows: Callable[[bool], QuerySet[Any]] | None = None,
    fetch: Callable[[QuerySet[Any]], list[Any]] = list,
) -> Page[Any]:
    """Page ``page`` of ``queryset`` (ordered as the list shows it): two queries, whatever the
    page size, the page number or the number of rows.

    ``queryset`` is counted without its ordering, up to ``count_cap`` + 1 rows.
    ``rows``: when the rows to read depend on whether the count was capped (a ticket search
    reads a capped result in date order), a function of ``count_capped`` giving the queryset to
    slice instead of ``queryset``. ``fetch`` runs the sliced query (the ticket queue sets a
    planner option around it).
    """
    page, per_page = clamp_page(page), clamp_per_page(per_page)
    counted = queryset.order_by()[: count_cap + 1].count()
    capped = counted > count_cap
    source = rows(capped) if rows is not None else queryset
    start = (page - 1) * per_page
    # One row past the page tells whether there is a next one, whatever the count says.
    found = fetch(source[start : start + per_page + 1])
    items = found[:per_page]
    count = min(counted, count_cap)
    if items:  # a capped count says "at least": at least the rows up to this page's last one
        count = max(count, start + len(items))
    return Page(items, page, per_page, count, capped, len(found) > per_page)


def _whole_number(raw: str | None, default: int) -> int:
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return default
    return int(raw) if len(raw) <= 9 else MAX_PAGE  # clamped next, like any large number


class PageArgs(TypedDict):
    page: int
    per_page: int


def page_args(params: Mapping[str, str]) -> PageArgs:
    """``page`` and ``per_page`` of a page's query string, clamped as the API's; anything but a
    whole number reads as the default (a link to a page never fails)."""
    return PageArgs(
        page=clamp_page(_whole_number(params.get("page"), 1)),
        per_page=clamp_per_page(_whole_number(params.get("per_page"), PER_PAGE)),
    )


# ---------------------------------------------------------------------------------- API


class PageQuery(Schema):
    """The paging parameters of every list endpoint; a list's filters extend it."""

    page: int = Field(
        1, description="1-based page number; below 1 reads page 1, past 100000 page 100000"
    )
    per_page: int = Field(
        PER_PAGE, description=f"rows a page, 1 to {MAX_PER_PAGE} (outside that: clamped)"
    )

    @field_validator("page")
    @classmethod
    def _clamp_page(cls, value: int) -> int:
        return clamp_page(value)

    @field_validator("per_page")
    @classmethod
    def _clamp_per_page(cls, value: int) -> int:
        return clamp_per_page(value)


class PageOut(Schema, Generic[T]):
    """The envelope of every list the API answers."""

    items: list[T]
    count: int = Field(
        description=f"rows in the list; counting stops at a cap ({COUNT_CAP} unless said)"
    )
    count_capped: bool = Field(description='true: the count was capped, "at least this many"')
    page: int
    per_page: int


def page_out(page: Page[Any], item: Callable[[Any], Any]) -> dict[str, Any]:
    """The envelope of ``page``, each row shaped by ``item``."""
    return {
        "items": [item(row) for row in page.items],
        "count": page.count,
        "count_capped": page.count_capped,
        "page": page.page,
        "per_page": page.per_page,
    }


def page_number(request: Any) -> int:
    """The ``page`` a page's query string asks for; 1 for anything but a plain number (the list
    clamps it to its pages)."""
    raw = str(request.GET.get("page", "1"))
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1
