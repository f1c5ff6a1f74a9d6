"""A work order's tracking record (跟踪记录): one line per step, message, call, check and chase,
written by every dispatch module."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.core.said import Said, written
from kefu.dispatch.models import TrackingRecord, WorkOrder


def record_tracking(
    order: WorkOrder,
    *,
    actor,
    kind: str,
    note: str | Said = "",
    at: dt.datetime | None = None,
    **fields,
) -> TrackingRecord:
    """Write a line on ``order``'s tracking record (``actor`` None: the system; system words
    as ``Said``, shown in each reader's language)."""
    note, fields["data"] = written(note, fields.get("data") or {})
    return TrackingRecord.objects.create(
        order=order,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        note=note,
        **fields,
    )
