"""Whole numbers read from what people and systems send: a form field, a query string, a
JSON value or a PBX's parameter. One reading for every page, socket and adapter: ASCII digits
with an optional minus, spaces around them allowed; not a bool, a fraction, full-width digits
or an underscore; inside the bounds, so that an id never overflows the database's integer key
(a 500 on PostgreSQL) and a count never reaches a service out of range."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.core.errors import Code, ServiceError

MAX_ID = 2**31 - 1  # the largest key a database integer column holds


def _read(raw: object, low: int, high: int) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, str):
        text = raw.strip()
        digits = text[1:] if text.startswith("-") else text
        if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(MAX_ID)):
            return None
        number = int(text)
    else:
        return None
    return number if low <= number <= high else None


def whole(
    raw: object, *, field: str, low: int = 0, high: int = MAX_ID, message: str | None = None
) -> int:
    """``raw`` as an integer from ``low`` to ``high``; otherwise INVALID naming ``field``, with
    ``message`` or "请填写 low 到 high 之间的整数"."""
    number = _read(raw, low, high)
    if number is None:
        detail = message or _("请填写 %(low)d 到 %(high)d 之间的整数") % {"low": low, "high": high}
        raise ServiceError(Code.INVALID, detail, field=field)
    return number


def whole_or_none(raw: object, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``raw`` as an integer from ``low`` to ``high``, or None for a blank or anything else:
    for a choice or a filter where nothing readable means "none chosen"."""
    return _read(raw, low, high)
