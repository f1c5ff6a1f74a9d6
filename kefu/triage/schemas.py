"""API shapes of the triage."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema

from kefu.core.schemas import BlankIsNone, InputSchema
from kefu.tickets.models import Channel


class TriageIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=5000, description="the request as typed")
    channel: Annotated[Channel | None, BlankIsNone] = Field(None, description="phone, web …")
    area: str = Field("", max_length=30, description="the caller's area (routing fallback)")


class GuessOut(Schema):
    value: Any = Field(None, description="null where the label does not apply or is unsure")
    confidence: float


class TriageOut(Schema):
    type: GuessOut
    urgent: GuessOut
    sentiment: GuessOut
    complaint_class: GuessOut
    department: GuessOut
    matter: GuessOut


class MatterOut(Schema):
    code: str
    name: str


class LabelsIn(InputSchema):
    matter: str = Field("", max_length=30)
    sentiment: str = Field("", max_length=10)
    urgent: bool | None = None


class LabelOut(Schema):
    serial: str
    matter: str
    sentiment: str
    urgent: bool
    complaint_class: str
    confirmed: list[str]
    predicted: dict[str, Any]


class ModelOut(Schema):
    id: int
    created_at: Any
    seed: int
    tickets: int
    counts: dict[str, int]
    accuracy: dict[str, float]
    seconds: float


class SimilarOut(Schema):
    serial: str
    type: str
    type_label: str
    status: str
    received_at: str
    content: str
    department: str
    area: str
