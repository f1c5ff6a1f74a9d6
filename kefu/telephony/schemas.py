"""API shapes of the blacklist and the callback worklist (numbers masked by the viewer's
permission: kefu.core.masking)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from kefu.accounts.services import display_name
from kefu.core.masking import Masker
from kefu.core.paging import PageQuery
from kefu.telephony.models import BlacklistEntry, MissedCallback


class BlacklistIn(Schema):
    number: str = Field(..., max_length=40, description="the number, in any format")
    kind: str = Field(..., description="block (拒接: the PBX rejects) or flag (标记: warned)")
    reason: str = Field(..., max_length=200)
    until: dt.datetime | None = Field(None, description="the end; none: no end")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class NoteIn(Schema):
    note: str = Field(..., max_length=200, description="why no callback is needed (无需回拨)")


class BlacklistQuery(PageQuery):
    number: str = Field("", max_length=40)
    kind: str = Field("", description="block or flag; empty: both")
    state: str = Field("in_force", description="in_force, expired, lifted or all")


class CallbackQuery(PageQuery):
    number: str = Field("", max_length=40)
    status: str = Field("open", description="open, overdue, closed or all")


class BlacklistOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    reason: str
    until: dt.datetime | None
    in_force: bool
    is_active: bool
    added_by: str
    added_at: dt.datetime
    lifted_by: str
    lifted_at: dt.datetime | None
    lift_reason: str


def blacklist_out(entry: BlacklistEntry, masker: Masker) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "number": masker.phone(entry.number),
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "reason": entry.reason,
        "until": entry.until,
        "in_force": entry.applies_at(timezone.now()),
        "is_active": entry.is_active,
        "added_by": display_name(entry.added_by),
        "added_at": entry.added_at,
        "lifted_by": display_name(entry.lifted_by),
        "lifted_at": entry.lifted_at,
        "lift_reason": entry.lift_reason,
    }


class CallbackOut(Schema):
    id: int
    number: str
    day: dt.date
    customer_id: int | None
    customer_name: str
    attempts: int
    first_at: dt.datetime
    last_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    status: str
    closing: str
    closing_note: str
    closed_at: dt.datetime | None
    closed_by: str


def callback_out(entry: MissedCallback, masker: Masker) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "number": masker.phone(entry.number),
        "day": entry.day,
        "customer_id": entry.customer_id,
        "customer_name": entry.customer.name if entry.customer is not None else "",
        "attempts": entry.attempts,
        "first_at": entry.first_at,
        "last_at": entry.last_at,
        "due_at": entry.due_at,
        "overdue": entry.overdue_at(timezone.now()),
        "status": entry.status,
        "closing": entry.closing,
        "closing_note": entry.closing_note,
        "closed_at": entry.closed_at,
        "closed_by": display_name(entry.closed_by),
    }


class CallbackCountsOut(Schema):
    open: int
    overdue: int
