"""Notices API: list, one notice, create, edit, preview and publish, update, close, the active notices of
an area, and linking a call to a notice. Thin: each calls one service or selector."""

from __future__ import annotations

from ninja import Query, Router
from ninja.responses import Status as Reply

from kefu.core.paging import PageOut, page_out
from kefu.notices import selectors, services
from kefu.notices.campaign import delivery_summary
from kefu.notices.models import Campaign
from kefu.notices.schemas import (
    AffectedQuery,
    CloseIn,
    LinkIn,
    LinkOut,
    ListQuery,
    NoticeDetailOut,
    NoticeEditIn,
    NoticeIn,
    NoticeOut,
    PreviewOut,
    PublishIn,
    UpdateIn,
    notice_detail_out,
    notice_out,
    preview_out,
)

router = Router(tags=["notices"])


def _detail(request, notice_id: int) -> dict:
    notice = selectors.get_notice(request.user, notice_id)
    return notice_detail_out(
        notice,
        delivery_summary(notice, purpose=Campaign.Purpose.PUBLISHED),
        delivery_summary(notice, purpose=Campaign.Purpose.CLOSED),
    )


@router.get("", response=PageOut[NoticeOut])
def list_notices(request, filters: Query[ListQuery]):
    """Active notices first, then drafts, then closed ones; by state and area code; one page."""
    page = selectors.list_notices(
        request.user,
        state=filters.state or "",
        area=filters.area,
        page=filters.page,
        per_page=filters.per_page,
    )
    return page_out(page, notice_out)


@router.get("/affected", response=PageOut[NoticeOut])
def affected(request, filters: Query[AffectedQuery]):
    """The active (published, not closed) notices affecting a service area, one page.
    404: no such area."""
    page = selectors.affected_notices(
        request.user, filters.area, page=filters.page, per_page=filters.per_page
    )
    return page_out(page, notice_out)


@router.post("", response={201: NoticeDetailOut})
def create(request, payload: NoticeIn):
    """A draft notice (team lead, supervisor, admin)."""
    notice = services.create_notice(payload, actor=request.user)
    return Reply(201, _detail(request, notice.pk))


@router.get("/{int:notice_id}", response=NoticeDetailOut)
def detail(request, notice_id: int):
    """One notice with its updates and its SMS delivery summaries: ``sms`` (发布通知) once
    published, ``closing_sms`` (结束通知) once closed."""
    return _detail(request, notice_id)


@router.put("/{int:notice_id}", response=NoticeDetailOut)
def update(request, notice_id: int, payload: NoticeEditIn):
    """Edit a notice; a published one keeps its areas and gets an update row."""
    services.update_notice(notice_id, payload, actor=request.user, update_text=payload.update_text)
    return _detail(request, notice_id)


@router.get("/{int:notice_id}/preview", response=PreviewOut)
def preview(request, notice_id: int):
    """What publishing the draft would send now: the affected customers (the areas' active
    customers, narrowed by the streets), the SMS recipients (those with a mobile number), the
    SMS as the phone shows it (signature first), its length and parts, and the token to
    publish with. Sends nothing. 403 for those who may not publish; 409 when not a draft."""
    return preview_out(services.preview_notice(notice_id, actor=request.user))


@router.post("/{int:notice_id}/publish", response=NoticeDetailOut)
def publish(request, notice_id: int, payload: PublishIn):
    """draft → published: live to the agents, SMS to the affected customers — only as
    previewed: ``expected_recipients`` (required) and ``token`` (optional) are the preview's;
    409 ``conflict`` when the recipients (or, with the token, the SMS text) changed since."""
    services.publish_notice(
        notice_id,
        actor=request.user,
        expected_recipients=payload.expected_recipients,
        token=payload.token,
    )
    return _detail(request, notice_id)


@router.post("/{int:notice_id}/updates", response={201: NoticeDetailOut})
def add_update(request, notice_id: int, payload: UpdateIn):
    """A progress line on a published notice."""
    services.add_notice_update(notice_id, actor=request.user, text=payload.text)
    return Reply(201, _detail(request, notice_id))


@router.post("/{int:notice_id}/close", response=NoticeDetailOut)
def close(request, notice_id: int, payload: CloseIn):
    """published → closed, with the actual end (default now) and a closing text; the customers
    texted at publishing are told by SMS that it is over."""
    services.close_notice(
        notice_id,
        actor=request.user,
        closing_text=payload.closing_text,
        actual_end=payload.actual_end,
    )
    return _detail(request, notice_id)


@router.post("/{int:notice_id}/links", response={201: LinkOut})
def link(request, notice_id: int, payload: LinkIn):
    """Record a call (ticket) against this active notice, with a timeline row."""
    row = services.link_ticket_to_notice(payload.serial, actor=request.user, notice_id=notice_id)
    return Reply(201, {"notice_id": row.notice_id, "serial": row.ticket.serial, "at": row.at})
