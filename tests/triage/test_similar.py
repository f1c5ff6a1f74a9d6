"""Similar tickets on the ticket page and in the API: the same matter, the same area first,
then the closest in time, within 30 days, only what the viewer may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.triage.selectors import similar_tickets
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def _on(agent, matter, *, area="", days_ago=0, content="家里没水了", **fields):
    return make_ticket(
        agent,
        type="complaint",
        content=content,
        matter=matter,
        area=area,
        received_at=timezone.now() - dt.timedelta(days=days_ago, minutes=1),
        **fields,
    )


def test_the_same_matter_of_the_same_area_comes_first(agent, people):
    ticket = _on(agent, "supply", area="yhy")
    elsewhere_recent = _on(agent, "supply", days_ago=1)
    same_area_older = _on(agent, "supply", area="yhy", days_ago=3)
    _on(agent, "billing", area="yhy", content="水费怎么这么高")  # another matter
    _on(agent, "supply", area="yhy", days_ago=40)  # too long ago
    other_branch = _on(people["sz_agent"], "supply", branch="sz")
    # The center's agent sees both branches: the same area first, then the newest.
    found = similar_tickets(ticket, agent)
    assert [t.serial for t in found] == [
        same_area_older.serial,
        other_branch.serial,
        elsewhere_recent.serial,
    ]
    # A branch's agent is shown nothing of the other branch.
    assert similar_tickets(other_branch, people["sz_agent"]) == []


def test_the_api_and_the_page_show_them(agent, api_as, web_as):
    ticket = _on(agent, "supply", area="yhy")
    twin = _on(agent, "supply", area="yhy", content="小区停水一整天了")
    body = api_as(agent).get(f"/triage/tickets/{ticket.serial}/similar").json()
    assert [row["serial"] for row in body] == [twin.serial]
    assert body[0]["area"] == "阳光花园" and body[0]["content"] == "小区停水一整天了"
    assert api_as(agent).get("/triage/tickets/NOPE/similar").status_code == 404
    page = web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()
    assert 'data-testid="similar"' in page and twin.serial in page
    assert "停水/供水中断" in page  # the ticket's matter, by its name


def test_no_matter_no_similar_tickets(agent):
    ticket = make_ticket(agent, content="嗯")
    ticket.triage.matter = ""
    ticket.triage.save()
    make_ticket(agent, content="嗯嗯")
    assert similar_tickets(ticket, agent) == []
