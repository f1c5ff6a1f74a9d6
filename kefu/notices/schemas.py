"""Shapes of the notices API (validation of shape only; the rules are in services)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from kefu.accounts.services import display_name
from kefu.core.paging import PageQuery
from kefu.core.schemas import BlankIsNone, InputSchema, Moment
from kefu.notices import selectors
from kefu.notices.campaign import DeliverySummary, Preview
from kefu.notices.models import Notice


class ListQuery(PageQuery):
    state: Notice.NoticeState | None = None
    area: str = Field("", max_length=30, description="a service area code")


class AffectedQuery(PageQuery):
    area: str = Field(..., max_length=30, description="a service area code")


class NoticeIn(InputSchema):
    """What a notice says, as the notices page, the API and the services take it; the areas
    are service area codes. Times left out are refused by the service, in words."""

    kind: Notice.NoticeKind
    title: str = Field(..., max_length=100)  # the column's and the service's limit
    content: str = Field("", max_length=5000)
    areas: list[str] = Field(default_factory=list, max_length=200, description="service area codes")
    streets: str = Field(
        "",
        max_length=2000,
        description="affected streets / buildings: when given, only the areas' customers whose "
        "address names one of them are texted (words cut at commas, 、, spaces, new lines)",
    )
    advice: str | None = Field(
        None,
        max_length=60,
        description="what the customers should do, at the end of the SMS (请提前储水); "
        'left out: the kind\'s default (停水, 抢修: 请提前储水); "" for none',
    )
    starts_at: Annotated[Moment | None, BlankIsNone] = None
    expected_end: Annotated[Moment | None, BlankIsNone] = None


class NoticeEditIn(NoticeIn):
    update_text: str = Field(
        "", max_length=2000, description="the update row's text when the notice is published"
    )


class PublishIn(Schema):
    expected_recipients: int = Field(
        ...,
        ge=0,
        description="the recipients the preview (GET /notices/{id}/preview) showed: publishing "
        "is refused (409) when they are no longer as many",
    )
    token: str = Field(
        "",
        max_length=64,
        description="the preview's token: when given, publishing is refused (409) if the "
        "recipients or the SMS text changed since",
    )


class PreviewOut(Schema):
    customers: int = Field(description="affected customers: of the areas, narrowed by streets")
    recipients: int = Field(description="of them, texted: those with a mobile number")
    without_mobile: int = Field(description="of them, not texted: no mobile number")
    unsubscribed: int = Field(
        0, description="of them, not texted: their mobile number texted 退订 (unsubscribed)"
    )
    in_areas: int = Field(description="active customers of the areas, before the streets")
    streets: list[str] = Field(description="the street words that narrowed the customers")
    sms_text: str = Field(description="the SMS as the phone shows it, signature first")
    length: int = Field(description="its characters")
    parts: int = Field(description="the SMS it is sent as (70 characters, or parts of 67)")
    token: str = Field(description="pass it back to publish")


class UpdateIn(Schema):
    text: str = Field(..., max_length=2000)


class CloseIn(Schema):
    closing_text: str = Field(..., max_length=2000)
    actual_end: Moment | None = Field(None, description="default: now")


class LinkIn(Schema):
    serial: str = Field(..., max_length=16, description="the ticket's serial (流水号)")


class AreaOut(Schema):
    code: str
    name: str


class UpdateOut(Schema):
    at: dt.datetime
    text: str
    by: str


class SummaryOut(Schema):
    total: int
    sent: int
    skipped: int
    failed: int
    remaining: int
    delivered: int
    undeliverable: int
    uncertain: int = Field(
        description="待核实: SMS whose send was cut off after the gateway may have taken them "
        "(a gateway that cannot tell a repeat); never sent again by themselves"
    )
    by_status: dict[str, int]


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    content: str
    areas: list[AreaOut]
    streets: str
    advice: str
    starts_at: dt.datetime
    expected_end: dt.datetime
    state: str
    actual_end: dt.datetime | None
    closing_text: str
    published_at: dt.datetime | None
    closed_at: dt.datetime | None


class NoticeDetailOut(NoticeOut):
    updates: list[UpdateOut]
    sms: SummaryOut | None = Field(..., description="发布通知: the SMS at publishing")
    closing_sms: SummaryOut | None = Field(
        ..., description="结束通知: the SMS at closing, to the customers texted at publishing"
    )
    calls: CallsOut


class CallsOut(Schema):
    total: int = Field(description="calls recorded against the notice")
    answered: int = Field(description="of them, answered from the notice on the spot")


class LinkOut(Schema):
    notice_id: int
    serial: str
    at: dt.datetime


def notice_out(notice: Notice) -> dict:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "kind_label": str(notice.get_kind_display()),
        "title": notice.title,
        "content": notice.content,
        "areas": [{"code": a.code, "name": a.name} for a in notice.areas.all()],
        "streets": notice.streets,
        "advice": notice.advice,
        "starts_at": notice.starts_at,
        "expected_end": notice.expected_end,
        "state": notice.state,
        "actual_end": notice.actual_end,
        "closing_text": notice.closing_text,
        "published_at": notice.published_at,
        "closed_at": notice.closed_at,
    }


def summary_out(summary: DeliverySummary | None) -> dict | None:
    if summary is None:
        return None
    return {
        "total": summary.total,
        "sent": summary.sent,
        "skipped": summary.skipped,
        "failed": summary.failed,
        "remaining": summary.remaining,
        "delivered": summary.delivered,
        "undeliverable": summary.undeliverable,
        "uncertain": summary.uncertain,
        "by_status": summary.by_status,
    }


def notice_detail_out(
    notice: Notice, summary: DeliverySummary | None, closing: DeliverySummary | None
) -> dict:
    """``summary`` is the 发布通知's, ``closing`` the 结束通知's."""
    return notice_out(notice) | {
        "updates": [
            {"at": u.at, "text": u.text, "by": display_name(u.by)} for u in notice.updates.all()
        ],
        "sms": summary_out(summary),
        "closing_sms": summary_out(closing),
        "calls": selectors.calls_of(notice),
    }


def preview_out(preview: Preview) -> dict:
    return {
        "customers": preview.customers,
        "recipients": preview.recipients,
        "without_mobile": preview.without_mobile,
        "unsubscribed": preview.unsubscribed,
        "in_areas": preview.in_areas,
        "streets": preview.streets,
        "sms_text": preview.sms_text,
        "length": preview.length,
        "parts": preview.parts,
        "token": preview.token,
    }
