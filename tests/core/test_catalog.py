"""The English catalog is complete and compiled: every string of the UI has its translation."""

import ast
import gettext
from pathlib import Path

import kefu

LOCALE = Path(kefu.__file__).parent / "locale" / "en" / "LC_MESSAGES"


def _po_entries(text: str) -> list[tuple[str, str, str, bool]]:
    """(msgctxt, msgid, msgstr, fuzzy) of each entry but the header; a plural entry gives one
    per form, its msgid as ``msgid|msgid_plural|n`` and n = 1 or 2 picking the form."""
    entries = []
    for block in text.split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr")):
                key, _, rest = line.partition(" ")
                parts[key] = ast.literal_eval(rest)
            elif line.startswith('"') and key:
                parts[key] += ast.literal_eval(line)
        if parts.get("msgid") and "msgid_plural" in parts:
            for n, form in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                entries.append(
                    (
                        parts.get("msgctxt", ""),
                        f"{parts['msgid']}|{parts['msgid_plural']}|{n}",
                        parts.get(form, ""),
                        fuzzy,
                    )
                )
        elif parts.get("msgid"):
            entries.append(
                (parts.get("msgctxt", ""), parts["msgid"], parts.get("msgstr", ""), fuzzy)
            )
    return entries


def _lookup(compiled: gettext.GNUTranslations, context: str, msgid: str) -> str:
    if msgid.count("|") == 2 and msgid.rsplit("|", 1)[1] in ("1", "2"):
        singular, plural, n = msgid.split("|")
        if context:
            return compiled.npgettext(context, singular, plural, int(n))
        return compiled.ngettext(singular, plural, int(n))
    return compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)


def test_every_string_is_translated_and_compiled():
    entries = _po_entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    assert len(entries) > 250
    assert [msgid for _, msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for context, msgid, msgstr, _ in entries
        if _lookup(compiled, context, msgid) != msgstr
    ]
    assert stale == [], "django.mo is older than django.po: run msgfmt (see README)"
