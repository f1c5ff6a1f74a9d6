"""Sending the dispatch SMS, the phone-call task when it fails, the resend when the gateway
works again, and the dispatch latency.

(Being written.)
"""

from __future__ import annotations

import datetime as dt


def queue_messages(order, *, actor, at: dt.datetime) -> list:
    """Write the dispatch messages of this dispatch of ``order`` (assignee or crew leader, and
    the copy to the dispatcher); they are sent after commit. Earlier unsent ones are voided."""
    return []


def record_call(task_id: int, *, actor, reached: bool, called_at, note: str):
    """(Being written.)"""
    raise NotImplementedError
