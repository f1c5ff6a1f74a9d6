"""A circuit breaker per business-system connector.

Closed: lookups go through. After ``fail_max`` failures or timeouts within ``WINDOW``
seconds it opens: every lookup answers "unavailable" at once, asking nothing, for
``reset_seconds``. Then it is half-open: one lookup (one, across every thread and process) is
let through as a trial; its success closes the breaker, its failure opens it again.

Checked: pybreaker holds one lock for the whole call, so every lookup through a connector would
wait for the one before it (eight agents' pops in a row behind one slow bill) — not that one.

The state lives in this process (the embedded set-up is one process) or, when ``REDIS_URL`` is
set, in Redis, where every server process shares it — as huey and channels do.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis
from django.conf import settings

WINDOW = 60  # seconds in which fail_max failures open the breaker


class Store(Protocol):
    def allow(self, key: str, *, reset_seconds: float, trial_seconds: float) -> bool: ...

    def failure(self, key: str, *, fail_max: int) -> None: ...

    def success(self, key: str) -> None: ...

    def state(self, key: str, *, reset_seconds: float) -> str: ...

    def clear(self) -> None: ...


@dataclass
class _Entry:
    failures: int = 0
    first_failure: float = 0.0
    opened_at: float | None = None
    trial_until: float = 0.0


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def allow(self, key: str, *, reset_seconds: float, trial_seconds: float) -> bool:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.opened_at is None:
                return True
            if now < entry.opened_at + reset_seconds or now < entry.trial_until:
                return False
            entry.trial_until = now + trial_seconds  # this caller is the one trial
            return True

    def failure(self, key: str, *, fail_max: int) -> None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.setdefault(key, _Entry())
            if entry.failures == 0 or now - entry.first_failure > WINDOW:
                entry.failures, entry.first_failure = 0, now
            entry.failures += 1
            if entry.failures >= fail_max or entry.opened_at is not None:
                entry.opened_at, entry.trial_until = now, 0.0

    def success(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def state(self, key: str, *, reset_seconds: float) -> str:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.opened_at is None:
                return "closed"
            return "open" if time.monotonic() < entry.opened_at + reset_seconds else "half_open"

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisStore:
    """The same rules in Redis: a failure counter expiring with the window, the time it
    opened, and the one trial claimed with SET NX."""

    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)

    def _keys(self, key: str) -> tuple[str, str, str]:
        base = f"kefu:business:breaker:{key}"
        return f"{base}:failures", f"{base}:opened", f"{base}:trial"

    def allow(self, key: str, *, reset_seconds: float, trial_seconds: float) -> bool:
        _, opened_key, trial_key = self._keys(key)
        opened = self.redis.get(opened_key)
        if opened is None:
            return True
        if time.time() < float(opened) + reset_seconds:
            return False
        return bool(self.redis.set(trial_key, 1, nx=True, px=max(int(trial_seconds * 1000), 1)))

    def failure(self, key: str, *, fail_max: int) -> None:
        failures_key, opened_key, trial_key = self._keys(key)
        count = int(self.redis.incr(failures_key))
        if count == 1:
            self.redis.expire(failures_key, WINDOW)
        if count >= fail_max or self.redis.exists(opened_key):
            pipe = self.redis.pipeline()
            pipe.set(opened_key, repr(time.time()), ex=WINDOW * 60)
            pipe.delete(trial_key)
            pipe.execute()

    def success(self, key: str) -> None:
        self.redis.delete(*self._keys(key))

    def state(self, key: str, *, reset_seconds: float) -> str:
        opened = self.redis.get(self._keys(key)[1])
        if opened is None:
            return "closed"
        return "open" if time.time() < float(opened) + reset_seconds else "half_open"

    def clear(self) -> None:
        for name in self.redis.scan_iter("kefu:business:breaker:*"):
            self.redis.delete(name)


_store: Store | None = None
_store_lock = threading.Lock()


def store() -> Store:
    global _store
    with _store_lock:
        if _store is None:
            _store = RedisStore(settings.REDIS_URL) if settings.REDIS_URL else MemoryStore()
        return _store


class Breaker:
    """The breaker of one connector, its thresholds as the admin set them now."""

    def __init__(self, key: str, *, fail_max: int, reset_seconds: float, trial_seconds: float):
        self.key, self.fail_max = key, max(fail_max, 1)
        self.reset_seconds, self.trial_seconds = reset_seconds, trial_seconds

    def allow(self) -> bool:
        """Whether to ask the system now (closed, or this caller won the half-open trial).
        A breaker whose shared state cannot be read lets the lookup through."""
        try:
            return store().allow(
                self.key, reset_seconds=self.reset_seconds, trial_seconds=self.trial_seconds
            )
        except redis.RedisError:
            return True

    def failure(self) -> None:
        with contextlib.suppress(redis.RedisError):
            store().failure(self.key, fail_max=self.fail_max)

    def success(self) -> None:
        with contextlib.suppress(redis.RedisError):
            store().success(self.key)

    @property
    def state(self) -> str:
        try:
            return store().state(self.key, reset_seconds=self.reset_seconds)
        except redis.RedisError:
            return "closed"
