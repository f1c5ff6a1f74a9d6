"""The conversation's output shapes and inputs (shared by the API and the pages)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class MessageFileOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    original: bool
    # Destroyed after its retention period: no url, the row stays.
    purged: bool = False
    url: str | None


class MessageOut(Schema):
    id: int
    channel: str
    direction: str  # in (the customer's) or out (the center's)
    at: dt.datetime
    author: str
    address: str
    name: str
    subject: str
    text: str
    body: str
    trimmed: bool
    state: str  # received, posted (web), queued, sending, sent, failed, gave_up
    state_label: str
    error: str
    automatic: bool
    auto_submitted: bool
    files: list[MessageFileOut]


class TemplateOut(Schema):
    id: int
    key: str
    title: str
    text: str  # filled for the ticket (``serial``) and the agent
    own: bool
