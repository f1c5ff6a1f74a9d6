from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext as _

from kefu.core.calendar import years_without_schedule as missing
from kefu.core.masking import Masker
from kefu.core.said import note_text as said_note_text

register = template.Library()


@register.filter
def pii_phone(value: str | None, masker: Masker) -> str:
    return masker.phone(value)


@register.filter
def pii_id(value: str | None, masker: Masker) -> str:
    return masker.id_number(value)


@register.filter
def pii_address(value: str | None, masker: Masker) -> str:
    return masker.address(value)


@register.filter
def pii_email(value: str | None, masker: Masker) -> str:
    return masker.email(value)


@register.filter
def pii_birth(value: dt.date | None, masker: Masker) -> str:
    return masker.birth_date(value)


@register.filter
def label(value: Any, labels: dict[Any, Any]) -> Any:
    return labels.get(value, value)


@register.simple_tag
def years_without_schedule() -> list[int]:
    """Years deadlines are counted in on weekends only, for lack of an official schedule."""
    return missing()


@register.inclusion_tag("core/pager.html", takes_context=True)
def pager(context: dict[str, Any], page: Any) -> dict[str, Any]:
    """A list page's pager (kefu.core.paging.Page): the count, the page number and links to
    the pages either side, keeping the page's other query parameters (filters, per_page)."""
    request = context.get("request")
    params = [(k, v) for k, v in request.GET.items() if k != "page" and v] if request else []
    query = urlencode(params)
    return {"page": page, "query": f"{query}&" if query else ""}


def span_words(minutes: int) -> str:
    """A span as staff say it: 1天3小时, 2小时15分, 35分 (whole minutes, the two largest units)."""
    days, rest = divmod(max(minutes, 0), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时%(m)d分") % {"h": hours, "m": mins}
    return pgettext("minutes", "%(m)d分") % {"m": mins}


@register.simple_tag
def due(when: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """A ticket's next due time with its countdown (剩 2小时15分), red once overdue (超时 35分);
    the queue's script counts on from ``data-due``. A dash with no time limit running."""
    if when is None:
        return mark_safe('<span class="due none">—</span>')
    now = now or timezone.now()
    minutes = int((when - now).total_seconds() // 60)
    overdue = minutes < 0
    text = (_("超时 %s") if overdue else _("剩 %s")) % span_words(abs(minutes))
    return format_html(
        '<span class="due{}" data-due="{}" title="{}">{}</span>',
        " overdue" if overdue else (" soon" if minutes < 60 else ""),
        when.isoformat(),
        timezone.localtime(when).strftime("%m-%d %H:%M"),
        text,
    )


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], key: str, label: str) -> str:
    """A queue column's heading: sorts by ``key``, the other way when it is already sorted by
    it, keeping the other filters; an arrow shows the current order."""
    request = context.get("request")
    current = request.GET.get("sort", "") if request else ""
    params = (
        [(k, v) for k, v in request.GET.items() if k not in ("sort", "page") and v]
        if request
        else []
    )
    ascending = current == key
    params.append(("sort", f"-{key}" if ascending else key))
    arrow = " ↑" if current == key else " ↓" if current == f"-{key}" else ""
    return format_html(
        '<a href="?{}" class="sort" data-sort="{}">{}{}</a>', urlencode(params), key, label, arrow
    )


@register.filter
def note_text(record: Any) -> str:
    """A timeline or tracking line's note in the reader's language (kefu.core.said)."""
    return said_note_text(record.note, record.data)


@register.filter
def shipped(value: str) -> str:
    """A name the product ships in Chinese (a default time limit, say) in the reader's
    language; a name the center wrote itself shows as written."""
    return gettext(value) if value else value


@register.filter
def clock(seconds: int | float | None) -> str:
    """Seconds as a stopwatch reads: 0:45, 12:03, 1:02:03; "—" for none."""
    if seconds is None:
        return "—"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
