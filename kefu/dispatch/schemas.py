"""Shapes of the work orders API (validation of shape only; the rules are in services)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from kefu.core.paging import PageQuery
from kefu.core.schemas import BlankIsNone, InputSchema, Moment
from kefu.dispatch.models import Kind, Source, Status


class ListQuery(PageQuery):
    status: str = Field("", max_length=12, description="a status, or `open` for all not final")
    department: str = Field("", max_length=30, description="department code")
    assignee: str = Field("", max_length=40, description="username or 工号")
    kind: Kind | None = None
    overdue: bool = False
    q: str = Field("", max_length=60, description="serial, phone, or words of address / goods")
    ticket: str = Field("", max_length=16, description="the serial of the ticket it came from")


class OrderFields(InputSchema):
    """What a work order says: the one declaration the desk form, the API and the services
    take (OrderIn to create one, OrderEditIn to correct it)."""

    kind: Kind
    customer_phone: str = Field(..., max_length=24)
    address: str = Field(..., max_length=200)
    goods: str = Field(..., max_length=200, description="goods, or the fault to repair")
    customer_id: Annotated[int | None, BlankIsNone] = None
    customer_name: str = Field("", max_length=40)
    area: str = Field("", max_length=30, description="service area code")
    quantity: str = Field("", max_length=20)
    weight: str = Field("", max_length=20)
    volume: str = Field("", max_length=20)
    destination: str = Field("", max_length=60)
    consignee: str = Field("", max_length=40)
    consignee_phone: str = Field("", max_length=24)
    payment: str = Field("", max_length=20)
    charges: str = Field("", max_length=40)
    hint: str = Field("", max_length=100)
    window_start: Annotated[Moment | None, BlankIsNone] = None
    window_end: Annotated[Moment | None, BlankIsNone] = None


class OrderIn(OrderFields):
    department: str = Field(..., max_length=30, description="department code")
    source: Source = Source.PHONE
    ordered_at: Annotated[Moment | None, BlankIsNone] = Field(None, description="default: now")
    ticket: str = Field("", max_length=16, description="the ticket (流水号) it comes from")
    dispatch: bool = Field(False, description="confirm it at once to `assignee` or `crew`")
    assignee: str = Field("", max_length=40, description="username or 工号 of the field staff")
    crew: Annotated[int | None, BlankIsNone] = None
    dispatcher: str = Field("", max_length=40, description="who gets the copy (default: desk)")
    note: str = Field("", max_length=2000)


class OrderEditIn(OrderFields):
    note: str = Field("", max_length=2000)


class DispatchIn(Schema):
    assignee: str = Field("", max_length=40, description="username or 工号")
    crew: int | None = None
    department: str = Field("", max_length=30, description="to send it to another department")
    dispatcher: str = Field("", max_length=40)
    note: str = Field("", max_length=2000)


class TransitionIn(Schema):
    action: str = Field(
        ...,
        max_length=20,
        description="accept, depart, arrive, return, close (销账), reject, cancel",
    )
    note: str = Field("", max_length=2000, description="required for return, reject, cancel")


class VerifyIn(Schema):
    confirmed: bool
    note: str = Field("", max_length=2000, description="required when not confirmed")


class CompleteIn(Schema):
    result: str = Field(..., max_length=2000)
    materials: str = Field("", max_length=2000)
    confirmation_code: str = Field("", max_length=8)
    signature_png: str = Field(
        "", max_length=3_000_000, description="the customer's signature, PNG in base64"
    )


class NoteIn(Schema):
    note: str = Field(..., max_length=2000)


class PreviewIn(OrderFields):
    pass


class CallIn(Schema):
    reached: bool
    called_at: Moment | None = Field(None, description="default: now")
    note: str = Field(..., max_length=2000)


class LatencyQuery(Schema):
    since: Moment | None = None
    until: Moment | None = None


class PreviewOut(Schema):
    text: str
    length: int
    limit: int
    shortened: list[str]
    dropped: list[str]
    over_limit: bool


class PersonOut(Schema):
    username: str
    employee_no: str
    name: str


class OrderOut(Schema):
    serial: str
    kind: Kind
    source: Source
    status: Status
    ticket: str | None
    department: str
    crew: str | None
    assignee: PersonOut | None
    customer_name: str
    customer_phone: str
    address: str
    area: str | None
    goods: str
    ordered_at: dt.datetime
    due_at: dt.datetime | None
    due_rule: str
    verify_due_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None


class TrackingOut(Schema):
    at: dt.datetime
    actor: str | None
    kind: str
    action: str
    from_status: str
    to_status: str
    note: str
    data: dict


class MessageOut(Schema):
    role: str
    phone: str
    text: str
    state: str
    confirmed_at: dt.datetime
    sent_at: dt.datetime | None
    resent_at: dt.datetime | None
    latency_seconds: float | None
    last_error: str


class CallTaskOut(Schema):
    id: int
    order: str
    phone: str
    reason: str
    state: str
    created_at: dt.datetime
    called_at: dt.datetime | None
    note: str


class PhotoFileOut(Schema):
    id: int
    name: str
    url: str = Field(..., description="GET it with the same token (JPEG or PNG)")


class OrderDetailOut(OrderOut):
    quantity: str
    weight: str
    volume: str
    destination: str
    consignee: str
    consignee_phone: str
    payment: str
    charges: str
    hint: str
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    dispatcher: PersonOut | None
    accepted_at: dt.datetime | None
    departed_at: dt.datetime | None
    arrived_at: dt.datetime | None
    result: str
    materials: str
    confirmation: str
    return_reason: str
    chase_count: int
    # The stored files' names (kept for older clients); fetch them by photo_files' url.
    photos: list[str]
    photo_files: list[PhotoFileOut]
    signature_url: str = Field("", description="the customer's signature (PNG), when signed")
    # Photos destroyed after their retention period (the rows stay; no file to fetch).
    photos_purged: int = 0
    actions: list[str]
    tracking: list[TrackingOut]
    messages: list[MessageOut]
    call_tasks: list[CallTaskOut]
