"""Shapes of the knowledge API (validation of shape only; the rules are in services)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from kefu.core.paging import PageQuery
from kefu.core.schemas import BlankIsNone, Day, InputSchema, Moment
from kefu.knowledge.models import Audience, Kind, State

TITLE_MAX = 100
BODY_MAX = 20000


class ArticleIn(InputSchema):
    """An article's content as the knowledge pages, the API and the services take it. The
    category is its name; request types are the intake's codes; areas are service area codes."""

    kind: Kind = Kind.QA
    audience: Audience = Audience.INTERNAL
    category: str = Field("", max_length=40, description="a category's name")
    title: str = Field(..., max_length=TITLE_MAX)
    body: str = Field(..., max_length=BODY_MAX)
    tags: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=20)
    ticket_types: list[str] = Field(
        default_factory=list, max_length=20, description="request type codes it applies to"
    )
    areas: list[str] = Field(
        default_factory=list, max_length=200, description="service area codes it applies to"
    )
    valid_from: Annotated[Day | None, BlankIsNone] = None
    valid_until: Annotated[Day | None, BlankIsNone] = None
    note: str = Field("", max_length=200, description="what this edit changed")


class ReviewIn(Schema):
    note: str = Field("", max_length=500)


class SearchQuery(PageQuery):
    q: str = Field("", max_length=200)
    type: str = Field("", max_length=20, description="a request type code")
    area: str = Field("", max_length=30, description="a service area code")
    category: str = Field("", max_length=40)
    audience: Audience | None = None


class ListQuery(PageQuery):
    state: State | None = None
    q: str = Field("", max_length=200)


class SynonymIn(InputSchema):
    words: str = Field(..., max_length=300, description="words separated by spaces or commas")


class VersionOut(Schema):
    number: int
    status: str
    title: str
    body: str
    tags: list[str]
    note: str
    by: str
    at: dt.datetime
    review_note: str
    reviewed_by: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str


class ArticleOut(Schema):
    id: int
    kind: str
    audience: str
    category: str
    title: str
    body: str
    tags: list[str]
    ticket_types: list[str]
    areas: list[str]
    valid_from: dt.date | None
    valid_until: dt.date | None
    state: str
    live_version: int | None
    version_count: int
    updated_at: dt.datetime


class ArticleDetailOut(ArticleOut):
    versions: list[VersionOut]
    attachments: list[AttachmentOut]


class HitOut(Schema):
    id: int
    kind: str
    audience: str
    category: str
    title: str
    title_html: str = Field(..., description="the title, HTML-escaped, matches in <mark>")
    snippet_html: str = Field(..., description="part of the body around the first match")
    updated_at: dt.datetime
    match: str = Field(
        ...,
        description="how the query matched: all (every word), any (some words: a near miss), "
        "pinyin (the titles' pinyin or initials), '' (nothing typed: the freshest)",
    )


class DiffLineOut(Schema):
    op: str = Field(..., description="' ' same, '+' added, '-' removed")
    text: str


class DiffOut(Schema):
    old: int
    new: int
    lines: list[DiffLineOut]


class SynonymOut(Schema):
    id: int
    words: list[str]
    is_active: bool


class ScriptQuery(Schema):
    customer_id: Annotated[int | None, BlankIsNone] = None
    contact_name: str = Field("", max_length=40)


class ScriptOut(Schema):
    scene: str
    name: str
    text: str


class ScriptsOut(Schema):
    title: str = Field(description="how the scripts address the customer; empty: unknown")
    scripts: list[ScriptOut]


class QuestionIn(InputSchema):
    serial: str = Field(..., min_length=1, max_length=16, description="the call's ticket")
    text: str = Field(..., min_length=1, max_length=1000)
    promised_at: Moment = Field(description="the answer time promised to the customer")


class AnswerIn(InputSchema):
    answer: str = Field(..., min_length=1, max_length=BODY_MAX)


class ToArticleIn(InputSchema):
    category: str = Field("", max_length=40)


class QuestionQuery(PageQuery):
    state: Literal["open", "answered"] | None = None
    mine: bool = False


class QuestionOut(Schema):
    id: int
    serial: str
    text: str
    asked_by: str
    asked_at: dt.datetime
    promised_at: dt.datetime
    overdue: bool
    state: str
    answer: str
    answered_by: str
    answered_at: dt.datetime | None
    callback_id: int | None
    article_id: int | None
