"""Follow-up of dispatched orders: the check after dispatch, chasing overdue orders.

(Being written.)
"""

from __future__ import annotations

import datetime as dt


def on_dispatched(order, at: dt.datetime) -> None:
    """Schedule the check after a (re-)dispatch; fields are set on ``order``, unsaved."""


def on_field_done(order) -> None:
    """Stop checks and chases of an order that left the field (completed, returned, ...)."""
    order.check_at = None
    order.next_chase_at = None
