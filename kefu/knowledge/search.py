"""Search of the knowledge base: Chinese words, the center's synonyms, pinyin, one ranking on
SQLite (FTS5) and PostgreSQL (GIN).

An article is indexed as three columns of space-separated words (see ``index_columns``): the
title's jieba words, the body's and tags' words, and the pinyin of the title's words (全拼
``tingshui``, 声母 ``tsh`` and first letters ``ts``). A query becomes a list of *concepts*:
each is one thing the agent typed, matched by any of its wordings (the center's synonym group:
停水 = 没水 = 断水 = 不出水); a wording jieba cuts in several words matches when all of them are
there. Both databases only say which articles contain which words; the ranking is the same
expression on both, so both give the same results in the same order:

1. every concept found (in the title or the body), else
2. as many concepts as possible (a near miss: one word too many), else
3. the pinyin of what was typed against the titles' pinyin (``tsh`` → 停水, a homophone typo
   停谁 → 停水);

ranked by concepts found in the title (title over body), then by concepts found at all, then
the freshest first (updated), then the newest id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils.html import escape
from pypinyin import Style, lazy_pinyin

from kefu.core import refcache
from kefu.core.db.vendor import execute_for_vendor
from kefu.knowledge.models import SynonymGroup
from kefu.tickets.search import query_words, tokenize_for_index

FTS_TABLE = "knowledge_article_fts"
MAX_CONCEPTS = 6
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LETTERS = re.compile(r"^[a-z]+$")
_SPLIT = re.compile(r"[\s,,、;;/|]+")
# Words a question is made of that say nothing of what it is about.
_STOPWORDS_TEXT = (
    "的 了 是 吗 呢 吧 啊 呀 么 我 我们 你 你们 他 她 它 在 有 和 与 及 或 也 都 就 还 要 想 请 "
    "请问 一下 一个 这个 那个 怎么 怎么办 怎样 如何 什么 为什么 哪里 哪儿 多少 几 能 能不能 可以 "
    "是否 没有 啦 哦 嗯 给 把 被 让 对 从 到 会 该 "
    # where and when the caller is: they say nothing of what the question is about
    "家 家里 家中 这边 那边 现在 今天 昨天 刚才 刚刚 一直 已经 突然 老是 总是"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


# ---------------------------------------------------------------------------------- words


def pinyin_words(title: str) -> str:
    """The pinyin of each Chinese word of ``title``: 全拼, 声母 and first letters, e.g. 停水
    → ``tingshui tsh ts``."""
    out: list[str] = []
    for word in tokenize_for_index(title).split():
        if len(word) < 2 or not _HAN.search(word):
            continue
        for token in _pinyin_forms(word):
            if token not in out:
                out.append(token)
    return " ".join(out)


def _pinyin_forms(word: str) -> list[str]:
    syllables = [s for s in lazy_pinyin(word, errors="ignore") if s.isalpha()]
    if not syllables:
        return []
    initials = lazy_pinyin(word, style=Style.INITIALS, strict=False, errors="ignore")
    # A syllable without an initial (爱 ai) stands by its first letter.
    heads = [i or s[0] for i, s in zip(initials, syllables, strict=False)]
    forms = ["".join(syllables), "".join(heads), "".join(s[0] for s in syllables)]
    return [f for f in dict.fromkeys(forms) if f]


def index_columns(title: str, body: str, tags: list[str]) -> dict[str, str]:
    """What an article's search columns hold for this content."""
    return {
        "search_title": tokenize_for_index(title),
        "search_body": tokenize_for_index(body, " ".join(tags)),
        "search_pinyin": pinyin_words(title),
    }


def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Each word of an active synonym group → the whole group (its first word first)."""

    def load() -> dict[str, tuple[str, ...]]:
        groups: dict[str, tuple[str, ...]] = {}
        for row in SynonymGroup.objects.filter(is_active=True).order_by("id"):
            words = tuple(dict.fromkeys(w.lower() for w in split_words(row.words)))
            for word in words:
                groups.setdefault(word, words)
        return groups

    return refcache.get(("knowledge", "synonyms"), load)


def split_words(text: str) -> list[str]:
    return [w.strip() for w in _SPLIT.split(text or "") if w.strip()]


# ---------------------------------------------------------------------------------- queries


@dataclass
class Concept:
    """One thing typed: the words that show it (to highlight) and its wordings, each a list of
    index words that must all be there."""

    shown: list[str]
    wordings: list[list[str]] = field(default_factory=list)
    pinyin: list[str] = field(default_factory=list)


def parse(query: str) -> list[Concept]:
    """The concepts of ``query``: the synonym phrases found in it first (longest first), then
    jieba's words of the rest, without the words that carry no meaning."""
    text = (query or "").lower().strip()[:200]
    groups = synonym_groups()
    concepts: list[Concept] = []
    if groups:
        pattern = "|".join(re.escape(w) for w in sorted(groups, key=len, reverse=True))
        pieces = []
        last = 0
        for match in re.finditer(pattern, text):
            concepts.append(_concept(groups[match.group(0)], shown=match.group(0)))
            pieces.append(text[last : match.start()])
            last = match.end()
        pieces.append(text[last:])
        text = " ".join(pieces)
    for word in query_words(text):
        if word in STOPWORDS or any(word in c.shown for c in concepts):
            continue
        concepts.append(_concept(groups.get(word, (word,)), shown=word))
    return concepts[:MAX_CONCEPTS]


def _concept(words: tuple[str, ...], *, shown: str) -> Concept:
    wordings: list[list[str]] = []
    for word in words:
        tokens = [t for t in query_words(word) if t]
        if tokens and tokens not in wordings:
            wordings.append(tokens)
    shown_words = list(dict.fromkeys([shown, *words]))
    if _LETTERS.match(shown) and len(words) == 1:
        pinyin = [shown]  # typed letters: pinyin or its initials
    else:
        pinyin = list(dict.fromkeys(f for w in words if _HAN.search(w) for f in _pinyin_forms(w)))
    return Concept(shown=shown_words, wordings=wordings, pinyin=pinyin)


# ---------------------------------------------------------------------------------- SQL


def sounds(concepts: list[Concept]) -> list[str]:
    """The pinyin forms to look for: each concept's, and two neighbours' together, since a typo
    jieba cut in two (停谁 → 停 谁) still sounds like the word meant (tingshui)."""
    forms = [p for c in concepts for p in c.pinyin]
    for first, second in zip(concepts, concepts[1:], strict=False):
        pair = first.shown[0] + second.shown[0]
        if _HAN.search(pair):
            forms.extend(_pinyin_forms(pair)[:1])
    return list(dict.fromkeys(forms))


def _fts_or(alternatives: list[list[str]]) -> str:
    parts = []
    for tokens in alternatives:
        quoted = " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        parts.append(f"({quoted})")
    return "(" + " OR ".join(parts) + ")"


def _pg_or(alternatives: list[list[str]]) -> str:
    parts = []
    for tokens in alternatives:
        quoted = " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens)
        parts.append(f"({quoted})")
    return "(" + " | ".join(parts) + ")"


@dataclass
class Plan:
    """The SQL that tells, per article, whether each concept is found: a WHERE part that keeps
    the articles found at all, and a score expression; each with its parameters."""

    where: str
    where_params: list[str]
    score: str
    score_params: list[str]


def plan(concepts: list[Concept], *, step: str) -> Plan | None:
    """``step``: "all" (every concept), "any" (at least one), "pinyin" (titles' pinyin)."""
    if step == "pinyin":
        alternatives = [[p] for p in sounds(concepts)]
        if not alternatives:
            return None
        return _pinyin_plan(alternatives)
    usable = [c for c in concepts if c.wordings]
    if not usable:
        return None
    if connection.vendor == "postgresql":
        return _pg_plan(usable, every=step == "all")
    return _sqlite_plan(usable, every=step == "all")


def _sqlite_plan(concepts: list[Concept], *, every: bool) -> Plan:
    joiner = " AND " if every else " OR "
    match = joiner.join("{search_title search_body} : " + _fts_or(c.wordings) for c in concepts)
    in_fts = f"knowledge_article.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
    score_parts: list[str] = []
    score_params: list[str] = []
    for concept in concepts:
        expr = _fts_or(concept.wordings)
        score_parts.append(f"(CASE WHEN {in_fts} THEN 2 ELSE 0 END)")
        score_params.append("search_title : " + expr)
        if not every:
            score_parts.append(f"(CASE WHEN {in_fts} THEN 1 ELSE 0 END)")
            score_params.append("{search_title search_body} : " + expr)
    return Plan(in_fts, [match], " + ".join(score_parts), score_params)


_PG_DOC = "to_tsvector('simple'::regconfig, knowledge_article.search_title || ' ' || knowledge_article.search_body)"
_PG_TITLE = "to_tsvector('simple'::regconfig, knowledge_article.search_title)"
_PG_PINYIN = "to_tsvector('simple'::regconfig, knowledge_article.search_pinyin)"


def _pg_plan(concepts: list[Concept], *, every: bool) -> Plan:
    joiner = " & " if every else " | "
    query = joiner.join(_pg_or(c.wordings) for c in concepts)
    where = f"{_PG_DOC} @@ to_tsquery('simple'::regconfig, %s)"
    score_parts: list[str] = []
    score_params: list[str] = []
    for concept in concepts:
        expr = _pg_or(concept.wordings)
        score_parts.append(
            f"(CASE WHEN {_PG_TITLE} @@ to_tsquery('simple'::regconfig, %s) THEN 2 ELSE 0 END)"
        )
        score_params.append(expr)
        if not every:
            score_parts.append(
                f"(CASE WHEN {_PG_DOC} @@ to_tsquery('simple'::regconfig, %s) THEN 1 ELSE 0 END)"
            )
            score_params.append(expr)
    return Plan(where, [query], " + ".join(score_parts), score_params)


def _pinyin_plan(alternatives: list[list[str]]) -> Plan:
    if connection.vendor == "postgresql":
        return Plan(
            f"{_PG_PINYIN} @@ to_tsquery('simple'::regconfig, %s)",
            [_pg_or(alternatives)],
            "0",
            [],
        )
    return Plan(
        f"knowledge_article.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",
        ["search_pinyin : " + _fts_or(alternatives)],
        "0",
        [],
    )


# ---------------------------------------------------------------------------------- snippets


def highlight(text: str, words: list[str], *, width: int | None = None) -> str:
    """``text`` HTML-escaped with each of ``words`` in <mark>; with ``width``, only a window of
    about that many characters around the first word found (the whole start if none is)."""
    text = text or ""
    found = [w for w in sorted(set(words), key=len, reverse=True) if w and w in text.lower()]
    start, end = 0, len(text)
    if width is not None:
        lowered = text.lower()
        first = min((lowered.find(w) for w in found), default=-1)
        start = max(0, first - width // 4) if first >= 0 else 0
        end = min(len(text), start + width)
    window = text[start:end]
    if found:
        pattern = re.compile("|".join(re.escape(w) for w in found), re.IGNORECASE)
        pieces: list[str] = []
        last = 0
        for match in pattern.finditer(window):
            pieces.append(escape(window[last : match.start()]))
            pieces.append(f"<mark>{escape(match.group(0))}</mark>")
            last = match.end()
        pieces.append(escape(window[last:]))
        html = "".join(pieces)
    else:
        html = str(escape(window))
    return ("…" if start > 0 else "") + html + ("…" if end < len(text) else "")


def pinyin_hits(title: str, concepts: list[Concept]) -> list[str]:
    """The words of ``title`` whose pinyin the query's pinyin matched (to highlight them)."""
    wanted = set(sounds(concepts))
    hits = []
    for word in tokenize_for_index(title).split():
        if _HAN.search(word) and wanted.intersection(_pinyin_forms(word)):
            hits.append(word)
    return hits


SQLITE_SETUP = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_title, search_body, search_pinyin, content='knowledge_article', content_rowid='id', "
    "tokenize='unicode61')",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_ai AFTER INSERT ON knowledge_article "
    f"BEGIN INSERT INTO {FTS_TABLE}(rowid, search_title, search_body, search_pinyin) "
    f"VALUES (new.id, new.search_title, new.search_body, new.search_pinyin); END",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_ad AFTER DELETE ON knowledge_article "
    f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body, search_pinyin) "
    f"VALUES ('delete', old.id, old.search_title, old.search_body, old.search_pinyin); END",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_au AFTER UPDATE OF "
    f"search_title, search_body, search_pinyin ON knowledge_article BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body, search_pinyin) "
    f"VALUES ('delete', old.id, old.search_title, old.search_body, old.search_pinyin); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_title, search_body, search_pinyin) "
    f"VALUES (new.id, new.search_title, new.search_body, new.search_pinyin); END",
]
SQLITE_TEARDOWN = [
    "DROP TRIGGER IF EXISTS knowledge_article_fts_au",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_ad",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
PG_SETUP = [
    f"CREATE INDEX IF NOT EXISTS knowledge_article_search_gin ON knowledge_article USING gin "
    f"(({_PG_DOC.replace('knowledge_article.', '')}))",
    f"CREATE INDEX IF NOT EXISTS knowledge_article_pinyin_gin ON knowledge_article USING gin "
    f"(({_PG_PINYIN.replace('knowledge_article.', '')}))",
]
PG_TEARDOWN = [
    "DROP INDEX IF EXISTS knowledge_article_pinyin_gin",
    "DROP INDEX IF EXISTS knowledge_article_search_gin",
]


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    execute_for_vendor(schema_editor, postgresql=PG_SETUP, sqlite=SQLITE_SETUP)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    execute_for_vendor(schema_editor, postgresql=PG_TEARDOWN, sqlite=SQLITE_TEARDOWN)
