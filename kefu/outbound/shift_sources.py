"""What a front-desk handover collects from the outbound lists (kefu.frontdesk.providers): the
appointments agreed with customers ("call me again at …") that come due before the end of the
next shift."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from kefu.core.masking import mask_phone
from kefu.frontdesk import providers
from kefu.outbound.models import OutboundEntry, OutboundList
from kefu.outbound.services import may_read, visible_lists

DUE_STATES = (OutboundEntry.State.PENDING, OutboundEntry.State.RETRY)


def appointments_due(actor: Any, until: dt.datetime) -> list[dict[str, str]]:
    if not may_read(actor):
        return []
    rows = (
        OutboundEntry.objects.filter(
            outbound__in=visible_lists(actor).exclude(status=OutboundList.Status.CLOSED),
            appointment=True,
            state__in=DUE_STATES,
            next_attempt_at__lt=until,
        )
        .select_related("outbound")
        .order_by("next_attempt_at", "id")[:200]
    )
    return [
        {
            "kind": "outbound",
            "ref": mask_phone(e.number),
            "text": _("外呼约定回电:%(list)s") % {"list": e.outbound.name},
            "due": e.next_attempt_at.isoformat() if e.next_attempt_at else "",
        }
        for e in rows
    ]


def register() -> None:
    providers.register_pending("outbound", appointments_due)
