"""``kefu worker --list`` (or ``kefu schedule``): the periodic jobs and their next runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey.api import PeriodicTask
from huey.contrib.djhuey import HUEY


def next_runs(
    task_class: type[PeriodicTask], *, start: dt.datetime, count: int = 3
) -> list[dt.datetime]:
    """The next ``count`` minutes (within a week) at which huey would start the task."""
    runs: list[dt.datetime] = []
    task = task_class()
    moment = start.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    for _ in range(7 * 24 * 60):
        if task.validate_datetime(moment):
            runs.append(moment)
            if len(runs) == count:
                break
        moment += dt.timedelta(minutes=1)
    return runs


class Command(BaseCommand):
    help = "List the periodic background jobs with their next three runs."

    def handle(self, *args: Any, **options: Any) -> None:
        autodiscover_modules("tasks")
        # huey checks schedules against naive local times by default (utc=False) or UTC.
        now = (timezone.now() if HUEY.utc else timezone.localtime()).replace(tzinfo=None)
        tasks = sorted(HUEY._registry._periodic_tasks, key=lambda t: t.__name__)
        if not tasks:
            self.stdout.write("no periodic jobs")
        for task in tasks:
            doc = (task.__doc__ or "").strip().splitlines()
            runs = ", ".join(f"{m:%m-%d %H:%M}" for m in next_runs(task, start=now))
            self.stdout.write(f"{task.__name__:<28} next: {runs}  {doc[0] if doc else ''}")
