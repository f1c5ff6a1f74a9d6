"""Sampling: the random share with its minimum, the targeted categories, idempotency and the
seed, each checked against counts made here."""

from __future__ import annotations

import math
import threading

import pytest
from django.db import connection

from kefu.core.errors import ServiceError
from kefu.quality import services
from kefu.quality.models import Sample, SampleDraw
from kefu.sla.models import Deadline
from kefu.tickets.models import Ticket
from tests.complaints.factories import make_complaint
from tests.quality.factories import (
    agent_named,
    call_of,
    in_last_period,
    last_period,
    low_survey,
    tickets_of,
)


def _settings(quality, **fields):
    values = {"period": "week", "share_percent": 5, "minimum": 2, "include_calls": False} | fields
    return services.update_settings(quality, **values)


def test_random_share_is_rounded_up_with_a_minimum_per_agent(people, quality):
    busy, quiet, idle = people["agent"], people["sz_agent"], agent_named("a3", "8013")
    tickets_of(busy, 45)  # 5 % of 45 = 2.25 → 3
    tickets_of(quiet, 4, branch="sz")  # 5 % of 4 = 0.2 → 1, the minimum 2
    tickets_of(idle, 1)  # the minimum 2, but there is one
    _settings(quality)
    draw, created = services.draw_sample(quality)
    assert created
    counts = {
        agent.pk: Sample.objects.filter(draw=draw, agent=agent, reason="random").count()
        for agent in (busy, quiet, idle)
    }
    assert counts == {
        busy.pk: max(2, math.ceil(45 * 5 / 100)),
        quiet.pk: 2,
        idle.pk: 1,
    }
    # Every sampled ticket is the agent's own, received in the period.
    start, end = last_period()
    for sample in Sample.objects.filter(draw=draw).select_related("ticket"):
        assert sample.ticket.created_by_id == sample.agent_id
        assert start <= sample.ticket.received_at.date() < end


def test_tickets_outside_the_period_or_of_other_roles_are_not_drawn(people, quality):
    agent = people["agent"]
    tickets_of(agent, 2)
    make_ticket_now = tickets_of(agent, 3)
    Ticket.objects.filter(pk__in=[t.pk for t in make_ticket_now]).update(
        received_at=in_last_period(9)  # the week after: this week
    )
    tickets_of(people["lead"], 5)  # a team lead's intake is not an agent's work
    _settings(quality, share_percent=100, minimum=0)
    draw, _ = services.draw_sample(quality)
    assert Sample.objects.filter(draw=draw).count() == 2
    assert set(Sample.objects.filter(draw=draw).values_list("agent_id", flat=True)) == {agent.pk}


def test_targeted_categories_are_all_drawn_besides_the_random_share(people, quality):
    agent = people["agent"]
    plain = tickets_of(agent, 10)
    complaint = make_complaint(agent)
    Ticket.objects.filter(pk=complaint.pk).update(received_at=in_last_period())
    breached = plain[0]
    Deadline.objects.filter(ticket=breached).update(state=Deadline.State.BREACHED)
    late = plain[1]
    Deadline.objects.filter(ticket=late).update(state=Deadline.State.LATE)
    low = plain[2]
    low_survey(low, agent, score=2)
    fine = plain[3]
    low_survey(fine, agent, score=4)  # not low
    _settings(quality, share_percent=10, minimum=1)
    draw, _ = services.draw_sample(quality)
    rows = dict(Sample.objects.filter(draw=draw).values_list("ticket_id", "reason"))
    assert rows[complaint.pk] == "complaint"
    assert rows[breached.pk] == "breached" and rows[late.pk] == "breached"
    assert rows[low.pk] == "low_score"
    targeted = {complaint.pk, breached.pk, late.pk, low.pk}
    # The random share: 10 % of the agent's 11 tickets → 2, from the 7 not targeted.
    randoms = [pk for pk, reason in rows.items() if reason == "random"]
    assert len(randoms) == math.ceil(11 * 10 / 100)
    assert not set(randoms) & targeted
    assert len(rows) == len(targeted) + 2


def test_targeted_categories_may_be_switched_off(people, quality):
    agent = people["agent"]
    complaint = make_complaint(agent)
    Ticket.objects.filter(pk=complaint.pk).update(received_at=in_last_period())
    _settings(quality, share_percent=0, minimum=0, complaints=False)
    draw, _ = services.draw_sample(quality)
    assert Sample.objects.filter(draw=draw).count() == 0


def test_calls_are_sampled_per_agent_when_they_link_to_one(people, quality):
    agent = people["agent"]
    for _ in range(30):
        call_of(agent)
    call_of(None)  # nobody's call is nobody's sample
    _settings(quality, share_percent=10, minimum=2, include_calls=True)
    draw, _ = services.draw_sample(quality)
    calls = Sample.objects.filter(draw=draw, reason="call")
    assert calls.count() == 3
    assert set(calls.values_list("agent_id", flat=True)) == {agent.pk}


def test_drawing_twice_makes_one_sample_and_the_same_period_draws_the_same_rows(people, quality):
    tickets_of(people["agent"], 40)
    _settings(quality)
    first, created = services.draw_sample(quality)
    again, created_again = services.draw_sample(quality)
    assert created and not created_again and first.pk == again.pk
    assert SampleDraw.objects.count() == 1
    picked = set(Sample.objects.filter(draw=first).values_list("ticket_id", flat=True))
    # The seed is the period's: planning again picks the same tickets.
    plan = services.plan_sample(services.current_settings(), first.start, first.end, first.seed)
    assert {p.ticket_id for p in plan} == picked
    assert first.seed == services.seed_of("week", first.start)


def test_the_worker_job_draws_the_last_period_once(people, quality):
    from kefu.quality.tasks import draw_due_sample

    tickets_of(people["agent"], 3)
    _settings(quality, share_percent=100, minimum=0)
    assert draw_due_sample.call_local() == 3
    assert draw_due_sample.call_local() == 0
    assert Sample.objects.count() == 3


def test_a_period_not_ended_is_refused(quality):
    from django.utils import timezone

    with pytest.raises(ServiceError) as caught:
        services.draw_sample(quality, day=timezone.localdate())
    assert caught.value.field == "day"
    assert SampleDraw.objects.count() == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_draws_at_once_make_one_sample(reference_data):
    from tests.accounts.factories import make_org, make_personas

    people = make_personas(make_org())
    quality = people["quality"]
    tickets_of(people["agent"], 6)
    _settings(quality, share_percent=50, minimum=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(services.draw_sample(quality)[1])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False, True]
    assert SampleDraw.objects.count() == 1
    assert Sample.objects.count() == 3
