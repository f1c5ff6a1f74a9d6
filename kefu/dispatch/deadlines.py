"""Due times of work orders from the center's deadline rules, on the working calendar.

The rules are rows of DeadlineRule, edited in the admin. For an order the first active rule,
in ``order`` then id, whose kind and source match (a blank kind or source matches all)
decides. A ``verify`` rule only ever sets the verification time of a web order, the other
methods only the due time, so one web order can have both.

Each rule counts on the SLA engine's working calendar (Chinese holidays and 调休 make-up
days included) with its own opening and closing times. The edge cases, decided once here:

- ``cutoff`` (the logistics pickup rule, DOMAIN §3), by the local time of the order:
  before ``cutoff_early`` (before opening included) → ``due_early`` the same day;
  from ``cutoff_early`` up to but not including ``cutoff_late`` → closing time the same day;
  from ``cutoff_late`` on, or any time on a day off (weekend, holiday) → ``due_morning`` of
  the next working day. So an order placed at exactly 11:00 is due at closing, one placed at
  exactly 16:00 the next working morning.
- ``business``: ``minutes`` counted inside opening–closing of working days (a start outside
  business hours counts from the next opening; see WorkingCalendar.add_business_time).
- ``calendar``: ``minutes`` of clock time, nights and holidays included.
- ``verify``: placed between opening (included) and closing (excluded) of a working day →
  ``minutes`` later, even if that passes closing time; before opening of a working day →
  that day's opening plus ``minutes``; after closing or on a day off → the next working day's
  opening plus ``minutes``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from kefu.core.calendar import BusinessHours, WorkingCalendar
from kefu.dispatch.models import DeadlineRule

Method = DeadlineRule.Method


def rules_for(order) -> list[DeadlineRule]:
    """The active rules matching ``order``'s kind and source, the deciding one first."""
    return list(
        DeadlineRule.objects.filter(is_active=True)
        .filter(Q(kind="") | Q(kind=order.kind))
        .filter(Q(source="") | Q(source=order.source))
        .order_by("order", "id")
    )


def due_for(order, at: dt.datetime) -> tuple[dt.datetime | None, str]:
    """(due time, rule name) for ``order`` ordered at ``at``; (None, "") when no rule applies."""
    for rule in rules_for(order):
        if rule.method != Method.VERIFY:
            return due_by_rule(rule, at), rule.name
    return None, ""


def verify_due_for(order, at: dt.datetime) -> dt.datetime | None:
    """When a web order placed at ``at`` must be verified by phone; None when no rule applies."""
    for rule in rules_for(order):
        if rule.method == Method.VERIFY:
            return due_by_rule(rule, at)
    return None


def calendar_of(rule: DeadlineRule) -> WorkingCalendar:
    return WorkingCalendar(BusinessHours(rule.opening, rule.closing))


def due_by_rule(
    rule: DeadlineRule, at: dt.datetime, calendar: WorkingCalendar | None = None
) -> dt.datetime:
    """The time ``rule`` gives an order placed at ``at`` (aware, in the center's zone)."""
    calendar = calendar or calendar_of(rule)
    local = timezone.localtime(at)
    day, time = local.date(), local.time().replace(tzinfo=None)
    minutes = dt.timedelta(minutes=rule.minutes)
    match rule.method:
        case Method.CALENDAR:
            return local + minutes
        case Method.BUSINESS:
            return calendar.add_business_time(local, minutes)
        case Method.CUTOFF:
            if not calendar.is_working_day(day) or time >= rule.cutoff_late:
                return _at(calendar.next_working_day(day), rule.due_morning)
            if time < rule.cutoff_early:
                return _at(day, rule.due_early)
            return _at(day, rule.closing)
        case Method.VERIFY:
            if calendar.is_working_day(day) and time < rule.closing:
                if time < rule.opening:
                    return _at(day, rule.opening) + minutes
                return local + minutes
            return _at(calendar.next_working_day(day), rule.opening) + minutes
    raise ValueError(f"unknown deadline method {rule.method!r}")


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())
