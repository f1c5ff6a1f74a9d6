"""Quality's test data: a scorecard, tickets and calls of last period, samples, inspections."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from kefu.accounts.models import Role
from kefu.followups.models import Survey
from kefu.quality import services
from kefu.quality.models import Period, Sample
from kefu.telephony.models import CallRecord
from kefu.tickets.models import Ticket
from tests.accounts.factories import make_person
from tests.tickets.factories import make_ticket

ITEMS = [
    {"name": "问候语规范", "category": "attitude", "points": 20, "is_veto": False},
    {"name": "复述确认", "category": "process", "points": 30, "is_veto": False},
    {"name": "按时答复", "category": "time_limit", "points": 25, "is_veto": False},
    {"name": "信息准确", "category": "accuracy", "points": 25, "is_veto": False},
    {"name": "未使用禁用语", "category": "forbidden", "points": 0, "is_veto": True},
]
_calls = itertools.count(1)


def scorecard(actor, items=None, name="热线服务质检表"):
    return services.create_scorecard(actor, name=name, items=items or ITEMS)


def last_period() -> tuple[dt.date, dt.date]:
    return services.last_period(Period.WEEK, timezone.localdate())


def in_last_period(day_offset: int = 1) -> dt.datetime:
    start, _ = last_period()
    return timezone.make_aware(
        dt.datetime.combine(start + dt.timedelta(days=day_offset), dt.time(10))
    )


def tickets_of(agent, n: int, **fields) -> list[Ticket]:
    """``n`` tickets taken by ``agent``, received last week."""
    made = [make_ticket(agent, type="inquiry", accept=False, **fields) for _ in range(n)]
    Ticket.objects.filter(pk__in=[t.pk for t in made]).update(received_at=in_last_period())
    return made


def call_of(agent, at=None) -> CallRecord:
    at = at or in_last_period(2)
    return CallRecord.objects.create(
        call_id=f"qc-{next(_calls)}",
        direction="in",
        from_number="13800000000",
        to_number="96777",
        state="ended",
        agent=agent,
        started_at=at,
        answered_at=at + dt.timedelta(seconds=5),
        ended_at=at + dt.timedelta(minutes=3),
    )


def low_survey(ticket, agent, score: int = 1) -> Survey:
    now = timezone.now()
    return Survey.objects.create(
        ticket=ticket,
        agent=agent,
        state=Survey.State.ANSWERED,
        score=score,
        created_at=now,
        expires_at=now + dt.timedelta(days=3),
        answered_at=now,
    )


def agent_named(username: str, number: str, branch=None):
    return make_person(username, Role.AGENT, number=number, branch=branch)


def a_sample(quality, agent) -> Sample:
    """One pending sample of ``agent``'s ticket (a draw of last week made for it)."""
    tickets_of(agent, 1)
    services.update_settings(
        quality, period="week", share_percent=100, minimum=1, include_calls=False
    )
    draw, _ = services.draw_sample(quality)
    return Sample.objects.filter(draw=draw, agent=agent).first()


def all_pass(card, overrides=None):
    overrides = overrides or {}
    return [
        {"position": i.position, "passed": True, **overrides.get(i.position, {})}
        for i in card.items.order_by("position")
    ]


def inspected(quality, agent, card=None, marks=None):
    card = card or scorecard(quality)
    sample = a_sample(quality, agent)
    return services.inspect_sample(
        quality, sample.pk, scorecard_id=card.pk, marks=marks or all_pass(card)
    )


def three_of_each(people) -> dict:
    """Three of every quality row (for the API's list contract): three agents' tickets of last
    week, three draws, samples scored, each sent back and appealed."""
    quality = people["quality"]
    agent = people["agent"]
    third = agent_named("agent3", "8013")
    tickets_of(agent, 3)
    tickets_of(third, 1)
    tickets_of(people["sz_agent"], 1, branch="sz")
    services.update_settings(
        quality, period="week", share_percent=100, minimum=0, include_calls=False
    )
    start, _end = last_period()
    draws = [services.draw_sample(quality)[0]]
    for weeks in (1, 2):
        draws.append(services.draw_sample(quality, day=start - dt.timedelta(days=7 * weeks))[0])
    card = scorecard(quality)
    for n in (2, 3):
        scorecard(quality, name=f"评分表{n}")
    samples = list(Sample.objects.filter(draw=draws[0], agent=agent).order_by("pk"))
    made = []
    for sample in samples:
        row = services.inspect_sample(
            quality, sample.pk, scorecard_id=card.pk, marks=all_pass(card)
        )
        services.send_back(
            quality,
            row.pk,
            to="agent",
            required_fix=f"整改{row.pk}",
            due_at=timezone.now() + dt.timedelta(days=1, minutes=row.pk),
        )
        services.file_appeal(agent, row.pk, reason=f"申诉{row.pk}")
        made.append(row)
    return {"quality": quality, "agent": agent, "inspections": made, "draws": draws}
