"""Grumbles (抱怨登记): handled on the spot, turned into a complaint ticket once when not
settled, counted apart from the complaints; the customer's phone masked by role."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kefu.complaints.models import Category, Complaint
from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.notebooks import selectors, services
from kefu.notebooks.models import Grumble
from kefu.tickets.models import Ticket
from tests.notebooks.factories import grumble
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def _month():
    today = timezone.localdate()
    return selectors.month_bounds(today.year, today.month)


def test_a_grumble_not_settled_becomes_a_complaint_ticket_once(agent):
    category = Category.objects.filter(is_active=True).first()
    row = grumble(agent, satisfied=False, category=category.code, channel="phone")
    ticket = services.escalate_grumble(agent, row.pk, note="客户要求书面答复")
    assert (ticket.type.code, ticket.channel, ticket.status) == ("complaint", "phone", "accepted")
    assert ticket.caller_number == "13812345678" and ticket.contact_name == "张三丰"
    assert Complaint.objects.get(ticket=ticket).category == category
    assert "排队等了二十分钟" in ticket.content
    row.refresh_from_db()
    assert (row.ticket_id, row.escalated, row.escalated_by_id) == (ticket.pk, True, agent.pk)
    with pytest.raises(ServiceError) as twice:
        services.escalate_grumble(agent, row.pk)
    assert twice.value.code == "invalid_transition"
    assert Ticket.objects.count() == 1
    assert AuditLog.objects.filter(action="notebooks.grumble.escalate").count() == 1


def test_bad_grumbles_are_refused_with_the_field(agent):
    for fields, field in (
        ({"channel": "fax"}, "channel"),
        ({"content": ""}, "content"),
        ({"handling": " "}, "handling"),
        ({"customer_phone": "abc"}, "customer_phone"),
        ({"category": "no-such"}, "category"),
        ({"at": timezone.now() + timezone.timedelta(days=1)}, "at"),
    ):
        with pytest.raises(ServiceError) as refused:
            grumble(agent, **fields)
        assert refused.value.field == field, fields
    assert not Grumble.objects.exists()


def test_grumbles_are_counted_apart_from_complaints(agent, lead, people):
    category = Category.objects.filter(is_active=True).first()
    grumble(agent, category=category.code)
    grumble(agent, satisfied=False)
    escalated = grumble(agent, satisfied=False, category=category.code)
    services.escalate_grumble(agent, escalated.pk)
    make_ticket(agent, type="complaint", content="抄表员态度恶劣", category=category.code)
    grumble(lead)
    first, last = _month()
    stats = selectors.grumble_stats(lead, first=first, last=last)
    assert (stats.grumbles, stats.complaints) == (4, 2)
    by_agent = {r["agent_id"]: r for r in stats.agents}
    assert {
        k: by_agent[agent.pk][k] for k in ("grumbles", "satisfied", "escalated", "complaints")
    } == {
        "grumbles": 3,
        "satisfied": 1,
        "escalated": 1,
        "complaints": 2,
    }
    assert by_agent[lead.pk]["grumbles"] == 1
    assert {r["category"]: (r["grumbles"], r["complaints"]) for r in stats.categories} == {
        category.name: (2, 2),
        "": (2, 0),
    }
    mine = selectors.grumble_stats(agent, first=first, last=last)
    assert mine.grumbles == 3


def test_an_agent_sees_only_their_own_grumbles(agent, lead, people):
    grumble(agent)
    other = grumble(people["sz_agent"])
    assert selectors.list_grumbles(agent).count() == 1
    assert selectors.list_grumbles(lead).count() == 2
    with pytest.raises(ServiceError) as unseen:
        services.escalate_grumble(agent, other.pk)
    assert unseen.value.code == "not_found"
    with pytest.raises(ServiceError) as reader:
        services.escalate_grumble(people["quality"], other.pk)
    assert reader.value.code == "forbidden"
