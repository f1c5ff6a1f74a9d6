"""Rosters for tests that are about what happens after a roster: shifts entered directly
(the solver has its own tests)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.workforce import services
from kefu.workforce.models import Roster, ShiftTemplate


def template(lead, code: str, start: str, hours: int = 8, night: bool = False) -> ShiftTemplate:
    return services.create_template(
        lead, code=code, name=f"{code}班", start=start, minutes=hours * 60, is_night=night
    )


def published(lead, first_day: dt.date, shifts: list[tuple]) -> Roster:
    """A published one-week roster from ``first_day`` with ``shifts`` as (user, day,
    template)."""
    roster = Roster.objects.create(
        first_day=first_day,
        weeks=1,
        status=Roster.Status.PUBLISHED,
        created_by=lead,
        created_at=timezone.now(),
        published_by=lead,
        published_at=timezone.now(),
    )
    for user, day, shift in shifts:
        services.shift_row(roster, user.pk, day, shift).save()
    roster.members.set({user for user, _d, _s in shifts})
    return roster
