"""Notification API: my inbox, marking read."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from kefu.notify import selectors, services
from kefu.notify.schemas import NotificationOut, NotificationPageOut, ReadAllOut, notification_out

router = Router(tags=["notifications"])


class ListQuery(Schema):
    unread: bool = False
    page: int = Field(1, ge=1, le=100000)
    per_page: int = Field(20, ge=1, le=100)


@router.get("", response=NotificationPageOut)
def list_mine(request, filters: Query[ListQuery]):
    """My notifications, newest first; ``unread=true`` for the unread ones only."""
    page = selectors.page_notifications(
        request.user, unread_only=filters.unread, page=filters.page, per_page=filters.per_page
    )
    return {
        "items": [notification_out(n) for n in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "count": page.count,
        "count_capped": page.count_capped,
        "unread": selectors.unread_count(request.user),
    }


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
