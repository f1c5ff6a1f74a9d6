"""Reads of the inbox: the bell's count and a user's notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.core.paging import PER_PAGE, Page, paginate
from kefu.notify.models import Notification


def unread_count(user) -> int:
    """How many of ``user``'s notifications are unread: one COUNT on a partial index."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def list_notifications(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s notifications, newest first (only their own, ever)."""
    qs = Notification.objects.filter(user_id=user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("ticket").order_by("-created_at", "-id")


def page_notifications(
    user, *, unread_only: bool = False, page: int = 1, per_page: int = PER_PAGE
) -> Page[Notification]:
    """One page of ``user``'s notifications (kefu.core.paging: the count stops at 10,000)."""
    return paginate(list_notifications(user, unread_only=unread_only), page=page, per_page=per_page)
