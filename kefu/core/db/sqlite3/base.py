"""SQLite for Kefu: the embedded database, one writer at a time, queued in the process.

SQLite lets one transaction write at a time; the others wait in its busy handler, which
sleeps and retries with growing pauses (up to 100 ms). Under a burst of intakes those pauses,
not the writes, made the latency. Here the threads of one process queue for the write on a
lock instead, and the next one starts the moment the last commits. Writers in another process
(a separate ``kefu worker``) still meet SQLite's own lock and its busy handler, as before.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_writer = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    # The four methods below are Django's private transaction hooks, which django-stubs does
    # not declare: hence the `type: ignore[misc]` on each.
    _holds_writer = False

    def _start_transaction_under_autocommit(self) -> None:
        # As long as SQLite itself would wait; then on to its busy handler (never a deadlock).
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        self._holds_writer = _writer.acquire(timeout=timeout)
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._holds_writer:
            self._holds_writer = False
            _writer.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_writer()
