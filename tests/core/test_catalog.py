"""The English catalog is complete and compiled: every string of the UI has its translation."""

import ast
import gettext
from pathlib import Path

import kefu

LOCALE = Path(kefu.__file__).parent / "locale" / "en" / "LC_MESSAGES"


def _po_entries(text: str) -> list[tuple[str, str, str, bool]]:
    """(msgctxt, msgid, msgstr, fuzzy) of each entry but the header."""
    entries = []
    for block in text.split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith(("msgctxt ", "msgid ", "msgstr ")):
                key, _, rest = line.partition(" ")
                parts[key] = ast.literal_eval(rest)
            elif line.startswith('"') and key:
                parts[key] += ast.literal_eval(line)
        if parts.get("msgid"):
            entries.append(
                (parts.get("msgctxt", ""), parts["msgid"], parts.get("msgstr", ""), fuzzy)
            )
    return entries


def test_every_string_is_translated_and_compiled():
    entries = _po_entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    assert len(entries) > 250
    assert [msgid for _, msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for context, msgid, msgstr, _ in entries
        if (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) != msgstr
    ]
    assert stale == [], "django.mo is older than django.po: run msgfmt (see README)"
