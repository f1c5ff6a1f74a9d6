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
2. the most concepts found together (a near miss: one word too many, then two…), else
3. the pinyin of what was typed against the titles' pinyin (``tsh`` → 停水, a homophone typo
   停谁 → 停水);

ranked by the number of concepts found in the title (title over body), then the freshest first
(updated), then the newest id. A lone character counts only when nothing longer was typed.

SQLite keeps the words in an FTS5 table; PostgreSQL as stored tsvectors (title and body, the
title alone, the title's pinyin) with GIN indexes. A step reads the few articles with a concept
in the title whole and the others a page at a time along the freshness index, so a word found
in every tenth article costs about what a rare one does (``bench/knowledge.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

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
    # A lone character (水, 赔, 表) says little beside longer words: it would rank an article
    # mentioning 水 with one about the 爆管 the caller reports. It counts when nothing longer
    # was typed.
    longer = [c for c in concepts if not _lone_character(c.shown[0])]
    return (longer or concepts)[:MAX_CONCEPTS]


def _lone_character(word: str) -> bool:
    return len(word) == 1 and bool(_HAN.match(word))


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


@dataclass
class Level:
    """One step of a search: the index query of the articles it finds (``found``), and one
    query of the titles per concept (a concept found in the title ranks the article higher)."""

    name: str  # "all", "any" or "pinyin"
    found: str
    titles: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return self.name == "pinyin"


def levels(concepts: list[Concept]) -> list[Level]:
    """The steps of a search, tried in order until one finds something visible: every concept;
    then, when that finds nothing, the most concepts found together (a near miss: one word too
    many, then two…); then the titles' pinyin."""
    ix = index()
    usable = [c for c in concepts if c.wordings]
    out: list[Level] = []
    if usable:
        found = [ix.words(c.wordings) for c in usable]
        titles = [ix.words(c.wordings, title=True) for c in usable]
        for size in range(len(usable), 0, -1):
            query = ix.any_of([ix.all_of(list(group)) for group in combinations(found, size)])
            out.append(Level("all" if size == len(usable) else "any", query, titles))
    heard = sounds(concepts)
    if heard:
        out.append(Level("pinyin", ix.sounds([[p] for p in heard])))
    return out


Where = tuple[str, list[str]]  # a WHERE part and its parameters


class Fts5:
    """SQLite: the FTS5 table's query language (one query can name the columns it searches);
    an article is found when its rowid is in the table's matches."""

    def words(self, alternatives: list[list[str]], *, title: bool = False) -> str:
        columns = "search_title" if title else "{search_title search_body}"
        return f"{columns} : " + self._either(alternatives)

    def sounds(self, alternatives: list[list[str]]) -> str:
        return "search_pinyin : " + self._either(alternatives)

    @staticmethod
    def _either(alternatives: list[list[str]]) -> str:
        parts = []
        for tokens in alternatives:
            quoted = " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)
            parts.append(f"({quoted})")
        return "(" + " OR ".join(parts) + ")"

    def all_of(self, queries: list[str]) -> str:
        return queries[0] if len(queries) == 1 else " AND ".join(f"({q})" for q in queries)

    def any_of(self, queries: list[str]) -> str:
        return queries[0] if len(queries) == 1 else " OR ".join(f"({q})" for q in queries)

    def _match(self, query: str, *, walk: bool = False) -> Where:
        # ``walk``: many match, so the page is read along the freshness index, each row looked
        # up in the matches, instead of every match being read by rowid and sorted (the ``+``
        # keeps SQLite from choosing the rowid lookups).
        plus = "+" if walk else ""
        return (
            f"{plus}knowledge_article.id IN "
            f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",
            [query],
        )

    def found(self, level: Level, *, walk: bool = False) -> Where:
        return self._match(level.found, walk=walk)

    def titled(self, level: Level) -> Where:
        """Found, with a concept in the title."""
        return self._match(f"({level.found}) AND ({self.any_of(level.titles)})")

    def untitled(self, level: Level, *, walk: bool = False) -> Where:
        """Found, with no concept in the title."""
        return self._match(f"({level.found}) NOT ({self.any_of(level.titles)})", walk=walk)

    def in_title(self, title: str) -> Where:
        return self._match(title)

    def many(self, level: Level) -> bool:
        """Whether the index holds many of the level's articles without a concept in the title
        (live or not): then they are read along the freshness index."""
        query = level.found
        if level.titles:
            query = f"({level.found}) NOT ({self.any_of(level.titles)})"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [query])
            return int(cursor.fetchone()[0]) > WALK_FROM


class Tsquery:
    """PostgreSQL: ``to_tsquery`` against the article's stored tsvectors ``search_doc`` (title
    and body), ``search_heading`` (the title) and ``search_sound`` (the title's pinyin), each
    with a GIN index; the planner chooses how to read them."""

    def words(self, alternatives: list[list[str]], *, title: bool = False) -> str:
        return self._either(alternatives)

    def sounds(self, alternatives: list[list[str]]) -> str:
        return self._either(alternatives)

    @staticmethod
    def _either(alternatives: list[list[str]]) -> str:
        parts = []
        for tokens in alternatives:
            quoted = " & ".join(
                "'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens
            )
            parts.append(f"({quoted})")
        return "(" + " | ".join(parts) + ")"

    def all_of(self, queries: list[str]) -> str:
        return queries[0] if len(queries) == 1 else " & ".join(f"({q})" for q in queries)

    def any_of(self, queries: list[str]) -> str:
        return queries[0] if len(queries) == 1 else " | ".join(f"({q})" for q in queries)

    @staticmethod
    def _column(column: str) -> str:
        return f"knowledge_article.{column} @@ to_tsquery('simple'::regconfig, %s)"

    def found(self, level: Level, *, walk: bool = False) -> Where:
        column = "search_sound" if level.sound else "search_doc"
        return self._column(column), [level.found]

    def titled(self, level: Level) -> Where:
        sql = self._column("search_doc") + " AND " + self._column("search_heading")
        return sql, [level.found, self.any_of(level.titles)]

    def untitled(self, level: Level, *, walk: bool = False) -> Where:
        sql = self._column("search_doc") + " AND NOT " + self._column("search_heading")
        return sql, [level.found, self.any_of(level.titles)]

    def in_title(self, title: str) -> Where:
        return self._column("search_heading"), [title]

    def many(self, level: Level) -> bool:
        return False  # the planner judges


# A level the index finds in more articles than this is read along the freshness index on
# SQLite (see Fts5.found); fewer are read by their ids and sorted.
WALK_FROM = 2000


def index() -> Fts5 | Tsquery:
    return Tsquery() if connection.vendor == "postgresql" else Fts5()


def title_score(level: Level) -> Where:
    """The number of the level's concepts found in the title, as SQL."""
    ix = index()
    parts, params = [], []
    for title in level.titles:
        sql, args = ix.in_title(title)
        parts.append(f"(CASE WHEN {sql} THEN 1 ELSE 0 END)")
        params.extend(args)
    return " + ".join(parts) or "0", params


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
# PostgreSQL keeps the words as stored tsvectors (computed by the database from the search
# columns), so that telling whether an article holds a word never re-parses its text.
PG_SETUP = [
    "ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS search_doc tsvector GENERATED ALWAYS "
    "AS (to_tsvector('simple'::regconfig, search_title || ' ' || search_body)) STORED",
    "ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS search_heading tsvector GENERATED "
    "ALWAYS AS (to_tsvector('simple'::regconfig, search_title)) STORED",
    "ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS search_sound tsvector GENERATED "
    "ALWAYS AS (to_tsvector('simple'::regconfig, search_pinyin)) STORED",
    "CREATE INDEX IF NOT EXISTS knowledge_article_doc_gin ON knowledge_article "
    "USING gin (search_doc)",
    "CREATE INDEX IF NOT EXISTS knowledge_article_heading_gin ON knowledge_article "
    "USING gin (search_heading)",
    "CREATE INDEX IF NOT EXISTS knowledge_article_sound_gin ON knowledge_article "
    "USING gin (search_sound)",
]
PG_TEARDOWN = [
    "DROP INDEX IF EXISTS knowledge_article_sound_gin",
    "DROP INDEX IF EXISTS knowledge_article_heading_gin",
    "DROP INDEX IF EXISTS knowledge_article_doc_gin",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_heading",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_sound",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_doc",
]


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    execute_for_vendor(schema_editor, postgresql=PG_SETUP, sqlite=SQLITE_SETUP)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    execute_for_vendor(schema_editor, postgresql=PG_TEARDOWN, sqlite=SQLITE_TEARDOWN)
