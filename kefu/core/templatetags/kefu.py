from __future__ import annotations

from typing import Any

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
