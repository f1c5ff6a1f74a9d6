from __future__ import annotations

import datetime as dt

from ninja import Schema

from kefu.notify.models import Notification


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    link: str
    ticket: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class UnreadOut(Schema):
    unread: int


class ReadAllOut(Schema):
    marked: int
    unread: int


def notification_out(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "event": notification.event,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "ticket": notification.ticket.serial if notification.ticket is not None else None,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }
