"""What the archive and the two engines share: the error, the center's rows, sizes."""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

from django.apps import apps

CHUNK = 1024 * 1024
# The rows a center makes, not the reference data its migrations load: a database with any
# of them holds data, and a restore replaces it only when told to (--force).
CENTER_ROWS = (
    ("auth.User", "users"),
    ("customers.Customer", "customers"),
    ("tickets.Ticket", "tickets"),
)
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
GENERATION_TABLE = "core_cachegeneration"  # kefu.core.refcache's counter, one row (id 1)


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


def engine_of(database: Mapping[str, Any]) -> str:
    """``sqlite`` or ``postgresql``: the engine of a DATABASES entry."""
    engine = str(database["ENGINE"])
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"cannot back up a database of engine {engine}")


def center_tables() -> list[tuple[str, str]]:
    """The tables of a center's own rows, each with the word that counts them."""
    return [(apps.get_model(label)._meta.db_table, word) for label, word in CENTER_ROWS]


def size_text(count: int) -> str:
    """Bytes as people read them: 812 B, 3.4 MB, 1.2 GB."""
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


@contextmanager
def os_errors(what: str) -> Iterator[None]:
    """An OSError while ``what`` as a BackupError that says it plainly, a full disk first."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise BackupError(
                f"the disk is full while {what} ({exc.filename or exc.strerror}): free space "
                "or choose another place"
            )
        raise BackupError(f"{what} failed: {exc}")


class Hashing:
    """A reader that keeps the sha256 and the count of the bytes read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data
