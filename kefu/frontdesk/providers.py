"""What the shift pages learn from apps the front desk may not import.

kefu.workforce (shift templates) and kefu.knowledge (open questions) sit beside the front desk
in the layers (pyproject.toml), and kefu.outbound above it; they cannot be imported here. An
app above both registers what it knows in its AppConfig.ready, the way kefu.tickets.access
.register_own_work does: the shift windows (``register_shifts``, ``register_day``) and more kinds of pending
matters for a handover (``register_pending``). The kinds the front desk may import itself
(time limits, callbacks, missed calls, notices, lost items) are collected in
kefu.frontdesk.shift.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ShiftWindow:
    code: str
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime


# (day, code) -> the window of that shift on that day, or None for an unknown code.
_WindowOf = Callable[[dt.date, str], ShiftWindow | None]
# (moment) -> the first shift starting at or after it.
_NextAfter = Callable[[dt.datetime], ShiftWindow | None]
# (actor, until) -> matters: dicts with kind, ref, text and due (ISO time or "").
_Pending = Callable[[Any, dt.datetime], list[dict[str, str]]]

# (day) -> the windows of every active shift on that day, in order of their start.
_WindowsOn = Callable[[dt.date], list[ShiftWindow]]

_shifts: list[tuple[_WindowOf, _NextAfter]] = []
_days: list[_WindowsOn] = []
_pending: dict[str, _Pending] = {}


def register_shifts(window_of: _WindowOf, next_after: _NextAfter) -> None:
    _shifts[:] = [(window_of, next_after)]


def register_day(windows_on: _WindowsOn) -> None:
    _days[:] = [windows_on]


def register_pending(kind: str, collect: _Pending) -> None:
    _pending[kind] = collect


def window_of(day: dt.date, code: str) -> ShiftWindow | None:
    return _shifts[0][0](day, code) if _shifts else None


def next_after(moment: dt.datetime) -> ShiftWindow | None:
    return _shifts[0][1](moment) if _shifts else None


def windows_on(day: dt.date) -> list[ShiftWindow]:
    """The day's shifts (the end-of-shift checklists are due after each)."""
    return _days[0](day) if _days else []


def pending_sources() -> dict[str, _Pending]:
    return dict(_pending)
