"""The service count: computed from real rows of the agent's work (tickets taken, calls
answered, callbacks done, replies written, found items registered) plus manual entries,
per agent and day, summed per month; corrections are new entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.conversations.services import reply
from kefu.core.errors import ServiceError
from kefu.followups import services as followups
from kefu.followups.models import CallbackTask
from kefu.notebooks import selectors, services
from kefu.notebooks.models import ServiceEntry
from tests.followups.factories import resolved_complaint
from tests.frontdesk.factories import found_item
from tests.notebooks.factories import entry
from tests.telephony.factories import answered_call, missed_call
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def _month():
    today = timezone.localdate()
    return selectors.month_bounds(today.year, today.month)


def test_the_count_is_computed_from_the_agents_real_work(
    agent, lead, people, django_assert_num_queries
):
    # given: two tickets, two answered calls (one missed), a reply, a found item, a callback
    first = make_ticket(agent, type="inquiry", content="咨询水费")
    make_ticket(agent, content="水表漏水")
    make_ticket(lead, content="班长受理的报修")  # not the agent's
    answered_call("c1", number="13800000001")
    answered_call("c2", number="13800000002", direction="out")
    missed_call("c3", number="13800000003")
    reply(
        first.serial, actor=agent, text="已为您查询,本月水费 86 元。", via="sms", to="13812345678"
    )
    found_item(agent)
    complaint = resolved_complaint(people)
    task = CallbackTask.objects.get(ticket=complaint)
    followups.record_attempt(task.pk, actor=agent, outcome="satisfied", note="客户满意")
    entry(agent, count=5)
    entry(agent, kind="directions", count=2)
    first_day, last_day = _month()
    # when
    with django_assert_num_queries(7):
        result = selectors.service_count(agent, first=first_day, last=last_day)
    # then: only the agent's own, today
    today = timezone.localdate()
    assert [(r.agent_id, r.day) for r in result.days] == [(agent.pk, today)]
    row = result.days[0]
    assert row.counts == {"tickets": 3, "calls": 2, "callbacks": 1, "messages": 1, "found_items": 1}
    assert row.manual == {"counter": 5, "directions": 2}
    assert (row.manual_total, row.total) == (7, 15)
    assert result.total.total == 15


def test_the_lead_sees_the_team_per_agent_and_day(agent, lead, people):
    make_ticket(agent)
    make_ticket(lead)
    make_ticket(people["sz_agent"], area="nsh")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    entry(agent, day=yesterday, count=4)
    first_day, last_day = _month()
    if yesterday < first_day:
        first_day = yesterday
    result = selectors.service_count(lead, first=first_day, last=last_day)
    totals = {r.agent_id: r.total for r in result.agents}
    assert totals == {agent.pk: 5, lead.pk: 1, people["sz_agent"].pk: 1}
    assert result.total.total == 7
    mine = selectors.service_count(agent, first=first_day, last=last_day)
    assert {r.agent_id for r in mine.agents} == {agent.pk}


def test_a_correction_is_a_new_entry_and_the_original_stays(agent, lead):
    row = entry(agent, count=5)
    fixed = services.correct_entry(agent, row.pk, count=3, note="重复登记了两次")
    assert (fixed.count, fixed.corrects_id) == (-2, row.pk)
    assert ServiceEntry.objects.get(pk=row.pk).count == 5
    first_day, last_day = _month()
    assert selectors.service_count(agent, first=first_day, last=last_day).total.manual == {
        "counter": 3
    }
    again = services.correct_entry(lead, row.pk, count=4, note="班长核对后更正")
    assert again.count == 1
    with pytest.raises(ServiceError) as same:
        services.correct_entry(agent, row.pk, count=4, note="没变")
    assert same.value.field == "count"
    with pytest.raises(ServiceError) as reason:
        services.correct_entry(agent, row.pk, count=1, note="")
    assert reason.value.field == "note"
    assert ServiceEntry.objects.count() == 3


def test_bad_entries_are_refused_with_the_field(agent, people):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for fields, field in (
        ({"count": 0}, "count"),
        ({"count": 1000}, "count"),
        ({"kind": "lunch"}, "kind"),
        ({"day": tomorrow}, "day"),
        ({"day": None}, "day"),
    ):
        with pytest.raises(ServiceError) as refused:
            entry(agent, **fields)
        assert refused.value.field == field, fields
    other = entry(people["sz_agent"])
    with pytest.raises(ServiceError) as unseen:
        services.correct_entry(agent, other.pk, count=1, note="不是我的")
    assert unseen.value.code == "not_found"
    assert ServiceEntry.objects.count() == 1
