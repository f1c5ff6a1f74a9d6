from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kefu.notices.schemas import NoticeIn
from kefu.notices.services import create_notice, preview_notice, publish_notice

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
END = dt.datetime(2026, 11, 24, 18, 0, tzinfo=SHANGHAI)


def notice_in(**fields) -> NoticeIn:
    values = {
        "kind": "outage",
        "title": "阳光花园停水",
        "content": "管网维修,暂停供水。",
        "areas": ["yhy"],
        "starts_at": START,
        "expected_end": END,
    }
    values.update(fields)
    return NoticeIn(**values)


def make_notice(actor, *, publish=False, **fields):
    notice = create_notice(notice_in(**fields), actor=actor)
    if publish:
        notice = publish_confirmed(notice.pk, actor=actor)
    return notice


def publish_confirmed(notice_id: int, *, actor):
    """Publish as the page does: confirm what the preview shows."""
    preview = preview_notice(notice_id, actor=actor)
    return publish_notice(
        notice_id, actor=actor, expected_recipients=preview.recipients, token=preview.token
    )
