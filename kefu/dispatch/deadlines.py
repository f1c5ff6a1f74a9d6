"""Due times of work orders from the center's deadline rules, on the working calendar.

(Being written: the cut-off, business, calendar and verification rules.)
"""

from __future__ import annotations

import datetime as dt


def due_for(order, at: dt.datetime) -> tuple[dt.datetime | None, str]:
    """(due time, rule name) for ``order`` ordered at ``at``; (None, "") when no rule applies."""
    return None, ""


def verify_due_for(order, at: dt.datetime) -> dt.datetime | None:
    """When a web order placed at ``at`` must be verified by phone; None when no rule applies."""
    return None
