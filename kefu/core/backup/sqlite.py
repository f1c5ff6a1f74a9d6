"""The embedded database's part of a backup: SQLite's online backup API, both ways."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kefu.core.backup.common import CHUNK, GENERATION_TABLE, BackupError, center_tables


def database_path(database: Mapping[str, Any]) -> Path:
    name = str(database["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"the SQLite database {name} is not a file")
    return Path(name)


@contextmanager
def _open(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, timeout=60)
    try:
        yield db
    finally:
        db.close()


def dump(database: Mapping[str, Any], stored: Path) -> tuple[list[tuple[str, str]], int]:
    """Write the database as it is at one moment, gzip-compressed, to ``stored``; its
    migrations and its size uncompressed. The server may write meanwhile."""
    source_path = database_path(database)
    if not source_path.is_file():
        raise BackupError(f"there is no database at {source_path}")
    copy = stored.with_name("database.sqlite3")
    try:
        with _open(source_path) as source, _open(copy) as target:
            # All pages in one step: one read transaction, so one moment's database while
            # the server's writers go on (WAL); page by page, each write would restart it.
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            (check,) = target.execute("PRAGMA quick_check").fetchone()
            try:
                rows = target.execute("SELECT app, name FROM django_migrations ORDER BY id")
                migrations = [(str(app), str(name)) for app, name in rows]
            except sqlite3.OperationalError:
                raise BackupError(f"{source_path} is not a Kefu database (no django_migrations)")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source_path}: {exc}")
    if check != "ok":
        raise BackupError(
            f"{source_path} is damaged (PRAGMA quick_check: {check}); keep the last good backup"
        )
    size = copy.stat().st_size
    with copy.open("rb") as src, gzip.open(stored, "wb", compresslevel=6) as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    copy.unlink()
    return migrations, size


def center_rows(database: Mapping[str, Any]) -> tuple[dict[str, int], int | None]:
    """How many of a center's rows the database holds, and its reference-data counter."""
    path = database_path(database)
    if not path.is_file() or path.stat().st_size == 0:
        return {}, None
    with _open(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        held = {
            word: int(db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
            for table, word in center_tables()
            if table in tables
        }
        generation = None
        if GENERATION_TABLE in tables:
            row = db.execute(f"SELECT value FROM {GENERATION_TABLE} WHERE id = 1").fetchone()
            generation = int(row[0]) if row else 0
    return held, generation


def unpack(source: Any, staged: Path) -> None:
    """Write the archive's gzip-compressed database (a reader) to ``staged``."""
    with gzip.GzipFile(fileobj=source, mode="rb") as unzipped, staged.open("wb") as out:
        shutil.copyfileobj(unzipped, out, CHUNK)


def replace(staged: Path, database: Mapping[str, Any]) -> None:
    """Write the staged database over the live one through the backup API: one write
    transaction on the live file, so its readers see the old database or the new one, and a
    failure half-way rolls back to the old one."""
    live = database_path(database)
    with _open(staged) as source:
        (check,) = source.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise BackupError(f"the archive's database is damaged (integrity_check: {check})")
        live.parent.mkdir(parents=True, exist_ok=True)
        with _open(live) as target:
            try:
                source.backup(target)
            except sqlite3.Error as exc:
                raise BackupError(f"SQLite could not write {live} ({exc}); it is as it was")


def set_generation(database: Mapping[str, Any], value: int) -> None:
    """Move the reference-data counter to ``value``, or past its own (none before its
    migration: then nothing)."""
    with _open(database_path(database)) as db:
        try:
            row = db.execute(f"SELECT value FROM {GENERATION_TABLE} WHERE id = 1").fetchone()
        except sqlite3.OperationalError:
            return
        value = max(value, int(row[0]) + 1 if row else 0)
        db.execute(f"INSERT OR REPLACE INTO {GENERATION_TABLE} (id, value) VALUES (1, ?)", [value])
        db.commit()
