"""Full-text search of ticket content, Chinese-aware on both databases.

Chinese has no spaces, so jieba cuts the text into words at write time and the words are
stored space-separated in ``Ticket.search_tokens``. SQLite indexes that column with an FTS5
table (kept in step by triggers); PostgreSQL with a GIN index on its 'simple' tsvector. A query
is cut the same way and every word must match.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING

import jieba
from django.db import connection
from django.db.models import QuerySet

from kefu.core.db.vendor import execute_for_vendor

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    from kefu.tickets.models import Ticket

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_ready = False
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
MAX_QUERY_WORDS = 8

FTS_TABLE = "tickets_ticket_fts"
PG_TSVECTOR = "to_tsvector('simple'::regconfig, search_tokens)"


def _ensure_jieba() -> None:
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _ready = True


def tokenize_for_index(*texts: str) -> str:
    """All the words (and their sub-words) of the texts, lower-case, space-separated."""
    _ensure_jieba()
    words: list[str] = []
    for text in texts:
        if text:
            for word in jieba.cut_for_search(text):
                word = _PUNCT.sub("", word).lower()
                if word:
                    words.append(word)
    return " ".join(words)


def query_words(query: str) -> list[str]:
    """The words a query must all match, deduplicated, in order."""
    _ensure_jieba()
    seen: list[str] = []
    for word in jieba.cut(query or ""):
        word = _PUNCT.sub("", word).lower()
        if word and word not in seen:
            seen.append(word)
    return seen[:MAX_QUERY_WORDS]


def filter_fulltext(
    queryset: QuerySet[Ticket], query: str, *, common: bool = False
) -> QuerySet[Ticket]:
    """Narrow a Ticket queryset to those whose content matches every word of ``query``.

    ``common``: the words match many tickets (the caller counted). SQLite then walks the
    queue's date index and checks each ticket against the matches, stopping at the page's
    end, instead of fetching and sorting every match (60 ms for 20,000 matches).
    """
    words = query_words(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.extra(
            # Qualified: the queue joins tickets_ticket again (merged_into); the GIN index on
            # PG_TSVECTOR still matches, PostgreSQL compares the resolved expression.
            where=[
                "to_tsvector('simple'::regconfig, tickets_ticket.search_tokens)"
                " @@ to_tsquery('simple'::regconfig, %s)"
            ],
            params=[" & ".join(_pg_quote(w) for w in words)],
        )
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    column = "+tickets_ticket.id" if common else "tickets_ticket.id"  # "+": not by rowid
    return queryset.extra(
        where=[f"{column} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"],
        params=[match],
    )


def _pg_quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


SQLITE_SETUP = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_tokens, content='tickets_ticket', content_rowid='id', tokenize='unicode61')",
    f"CREATE TRIGGER IF NOT EXISTS tickets_ticket_fts_ai AFTER INSERT ON tickets_ticket BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    f"CREATE TRIGGER IF NOT EXISTS tickets_ticket_fts_ad AFTER DELETE ON tickets_ticket BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_tokens) "
    f"VALUES ('delete', old.id, old.search_tokens); END",
    f"CREATE TRIGGER IF NOT EXISTS tickets_ticket_fts_au AFTER UPDATE OF search_tokens "
    f"ON tickets_ticket BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_tokens) "
    f"VALUES ('delete', old.id, old.search_tokens); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
]
SQLITE_TEARDOWN = [
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_au",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_ad",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
PG_SETUP = [
    f"CREATE INDEX IF NOT EXISTS ticket_search_gin ON tickets_ticket USING gin ({PG_TSVECTOR})"
]
PG_TEARDOWN = ["DROP INDEX IF EXISTS ticket_search_gin"]


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    execute_for_vendor(schema_editor, postgresql=PG_SETUP, sqlite=SQLITE_SETUP)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    execute_for_vendor(schema_editor, postgresql=PG_TEARDOWN, sqlite=SQLITE_TEARDOWN)
