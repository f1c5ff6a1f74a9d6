"""Words the system writes into a record (a line on a ticket's timeline or a work order's
tracking), kept as the message and its values so that each reader sees them in their own
language.

A service writes ``note=said(gettext_noop("满意度短信邀请,%(until)s 前有效"), until=...)``
instead of a finished string. The record stores the text in the center's language (searches,
exports and the API read that) and, in its ``data["said"]``, the message and the values; a page
shows ``note_text(record)``, the message translated into the reader's language. Values are
kept as written (a name, a serial, a time); a value that is itself a label of the code (a
status, a purpose) may be passed as ``gettext_noop`` text in ``labels`` to be translated too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext


@dataclass(frozen=True)
class Said:
    msgid: str
    values: dict[str, Any] = field(default_factory=dict)
    # Values that are messages too: one, or several shown as a list (、 in Chinese).
    labels: dict[str, str | list[str]] = field(default_factory=dict)
    tail: str = ""  # words of a person appended as written (a reason typed)

    def render(self) -> str:
        """The words in the active language."""
        values = self.values | {key: _label(msgid) for key, msgid in self.labels.items()}
        text = gettext(self.msgid)
        try:
            text = text % values if values else text
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            text = self.msgid % values if values else self.msgid
        return text + self.tail

    def in_center_language(self) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return self.render()

    def as_data(self) -> dict[str, Any]:
        return {
            "msgid": self.msgid,
            "values": self.values,
            "labels": self.labels,
            "tail": self.tail,
        }


def _label(msgid: str | list[str]) -> str:
    if isinstance(msgid, list):
        return pgettext("list separator", "、").join(gettext(m) for m in msgid) or "—"
    return gettext(msgid)


def _msgid(label: Promise) -> str:
    with translation.override(None):  # the message itself, untranslated
        return str(label)


def said(
    msgid: str, *, labels: dict[str, str] | None = None, tail: str = "", **values: Any
) -> Said:
    """System words to write on a record (see the module's text). ``values`` fill ``msgid``'s
    ``%(name)s`` placeholders: numbers and text as written; a lazy label of the code (a
    status's, a purpose's) is kept as its message and translated with the rest, a list of them
    as a list (joined in the reader's language). ``labels``
    names values that are data which may be a shipped name (a default time limit's)."""
    kept: dict[str, Any] = {}
    messages: dict[str, str | list[str]] = dict(labels or {})
    for key, value in values.items():
        if isinstance(value, Promise):
            messages[key] = _msgid(value)
        elif isinstance(value, list | tuple) and all(isinstance(v, Promise) for v in value):
            messages[key] = [_msgid(v) for v in value]
        else:
            kept[key] = value if isinstance(value, int) else str(value)
    return Said(msgid, kept, messages, tail)


def written(note: str | Said, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(note, data) to store for ``note``: system words in the center's language, with the
    message kept in ``data["said"]``; a person's words as they are."""
    if isinstance(note, Said):
        return note.in_center_language(), data | {"said": note.as_data()}
    return note, data


def note_text(note: str, data: dict[str, Any] | None) -> str:
    """A record's note for the reader: system words in the reader's language."""
    kept = (data or {}).get("said")
    if not isinstance(kept, dict) or "msgid" not in kept:
        return note
    return Said(
        str(kept["msgid"]),
        dict(kept.get("values") or {}),
        dict(kept.get("labels") or {}),
        str(kept.get("tail") or ""),
    ).render()
