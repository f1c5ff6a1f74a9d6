"""Reads of the inbox: the bell's count and a user's notifications."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kefu.notify.models import Notification

MAX_PER_PAGE = 100
COUNT_CAP = 10_000


@dataclass
class NotificationPage:
    items: list[Notification]
    page: int
    per_page: int
    count: int
    count_capped: bool
    more: bool = False

    @property
    def has_next(self) -> bool:
        return self.more

    @property
    def has_previous(self) -> bool:
        return self.page > 1


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
    user, *, unread_only: bool = False, page: int = 1, per_page: int = 20
) -> NotificationPage:
    """One page of ``user``'s notifications; ``count`` stops at 10,000 (then ``count_capped``)."""
    page = max(1, page)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    qs = list_notifications(user, unread_only=unread_only)
    count = qs.order_by()[: COUNT_CAP + 1].count()
    rows = list(qs[(page - 1) * per_page : page * per_page + 1])
    return NotificationPage(
        rows[:per_page],
        page,
        per_page,
        min(count, COUNT_CAP),
        count > COUNT_CAP,
        len(rows) > per_page,
    )
