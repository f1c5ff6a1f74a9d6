"""Reference data read on every request, kept in each process and dropped when it changes.

Request types, time-limit policies, webhook endpoints, who may see personal data, API
tokens: a busy floor reads them hundreds of times a second and an administrator changes them
a few times a day. Each process keeps what it read; a change to a watched model (an app lists
its own in ``AppConfig.ready`` with ``watch``) empties this process's store at once and, through
one shared counter row (``core.CacheGeneration``), every other process's within a second
(``CHECK_EVERY``): each process reads the counter at most once a second, one indexed row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from kefu.core.models import CacheGeneration

T = TypeVar("T")

# How stale another process's change may be seen here, at most (seconds).
CHECK_EVERY = 1.0

_lock = threading.Lock()
_local = threading.local()
_store: dict[Any, Any] = {}
# "emptied" counts the times this process's store was emptied: a value read while it was
# emptied (a change landed during the read) may be stale and is not kept.
_state = {"generation": -1, "checked": 0.0, "emptied": 0}


def clear() -> None:
    """Forget everything kept in this process (a change here; a test's start)."""
    _local.changing = 0
    with _lock:
        _store.clear()
        _state["checked"] = 0.0
        _state["emptied"] += 1


def _current_generation() -> int:
    table = CacheGeneration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} WHERE id = 1")  # noqa: S608 - our own table
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _fresh() -> None:
    now = time.monotonic()
    if now - _state["checked"] < CHECK_EVERY:
        return
    generation = _current_generation()
    with _lock:
        if generation != _state["generation"]:
            _store.clear()
            _state["emptied"] += 1
            _state["generation"] = generation
        _state["checked"] = now


def get(key: Any, load: Callable[[], T], *, keep_none: bool = False) -> T:
    """What ``load()`` returns, read once and kept until a watched model changes.

    A load that finds nothing (None) is not kept unless ``keep_none``: keys made of what a
    request sent (a token, a code) would otherwise let anyone fill the store with misses.
    """
    _fresh()
    try:
        return _store[key]  # type: ignore[no-any-return]
    except KeyError:
        pass
    changing = getattr(_local, "changing", 0)
    if changing:
        if _depth() >= changing:  # this thread's change is not committed yet
            return load()
        # The block that changed a watched row has ended without its commit having cleared
        # the store (rolled back): what was kept meanwhile may be a change that never happened.
        _local.changing = 0
        clear()
    emptied = _state["emptied"]
    value = load()
    if value is None and not keep_none:
        return value
    with _lock:
        if _state["emptied"] == emptied:
            _store[key] = value
    return value


def changed(**_: Any) -> None:
    """A watched row changed: drop this process's store now and after commit, and move the
    shared counter so the other processes drop theirs."""
    clear()
    table = CacheGeneration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE id = 1")  # noqa: S608
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {table} (id, value) VALUES (1, 1)")  # noqa: S608
    if _depth():
        # Until this block ends, this thread's reads are not kept (they see the change, which
        # a rollback would undo); the commit empties the store once more.
        _local.changing = _depth()
        transaction.on_commit(_committed)


def _depth() -> int:
    """How many atomic blocks this thread's connection is in, not counting those a test case
    wraps around each test (as Django itself does for durable blocks): there, a test's own
    transaction stands for the database and its changes count as committed."""
    blocks = connection.atomic_blocks
    return len([b for b in blocks if not getattr(b, "_from_testcase", False)])


def _committed() -> None:
    _local.changing = 0
    clear()


def watch(*models: type[Model], ignore_fields: frozenset[str] = frozenset()) -> None:
    """Drop the cached reference data whenever a row of ``models`` is saved or deleted (for an
    m2m ``through`` model, whenever the relation changes). A save of ``ignore_fields`` alone
    (a user's ``last_login`` at each login) is not a change of what is kept."""

    def saved(update_fields: frozenset[str] | None = None, **_: Any) -> None:
        if update_fields is not None and update_fields <= ignore_fields:
            return
        changed()

    def related(action: str = "", **_: Any) -> None:
        if action.startswith("post_"):  # once a change, not before and after it
            changed()

    for model in models:
        uid = f"refcache:{model._meta.label}"
        if model._meta.auto_created:
            m2m_changed.connect(related, sender=model, dispatch_uid=uid, weak=False)
        else:
            post_save.connect(saved, sender=model, dispatch_uid=uid, weak=False)
            post_delete.connect(changed, sender=model, dispatch_uid=uid + ":delete", weak=False)
