"""The one placeholder syntax of every template a center edits (dispatch SMS, notifications).

``{name}`` stands for a value; ``{{`` and ``}}`` write a literal brace; nothing else (no
format spec, no conversion, no attribute). The dispatch SMS (kefu.dispatch.message) builds its
shortening on ``split``; the notifications (kefu.notify) use ``check`` and ``fill``.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from kefu.core.errors import Code, ServiceError


def _invalid(message: str, field: str) -> ServiceError:
    return ServiceError(Code.INVALID, message, field=field)


@functools.lru_cache(maxsize=1024)
def _pieces(text: str) -> tuple[tuple[str, str | None, str | None, str | None], ...]:
    return tuple(string.Formatter().parse(text))


def split(text: str, *, field: str = "text") -> list[tuple[str, str | None]]:
    """``text`` as (literal text, placeholder name or None) pairs, literal braces already
    unescaped. Raises ServiceError(INVALID, field=``field``) for an unpaired brace or a
    placeholder with more than a name (``{due:%H}``, ``{name!r}``)."""
    try:
        pieces = _pieces(text)
    except ValueError:
        raise _invalid(_("模板中的花括号不成对;文字中的花括号请写成 {{ 或 }}"), field) from None
    out: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in pieces:
        if name is not None and (spec or conversion):
            raise _invalid(_("占位符只写名称,如 {%(name)s}") % {"name": name}, field)
        out.append((literal, name))
    return out


def names_in(text: str, *, field: str = "text") -> list[str]:
    """The placeholders of ``text`` in order of appearance (ServiceError as ``split``)."""
    return [name for _literal, name in split(text, field=field) if name is not None]


def unknown_error(name: str, known: Iterable[str], field: str = "text") -> ServiceError:
    return _invalid(
        _("未知的占位符 {%(name)s};可用的占位符:%(names)s")
        % {"name": name, "names": ", ".join(known)},
        field,
    )


def check(text: str, known: Iterable[str], *, field: str = "text") -> None:
    """Refuse ``text`` unless it parses and uses only ``known`` placeholders (the error names
    the known ones)."""
    allowed = list(known)
    for name in names_in(text, field=field):
        if name not in allowed:
            raise unknown_error(name, allowed, field)


def fill(text: str, values: Mapping[str, object]) -> str:
    """``text`` with each placeholder replaced by its value as a string; a missing value or
    None is empty. A value is inserted as it is, never read again for placeholders. Raises
    ServiceError(INVALID) when ``text`` does not parse."""
    out = []
    for literal, name in split(text):
        out.append(literal)
        if name is not None:
            value = values.get(name)
            out.append("" if value is None else str(value))
    return "".join(out)


def escape(text: str) -> str:
    """Literal ``text`` written so that ``fill`` gives it back unchanged."""
    return text.replace("{", "{{").replace("}", "}}")
