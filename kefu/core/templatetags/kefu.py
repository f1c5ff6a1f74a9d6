from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template

from kefu.core.calendar import years_without_schedule as missing
from kefu.core.masking import Masker

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
