"""The circuit breaker's rules, in this process and in Redis (shared by every process)."""

from __future__ import annotations

import concurrent.futures
import os
import time

import pytest
import redis

from kefu.business.adapters import HttpAdapter, State
from kefu.business.breaker import MemoryStore, RedisStore
from tests.business.factories import account_connector

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_or_skip() -> RedisStore:
    store = RedisStore(REDIS_URL)
    try:
        store.redis.ping()
    except redis.RedisError:
        pytest.skip("Redis not reachable")
    return store


@pytest.fixture(params=["memory", "redis"])
def stores(request):
    """Two handles on one breaker state: two processes' views in Redis; one process's
    store twice in memory."""
    if request.param == "memory":
        store = MemoryStore()
        yield store, store
        return
    first, second = _redis_or_skip(), RedisStore(REDIS_URL)
    first.clear()
    yield first, second
    first.clear()


def test_opens_after_fail_max_failures_and_every_process_sees_it(stores):
    here, there = stores
    here.failure("t1", fail_max=2)
    assert there.allow("t1", reset_seconds=5, trial_seconds=1) is True
    here.failure("t1", fail_max=2)

    assert there.state("t1", reset_seconds=5) == "open"
    assert there.allow("t1", reset_seconds=5, trial_seconds=1) is False


def test_after_the_cool_down_one_trial_then_success_closes(stores):
    here, there = stores
    here.failure("t2", fail_max=1)
    time.sleep(0.25)

    assert here.state("t2", reset_seconds=0.2) == "half_open"
    assert here.allow("t2", reset_seconds=0.2, trial_seconds=5) is True
    assert there.allow("t2", reset_seconds=0.2, trial_seconds=5) is False  # one trial only
    there.success("t2")
    assert here.state("t2", reset_seconds=0.2) == "closed"
    assert here.allow("t2", reset_seconds=0.2, trial_seconds=5) is True


def test_a_failed_trial_opens_again(stores):
    here, there = stores
    here.failure("t3", fail_max=1)
    time.sleep(0.25)
    assert here.allow("t3", reset_seconds=0.2, trial_seconds=5) is True
    there.failure("t3", fail_max=1)

    assert here.state("t3", reset_seconds=0.2) == "open"


def test_a_success_forgets_earlier_failures(stores):
    here, there = stores
    here.failure("t4", fail_max=2)
    there.success("t4")
    here.failure("t4", fail_max=2)

    assert here.state("t4", reset_seconds=5) == "closed"


def test_lookups_through_one_connector_run_side_by_side(db, billing):
    """Eight pops at once, each bill taking 100 ms, take about 100 ms, not 800."""
    billing.delay = 0.1
    adapter = HttpAdapter(account_connector(billing, timeout_ms=1000))

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        states = list(pool.map(lambda _: adapter.account("SW100001").state, range(8)))
    took = time.perf_counter() - start

    assert states == [State.OK] * 8
    assert took < 0.5
