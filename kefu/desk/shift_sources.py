"""What the front desk's shift pages need from kefu.workforce and kefu.knowledge, registered
into kefu.frontdesk.providers (the desk sits above all three in the layers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.frontdesk import providers
from kefu.knowledge.models import Question
from kefu.tickets.access import visible_tickets
from kefu.workforce.models import ShiftTemplate


def _window(template: ShiftTemplate, day: dt.date) -> providers.ShiftWindow:
    starts = timezone.make_aware(dt.datetime.combine(day, template.start))
    return providers.ShiftWindow(
        template.code, template.name, starts, starts + dt.timedelta(minutes=template.minutes)
    )


def window_of(day: dt.date, code: str) -> providers.ShiftWindow | None:
    template = ShiftTemplate.objects.filter(code=code, is_active=True).first()
    return _window(template, day) if template else None


def next_after(moment: dt.datetime) -> providers.ShiftWindow | None:
    local = timezone.localtime(moment)
    templates = list(ShiftTemplate.objects.filter(is_active=True))
    windows = [
        _window(t, local.date() + dt.timedelta(days=d)) for d in (-1, 0, 1) for t in templates
    ]
    after = [w for w in windows if w.starts_at >= moment]
    return min(after, key=lambda w: (w.starts_at, w.code)) if after else None


def windows_on(day: dt.date) -> list[providers.ShiftWindow]:
    templates = ShiftTemplate.objects.filter(is_active=True).order_by("start", "code")
    return [_window(t, day) for t in templates]


def open_questions(actor: Any, until: dt.datetime) -> list[dict[str, str]]:
    rows = (
        Question.objects.filter(
            ticket__in=visible_tickets(actor), state=Question.State.OPEN, promised_at__lt=until
        )
        .select_related("ticket")
        .order_by("promised_at", "id")[:200]
    )
    return [
        {
            "kind": "question",
            "ref": q.ticket.serial,
            "text": _("待答疑问:%(text)s") % {"text": q.text[:80]},
            "due": q.promised_at.isoformat(),
        }
        for q in rows
    ]


def register() -> None:
    providers.register_shifts(window_of, next_after)
    providers.register_day(windows_on)
    providers.register_pending("question", open_questions)
