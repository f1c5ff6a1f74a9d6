"""Shift templates placed around the present moment, for the duty-record and handover tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.workforce.models import ShiftTemplate


def shift_around(code: str, *, starts_in: dt.timedelta, hours: int = 8, name: str = ""):
    """A template whose shift on the returned day starts ``starts_in`` from now (negative:
    already started). Returns (template, day)."""
    start = timezone.localtime() + starts_in
    start = start.replace(second=0, microsecond=0)
    template = ShiftTemplate.objects.create(
        code=code, name=name or f"班次{code}", start=start.time(), minutes=hours * 60
    )
    return template, start.date()
