"""The custody jobs run by two workers at once move each item once: real threads against the
real database (SQLite's file in WAL, or PostgreSQL), each with its own connection."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from kefu.core.models import AuditLog
from kefu.frontdesk import services, shift
from kefu.frontdesk.models import DutyRecord, FinanceBatch, FoundItem, ItemEvent
from kefu.workforce.models import ShiftTemplate
from tests.frontdesk.factories import found_item
from tests.frontdesk.shift_factories import shift_around

pytestmark = pytest.mark.django_db(transaction=True)

AT_ONCE = 4


def _at_once(call) -> list:
    start = threading.Barrier(AT_ONCE)
    results: list = [None] * AT_ONCE

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_day_end_custody_by_several_workers_at_once_moves_each_valuable_once(agent):
    phones = [found_item(agent, category="phone", description=f"手机{n}") for n in range(6)]

    results = _at_once(services.sweep_day_end_custody)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 6
    assert FoundItem.objects.filter(status="custody").count() == 6
    for phone in phones:
        assert ItemEvent.objects.filter(item=phone, kind="custody").count() == 1


def test_finance_hand_over_by_several_workers_at_once_makes_one_batch(agent):
    start = timezone.now() - dt.timedelta(days=20)
    with time_machine.travel(start, tick=False):
        items = [found_item(agent, description=f"雨伞{n}") for n in range(5)]

    results = _at_once(services.sweep_to_finance)

    assert not [r for r in results if isinstance(r, Exception)], results
    batches = [r for r in results if r is not None]
    assert FinanceBatch.objects.count() == len(batches) >= 1
    assert sum(b.count for b in batches) == 5
    for item in items:
        item.refresh_from_db()
        assert item.status == "finance"
        assert ItemEvent.objects.filter(item=item, kind="finance").count() == 1


def test_duty_lock_by_several_workers_at_once_locks_each_record_once(agent):
    ShiftTemplate.objects.update(is_active=False)
    records = []
    for n in range(5):
        _t, day = shift_around(f"J{n}", starts_in=-dt.timedelta(hours=9 + n))
        records.append(shift.open_record(agent, day=day, shift_code=f"J{n}"))

    results = _at_once(shift.lock_ended)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 5
    assert DutyRecord.objects.filter(locked_at__isnull=True).count() == 0
    for record in records:
        assert (
            AuditLog.objects.filter(
                action="frontdesk.duty.locked", object_id=str(record.pk)
            ).count()
            == 1
        )
