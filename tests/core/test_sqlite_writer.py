"""The embedded database queues a process's writers on a lock (kefu/core/db/sqlite3): the
next writer starts as soon as the last one ends — committed, rolled back or closed."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from kefu.core.services import next_serial
from kefu.tickets.models import Ticket
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the writer lock is the embedded database's"
)


def _time_to_write_from_another_thread() -> float:
    took: list[float] = []

    def write() -> None:
        try:
            start = time.monotonic()
            with transaction.atomic():
                next_serial()
            took.append(time.monotonic() - start)
        finally:
            connections.close_all()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=30)
    assert took, "the other thread never wrote"
    return took[0]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_lets_the_next_writer_in_at_once():
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        next_serial()
        raise Refused
    assert _time_to_write_from_another_thread() < 1.0


@pytest.mark.django_db(transaction=True)
def test_a_committed_transaction_lets_the_next_writer_in_at_once():
    with transaction.atomic():
        next_serial()
    assert _time_to_write_from_another_thread() < 1.0


def test_a_burst_of_intakes_from_many_threads_all_lands(reference_data, org, people):
    agent = people["agent"]
    errors: list[BaseException] = []

    def take(n: int) -> None:
        try:
            for i in range(n):
                make_ticket(agent, content=f"第{i}次来电,小区停水")
        except BaseException as exc:  # noqa: BLE001 - the test reports every failure
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(10,)) for _ in range(6)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Ticket.objects.count() == 60
    assert len(set(Ticket.objects.values_list("serial", flat=True))) == 60
    # Queued on the lock, not slept in SQLite's busy handler (whose pauses reach 100 ms).
    assert time.monotonic() - started < 30
