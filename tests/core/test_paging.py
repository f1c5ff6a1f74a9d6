"""The one paging helper: two queries a page, a count that stops at its cap, numbers clamped,
and the pager every list page shows."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from kefu.core.paging import Page, page_args, paginate
from kefu.customers.models import Customer
from tests.customers.factories import make_customer


@pytest.fixture
def five(agent):
    return [make_customer(agent, name=f"客户{n}", phones=(f"1381234560{n}",)).pk for n in range(5)]


def _rows():
    return Customer.objects.order_by("id")


def test_a_page_costs_two_queries_whatever_its_size(five, django_assert_num_queries):
    with django_assert_num_queries(2):  # the count and the page, with one row past it
        page = paginate(_rows(), page=2, per_page=2)
    assert ([c.pk for c in page.items], page.count, page.count_capped) == (five[2:4], 5, False)
    assert (page.has_previous, page.has_next, page.pages) == (True, True, 3)


def test_the_last_page_knows_there_is_no_next_one(five):
    page = paginate(_rows(), page=3, per_page=2)
    assert ([c.pk for c in page.items], page.has_next, page.count) == (five[4:], False, 5)


def test_a_capped_count_says_at_least_the_rows_up_to_the_page_shown(five):
    first = paginate(_rows(), page=1, per_page=2, count_cap=2)
    second = paginate(_rows(), page=2, per_page=2, count_cap=2)
    last = paginate(_rows(), page=3, per_page=2, count_cap=2)
    beyond = paginate(_rows(), page=9, per_page=2, count_cap=2)

    assert (first.count, first.count_capped, first.has_next) == (2, True, True)
    assert (second.count, second.count_capped, second.has_next) == (4, True, True)
    assert (last.count, last.count_capped, last.has_next) == (5, True, False)
    assert (beyond.items, beyond.count, beyond.count_capped) == ([], 2, True)


def test_numbers_out_of_range_are_clamped(five):
    low = paginate(_rows(), page=0, per_page=0)
    high = paginate(_rows(), page=10**12, per_page=1000)

    assert (low.page, low.per_page, [c.pk for c in low.items]) == (1, 1, five[:1])
    assert (high.page, high.per_page, high.items, high.count) == (100_000, 100, [], 5)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"page": 1, "per_page": 20}),
        ({"page": "3", "per_page": "50"}, {"page": 3, "per_page": 50}),
        ({"page": "0", "per_page": "0"}, {"page": 1, "per_page": 1}),
        ({"page": "99999999999999999999", "per_page": "500"}, {"page": 100_000, "per_page": 100}),
        ({"page": "abc", "per_page": "-5"}, {"page": 1, "per_page": 20}),
        ({"page": "２", "per_page": " 7 "}, {"page": 1, "per_page": 7}),
    ],
)
def test_a_pages_link_is_read_clamped_and_never_fails(query, expected):
    assert page_args(query) == expected


def test_the_pager_keeps_the_filters_and_per_page_and_changes_only_the_page():
    request = RequestFactory().get(
        "/tickets/", {"view": "open", "q": "停水", "type": "", "page": "2", "per_page": "5"}
    )
    page = Page(items=[], page=2, per_page=5, count=200, count_capped=True, more=True)

    html = Template("{% load kefu %}{% pager page %}").render(
        Context({"request": request, "page": page})
    )

    query = "view=open&amp;q=%E5%81%9C%E6%B0%B4&amp;per_page=5"
    assert f'href="?{query}&amp;page=1" data-testid="pager-previous"' in html
    assert f'href="?{query}&amp;page=3" data-testid="pager-next"' in html
    assert "共 200 条+ · 第 2 页" in html


@pytest.mark.parametrize(
    "url",
    [
        "/tickets/",
        "/customers/",
        "/workorders/",
        "/workorders/calls/",
        "/followups/",
        "/notifications/",
        "/notices/",
    ],
)
def test_every_list_page_shows_the_one_pager(url, agent, web_as):
    response = web_as(agent).get(url, {"page": "abc", "per_page": "1000"})

    assert response.status_code == 200
    assert response.context["page"].page == 1
    assert response.context["page"].per_page == 100
    assert 'data-testid="pager"' in response.content.decode()
