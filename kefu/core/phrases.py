"""Forbidden phrases (服务禁语): finds them in what an agent sends a customer, however the agent
spaced, punctuated or widened them, and marks them for the agent to see.

Pure Python, no database: a :class:`PhraseList` is built once from :class:`Phrase` values,
wherever they are kept, and then checks any number of texts. Whether a hit warns or blocks is
the caller's choice.

Both the phrases and the text are compared in their *normalized* form (:func:`normalize`): NFKC
(full-width ``ＮＯ`` → ``NO``), case-folded, a few traditional characters mapped to simplified
(``沒辦法`` → ``没办法``), and only letters and numbers kept (CJK ideographs are letters), so
that spaces, zero-width characters, punctuation, symbols and emoji between the characters of a
phrase do not hide it. A hit is reported as a span of the *original* text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Traditional characters of the common forbidden phrases, to their simplified forms. Deliberately
# tiny (no dependency); it is applied to phrases and texts alike.
_SIMPLIFIED = str.maketrans(
    "這規沒辦見嗎著說問題們麼會為對個給讓還時來錢從實現應該請話聽經過開關裡幫處無愛誰",
    "这规没办见吗着说问题们么会为对个给让还时来钱从实现应该请话听经过开关里帮处无爱谁",
)


def _fold(chars: str) -> str:
    """The characters of ``chars`` that carry meaning, normalized: NFKC, case-folded, simplified,
    only letters (L*) and numbers (N*) kept."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", chars).casefold())
    folded = folded.translate(_SIMPLIFIED)
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


# What each character folds to alone, as one character of the same length for str.translate:
# itself normalized if it gives exactly one (``Ｎ`` → ``n``), _DROP if it gives none (spaces,
# punctuation, emoji), _OTHER for the few that need more care: combining marks, which belong to
# the character before them (e + U+0301 is é; 道 + U+FE0F is 道), and characters that give two
# or more (ß → ss). Neither NUL nor SOH is ever kept, so neither is ambiguous.
_DROP, _OTHER = "\0", "\1"


class _Table(dict[int, str]):
    def __missing__(self, code: int) -> str:
        if len(self) >= 100_000:
            self.clear()
        ch = chr(code)
        folded = _fold(ch)
        if unicodedata.category(ch)[0] == "M" or len(folded) > 1:
            folded = _OTHER
        self[code] = value = folded or _DROP
        return value


_TABLE = _Table()
_KEPT_RUN = re.compile(f"[^{_DROP}]+")


def normalize(text: str) -> tuple[str, list[int]]:
    """``text`` reduced to the characters that carry meaning, and for each of them the index in
    ``text`` of the character it comes from (twice the same index where one expands, ß → ss).

    A character and the combining marks after it are normalized together; the marks themselves
    are dropped unless they compose with it.
    """
    mapped = text.translate(_TABLE)
    index: list[int] = []
    if _OTHER not in mapped:
        # One character each: ``mapped`` lines up with ``text``.
        for run in _KEPT_RUN.finditer(mapped):
            index.extend(range(*run.span()))
        return mapped.replace(_DROP, ""), index
    kept: list[str] = []
    base, pending, grew = 0, "", False
    # The NUL at the end closes the last character; it folds to nothing itself.
    for i, (ch, folded) in enumerate(zip(text + "\0", mapped + _DROP, strict=True)):
        if folded == _OTHER:
            if unicodedata.category(ch)[0] == "M":
                grew = True
                continue
            folded = _fold(ch)
        if grew:
            pending, grew = _fold(text[base:i]), False
        kept.append(pending)
        index.extend([base] * len(pending))
        base, pending = i, "" if folded == _DROP else folded
    return "".join(kept), index


@dataclass(frozen=True)
class Phrase:
    """A forbidden phrase, what to say instead, and longer words containing it that are fine
    (``喂`` is forbidden, ``喂养`` is not)."""

    text: str
    suggestion: str = ""
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """``phrase`` found at ``text[start:end]`` of the original text, from its first character to
    its last (with whatever was inserted between)."""

    phrase: Phrase
    start: int
    end: int


@dataclass(frozen=True)
class _Entry:
    phrase: Phrase
    # Each allowed word (normalized) with the offset of the phrase inside it, once per place.
    allowed: tuple[tuple[str, int], ...]
    # A Latin phrase must not start or end inside a Latin word: "no way" is not in "casino way".
    latin_start: bool
    latin_end: bool

    def excused(self, norm: str, start: int) -> bool:
        """Whether an allowed word covers the match starting at ``norm[start]``."""
        return any(
            start >= offset and norm.startswith(word, start - offset)
            for word, offset in self.allowed
        )


class _Node:
    __slots__ = ("entry", "next")

    def __init__(self) -> None:
        self.next: dict[str, _Node] = {}
        self.entry: _Entry | None = None


class PhraseList:
    """Forbidden phrases, ready to check texts (a trie of the normalized phrases).

    Phrases that normalize to nothing (only punctuation) are ignored; of phrases that normalize
    to the same text, the first is kept.
    """

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self._root = _Node()
        self._count = 0
        for phrase in phrases:
            norm, _ = normalize(phrase.text)
            if not norm:
                continue
            node = self._root
            for ch in norm:
                node = node.next.setdefault(ch, _Node())
            if node.entry is not None:
                continue
            allowed = []
            for word in phrase.allowed:
                word_norm, _ = normalize(word)
                offset = word_norm.find(norm)
                while offset >= 0:
                    allowed.append((word_norm, offset))
                    offset = word_norm.find(norm, offset + 1)
            node.entry = _Entry(phrase, tuple(allowed), norm[0].isascii(), norm[-1].isascii())
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def find(self, text: str) -> list[Hit]:
        """Every forbidden phrase in ``text``, in text order, none overlapping another: where
        two overlap, the longer wins (``我不知道`` over ``不知道``), then the earlier."""
        norm, index = normalize(text)
        size = len(norm)
        root = self._root.next.get
        # (length, start, entry) of every match, in the normalized text.
        matches: list[tuple[int, int, _Entry]] = []
        for start, ch in enumerate(norm):
            node = root(ch)
            end = start
            while node is not None:
                end += 1
                entry = node.entry
                if entry is not None and not (
                    entry.excused(norm, start)
                    or (entry.latin_start and _joined(norm, index, start - 1))
                    or (entry.latin_end and _joined(norm, index, end - 1))
                ):
                    matches.append((end - start, start, entry))
                if end == size:
                    break
                node = node.next.get(norm[end])
        if not matches:
            return []
        matches.sort(key=lambda m: (-m[0], m[1]))
        taken = bytearray(len(text))  # the characters of the original text already in a hit
        hits: list[Hit] = []
        for length, start, entry in matches:
            first, end = index[start], _end_of(text, index[start + length - 1])
            if taken.find(1, first, end) < 0:
                taken[first:end] = b"\1" * (end - first)
                hits.append(Hit(entry.phrase, first, end))
        hits.sort(key=lambda hit: hit.start)
        return hits

    def mark(self, text: str) -> str:
        """``text`` HTML-escaped, each forbidden phrase in ``<mark class="forbidden">``."""
        parts: list[str] = []
        done = 0
        for hit in self.find(text):
            parts.append(html.escape(text[done : hit.start]))
            parts.append(f'<mark class="forbidden">{html.escape(text[hit.start : hit.end])}</mark>')
            done = hit.end
        parts.append(html.escape(text[done:]))
        return "".join(parts)


def _joined(norm: str, index: list[int], at: int) -> bool:
    """Whether ``norm[at]`` and ``norm[at + 1]`` are Latin letters or digits written together
    (nothing between them in the original text): one word."""
    return (
        0 <= at < len(norm) - 1
        and norm[at].isascii()
        and norm[at + 1].isascii()
        and index[at + 1] - index[at] <= 1
    )


def _end_of(text: str, at: int) -> int:
    """The end of the character at ``text[at]`` with the combining marks after it."""
    end = at + 1
    while end < len(text) and unicodedata.category(text[end])[0] == "M":
        end += 1
    return end
