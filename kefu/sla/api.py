"""Time-limit API: the deadlines a request would get (to tell the customer the promised time)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema

from kefu.core.schemas import Moment
from kefu.sla import services
from kefu.sla.models import ComplaintClass, Severity
from kefu.tickets.models import Channel, Priority

router = Router(tags=["sla"])


class PreviewIn(Schema):
    type: str = Field(..., max_length=30, description="request type code, e.g. complaint")
    received_at: Moment
    severity: Severity | None = None
    complaint_class: ComplaintClass | None = None
    channel: Channel | None = None
    priority: Priority | None = Field(None, description="urgent: the round-the-clock limits")
    dispatched_at: Moment | None = None
    resolved_at: Moment | None = Field(None, description="gives the callback targets")


class DeadlineOut(Schema):
    code: str
    name: str
    start: str
    clock: str
    amount: int
    due: dt.datetime


class PreviewOut(Schema):
    policy: str | None
    deadlines: list[DeadlineOut]
    unknown_years: list[int] = Field(
        description="years counted Monday–Friday for want of an official holiday schedule"
    )


@router.post("/preview", response=PreviewOut)
def preview(request, payload: PreviewIn):
    """Every deadline that would apply, each with its target and time (+08:00)."""
    result = services.preview(
        ticket_type=payload.type,
        received_at=payload.received_at,
        severity=payload.severity or "",
        complaint_class=payload.complaint_class or "",
        channel=payload.channel or "",
        priority=payload.priority or "",
        dispatched_at=payload.dispatched_at,
        resolved_at=payload.resolved_at,
    )
    return {
        "policy": result.policy.name if result.policy else None,
        "deadlines": [d.__dict__ for d in result.deadlines],
        "unknown_years": result.unknown_years,
    }
