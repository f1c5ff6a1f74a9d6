"""Each periodic job runs once per period however many workers queue it (kefu.core.periodic)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from huey import MemoryHuey, crontab
from huey.contrib.djhuey import HUEY

from kefu.core import periodic
from kefu.core.models import PeriodicRun
from kefu.reports.tasks import prepare_monthly_report
from kefu.sla.tasks import sweep_deadlines

pytestmark = pytest.mark.django_db(transaction=True)


def at(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def test_the_period_is_the_last_scheduled_minute_at_or_before_the_run():
    every_minute = sweep_deadlines.task_class()
    monthly = prepare_monthly_report.task_class()
    assert periodic.period_of(every_minute, at("2026-12-07 10:16:42")) == at("2026-12-07 10:16")
    assert periodic.period_of(monthly, at("2026-12-01 00:05:30")) == at("2026-12-01 00:05")
    # Run late or by hand: it counts for the month's 1st, 00:05 — still once that month.
    assert periodic.period_of(monthly, at("2026-12-07 10:16:42")) == at("2026-12-01 00:05")
    assert periodic.period_of(monthly, at("2026-12-01 00:04:59")) == at("2026-11-01 00:05")


def test_a_second_claim_on_a_period_is_refused_and_the_next_period_is_free():
    assert periodic.claim("kefu.sla.tasks.sweep_deadlines", at("2026-12-07 10:16"))
    assert not periodic.claim("kefu.sla.tasks.sweep_deadlines", at("2026-12-07 10:16"))
    assert periodic.claim("kefu.sla.tasks.sweep_deadlines", at("2026-12-07 10:17"))
    assert periodic.claim("kefu.reports.tasks.prepare_monthly_report", at("2026-12-07 10:16"))
    assert PeriodicRun.objects.count() == 3


def test_two_workers_claiming_at_once_run_the_job_once():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race is PostgreSQL's")
    barrier = threading.Barrier(6)
    won: list[bool] = []

    def worker() -> None:
        barrier.wait()
        try:
            won.append(periodic.claim("kefu.sla.tasks.sweep_deadlines", at("2026-12-07 10:16")))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == [False] * 5 + [True]


def test_two_consumers_queueing_every_periodic_job_run_each_once():
    """What two `kefu worker`s do each minute: both schedulers queue every job due, both
    workers take from the queue; each job runs once, the copies are skipped."""
    huey = MemoryHuey("drill", immediate=False, utc=False)
    periodic.install(huey)
    ran: list[str] = []

    @huey.periodic_task(crontab(minute="*"), name="every_minute")
    def every_minute():
        ran.append("every_minute")

    @huey.periodic_task(crontab(minute="15"), name="hourly")
    def hourly():
        ran.append("hourly")

    @huey.task()
    def plain():
        ran.append("plain")

    now = timezone.make_naive(timezone.localtime()).replace(minute=15, second=0, microsecond=0)
    for _scheduler in range(2):
        for task in huey.read_periodic(now):
            huey.enqueue(task)
        plain()
    assert huey.pending_count() == 6

    def consume() -> None:
        try:
            while (task := huey.dequeue()) is not None:
                huey.execute(task)
        finally:
            connection.close()

    workers = [threading.Thread(target=consume) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(ran) == ["every_minute", "hourly", "plain", "plain"]
    claims = PeriodicRun.objects.values_list("task", flat=True)
    assert sorted(name.rsplit(".", 1)[1] for name in claims) == ["every_minute", "hourly"]


def test_immediate_mode_claims_nothing():
    assert HUEY.immediate
    assert "kefu.periodic.claim" not in HUEY._pre_execute
    sweep_deadlines()
    sweep_deadlines()
    assert not PeriodicRun.objects.exists()


def test_claims_older_than_a_week_are_forgotten():
    PeriodicRun.objects.create(task="a", period=at("2026-11-01 10:00"), worker="w")
    PeriodicRun.objects.filter(task="a").update(claimed_at=timezone.now() - dt.timedelta(days=8))
    PeriodicRun.objects.create(task="b", period=at("2026-12-06 10:00"), worker="w")
    assert periodic.forget_old() == 1
    assert list(PeriodicRun.objects.values_list("task", flat=True)) == ["b"]
