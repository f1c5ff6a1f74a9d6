"""Notification API: my inbox, its unread count, marking read."""

from __future__ import annotations

from ninja import Query, Router

from kefu.core.paging import PageOut, PageQuery, page_out
from kefu.notify import selectors, services
from kefu.notify.schemas import NotificationOut, ReadAllOut, UnreadOut, notification_out

router = Router(tags=["notifications"])


class ListQuery(PageQuery):
    unread: bool = False


@router.get("", response=PageOut[NotificationOut])
def list_mine(request, filters: Query[ListQuery]):
    """My notifications, newest first, one page; ``unread=true`` for the unread ones only."""
    page = selectors.page_notifications(
        request.user, unread_only=filters.unread, page=filters.page, per_page=filters.per_page
    )
    return page_out(page, notification_out)


@router.get("/unread", response=UnreadOut)
def unread(request):
    """How many of my notifications are unread (the bell)."""
    return {"unread": selectors.unread_count(request.user)}


@router.post("/read-all", response=ReadAllOut)
def read_all(request):
    """Mark all my notifications read."""
    marked = services.mark_read(request.user, "all")
    return {"marked": marked, "unread": selectors.unread_count(request.user)}


@router.post("/{notification_id}/read", response=NotificationOut)
def read_one(request, notification_id: int):
    """Mark one of my notifications read (404 for anyone else's)."""
    services.mark_read(request.user, [notification_id])
    notification = selectors.list_notifications(request.user).get(pk=notification_id)
    return notification_out(notification)
