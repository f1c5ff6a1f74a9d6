"""The portal API's input and output (a center's own app; no login: the phone is proved by
the SMS code, then by the token the answer carries for 30 minutes)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kefu.core.schemas import Moment


class CodeIn(Schema):
    phone: str = Field(..., max_length=40, description="a mainland mobile number")
    purpose: str = Field("submit", max_length=10, description="submit, track or bill")


class CodeOut(Schema):
    sent: bool
    expires_at: dt.datetime


class Proof(Schema):
    """Either the phone and the code just texted to it, or the token an earlier answer gave."""

    phone: str = Field("", max_length=40)
    code: str = Field("", max_length=10)
    token: str = Field("", max_length=300)


class TrackIn(Proof):
    serial: str = Field(..., max_length=16)


class RequestIn(Proof):
    type: str = Field(..., max_length=30, description="a request type with is_public")
    content: str = Field(..., max_length=2000)
    contact_name: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    area: str = Field("", max_length=30)
    website: str = Field("", max_length=200, description="leave empty (honeypot)")


class MessageIn(Proof):
    body: str = Field(..., max_length=1000)


class RatingIn(Proof):
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)


class LossReportIn(Proof):
    owner_name: str = Field(..., max_length=40)
    category: str = Field(
        ...,
        max_length=12,
        description="id_card, cash, phone, camera, keys, bag, wallet, clothing, electronics, jewelry, toy, other",
    )
    description: str = Field(..., max_length=1000, description="colour, brand, what is in it")
    lost_place: str = Field(..., max_length=100)
    lost_at: Moment = Field(..., description="about when it was lost")
    website: str = Field("", max_length=200, description="leave empty (honeypot)")


class LossReportOut(Schema):
    serial: str
    token: str


class SubmittedOut(Schema):
    serial: str
    work_order: str
    token: str


class StepOut(Schema):
    at: dt.datetime
    words: str
    agent_no: str


class MessageOut(Schema):
    at: dt.datetime
    mine: bool
    text: str
    author_no: str
    files: list[str]


class ProgressOut(Schema):
    serial: str
    type: str
    status: str
    status_words: str
    content: str
    received_at: dt.datetime
    steps: list[StepOut]
    messages: list[MessageOut]
    can_rate: bool
    score: int | None
    token: str
