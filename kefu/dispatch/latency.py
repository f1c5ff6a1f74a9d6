"""Dispatch latency: from confirming an order to its dispatch SMS leaving the gateway, against
the 3-minute target (DOMAIN §3). Reads only.

What counts: the assignee's message (the field staff member or crew leader, not the
dispatcher's copy) of each dispatch, so a re-dispatched order counts once per dispatch.
- sent: its latency is sent_at − confirmed_at; within the target when at most 3 minutes;
- unsent (queued or failed) and older than 3 minutes: counted, never within the target;
- unsent and younger than 3 minutes: still on its way, reported as ``pending``, not counted;
- void (the order was dispatched again before it went out): counted as unsent only if it
  had failed first; one superseded while still on its way is not counted.
Median and p95 are of the sent messages' latencies (p95 by nearest rank), in seconds.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics

from django.utils import timezone

from kefu.core.calendar import start_of_day
from kefu.dispatch.models import DispatchMessage

TARGET = dt.timedelta(minutes=3)
WORST = 5

State = DispatchMessage.State


def _row(serial, confirmed_at, sent_at, state) -> dict:
    seconds = (sent_at - confirmed_at).total_seconds() if sent_at else None
    return {
        "serial": serial,
        "confirmed_at": confirmed_at,
        "sent_at": sent_at,
        "seconds": None if seconds is None else round(seconds, 1),
        "within": seconds is not None and seconds <= TARGET.total_seconds(),
        "state": state,
    }


def latency_summary(
    orders=None,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
    worst: int = WORST,
) -> dict:
    """Dispatch latency of ``orders`` (a WorkOrder queryset; all when None), of dispatches
    confirmed in [``since``, ``until``). Returns ``count``, ``within`` (sent within 3
    minutes), ``within_pct`` (one decimal; None when nothing counts), ``pending``,
    ``median_seconds`` and ``p95_seconds`` (None when nothing was sent), and ``worst``: the
    ``worst`` slowest dispatches, unsent ones first (oldest first), then by latency, each
    ``{"serial", "confirmed_at", "sent_at", "seconds", "within", "state"}``. One query."""
    now = now or timezone.now()
    messages = DispatchMessage.objects.filter(role=DispatchMessage.Role.ASSIGNEE)
    if orders is not None:
        messages = messages.filter(order__in=orders.values("pk"))
    if since is not None:
        messages = messages.filter(confirmed_at__gte=since)
    if until is not None:
        messages = messages.filter(confirmed_at__lt=until)
    rows = messages.values_list(
        "order__serial", "confirmed_at", "sent_at", "state", "first_failed_at"
    ).order_by("confirmed_at", "pk")
    counted, pending = [], 0
    for serial, confirmed_at, sent_at, state, first_failed_at in rows:
        if state == State.VOID and first_failed_at is None:
            continue
        if sent_at is None and now - confirmed_at < TARGET and state != State.VOID:
            pending += 1
            continue
        counted.append(_row(serial, confirmed_at, sent_at, state))
    seconds = sorted(r["seconds"] for r in counted if r["seconds"] is not None)
    within = sum(1 for r in counted if r["within"])
    unsent = [r for r in counted if r["seconds"] is None]
    slowest = sorted((r for r in counted if r["seconds"] is not None), key=lambda r: -r["seconds"])
    return {
        "count": len(counted),
        "within": within,
        "within_pct": round(100 * within / len(counted), 1) if counted else None,
        "pending": pending,
        "median_seconds": round(statistics.median(seconds), 1) if seconds else None,
        "p95_seconds": seconds[math.ceil(0.95 * len(seconds)) - 1] if seconds else None,
        "worst": (unsent + slowest)[:worst],
    }


def today_summary(orders, *, now: dt.datetime | None = None) -> dict:
    """latency_summary of the dispatches confirmed today (the desk's and the wall's figure:
    reads only today's messages, however long the center's history)."""
    now = now or timezone.now()
    return latency_summary(orders, since=start_of_day(now), now=now)


def order_latency(order) -> dict | None:
    """The latency of ``order``'s latest dispatch (its assignee message that is not void), as
    a row of ``latency_summary``'s ``worst``; None when it has no such message."""
    message = (
        DispatchMessage.objects.filter(order=order, role=DispatchMessage.Role.ASSIGNEE)
        .exclude(state=State.VOID)
        .order_by("-confirmed_at", "-pk")
        .first()
    )
    if message is None:
        return None
    return _row(order.serial, message.confirmed_at, message.sent_at, message.state)
