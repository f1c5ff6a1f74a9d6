"""A notice's streets (影响街道/楼栋): the words that narrow its customers, and how the SMS
names them.

The agent types them freely: "解放路、人民路", "解放路,人民路\\n幸福里3号楼", "海岸城 1-3 栋".
The text is cut at commas (Chinese and ASCII), 、, semicolons, spaces and new lines, and each
piece read in its half-width form (ＡＢ１２ → AB12, NFKC). A piece is a street word when it
has two characters or more and at least one letter or Chinese character: "栋" or "1-3" alone
would match nearly every address (or none) and are left out. A customer of the notice's
areas is affected when the address holds one of the words, whether the address writes it
half-width or full-width, in either case (``address_matches``). No street word: the whole
areas are affected.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q

# Where the agent's street text is cut into words.
WORD_SEPARATORS = re.compile(r"[,,、;;\s]+")
# Where it is cut into the names the SMS and the pages show (spaces stay inside a name).
NAME_SEPARATORS = re.compile(r"[,,、;;\r\n]+")
MIN_LENGTH = 2
# The ASCII characters that have a full-width twin (！ … ～), and the offset to it.
HALF_WIDTH = range(0x21, 0x7F)
FULL_WIDTH_OFFSET = 0xFEE0


def _half_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + FULL_WIDTH_OFFSET) if ord(c) in HALF_WIDTH else c for c in text)


def street_words(text: str) -> list[str]:
    """The words of ``text`` that narrow the customers, half-width, each once, in order."""
    words: list[str] = []
    for piece in WORD_SEPARATORS.split(_half_width(text or "")):
        word = piece.strip()
        if len(word) >= MIN_LENGTH and any(c.isalpha() for c in word) and word not in words:
            words.append(word)
    return words


def street_names(text: str) -> list[str]:
    """The streets as the agent wrote them, one per comma or line (half-width, spaces inside
    a name kept as one): what the SMS and the pages show."""
    names: list[str] = []
    for piece in NAME_SEPARATORS.split(_half_width(text or "")):
        name = " ".join(piece.split())
        if name and name not in names:
            names.append(name)
    return names


def address_matches(words: list[str]) -> Q:
    """Customers whose address holds one of ``words`` (half-width or full-width, any case)."""
    condition = Q()
    for word in words:
        for form in dict.fromkeys((word, _full_width(word))):
            condition |= Q(address__icontains=form)
    return condition


def address_has(address: str, words: list[str]) -> bool:
    """Whether ``address`` holds one of ``words`` as ``address_matches`` reads it (for one
    customer already in hand, such as the caller on the workbench)."""
    text = _half_width(address or "").casefold()
    return any(word.casefold() in text for word in words)
