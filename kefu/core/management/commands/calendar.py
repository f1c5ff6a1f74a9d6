"""``kefu calendar``: enter a year's official holiday schedule, or check which years lack one.

    kefu calendar --check
    kefu calendar --year 2027 --file 2027.csv --source "国办发明电〔2026〕…号" --user admin

The file has one row per day: ``date,kind,name`` with kind ``holiday`` (法定节假日) or
``makeup`` (调休上班), e.g. ``2027-02-06,holiday,春节``; a header row is skipped.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.calendar import years_without_schedule
from kefu.core.errors import ServiceError
from kefu.core.services import enter_year_schedule


class Command(BaseCommand):
    help = "Enter a year's official holidays and make-up days from a CSV file, or --check."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="list years without schedule")
        parser.add_argument("--year", type=int)
        parser.add_argument("--file", type=Path)
        parser.add_argument("--source", default="", help="the notice the schedule comes from")
        parser.add_argument("--user", default="", help="who enters it (for the audit log)")

    def handle(
        self,
        *args: Any,
        check: bool,
        year: int | None,
        file: Path | None,
        source: str,
        user: str,
        **options: Any,
    ) -> None:
        if check:
            missing = years_without_schedule()
            for y in missing:
                self.stdout.write(f"{y}: no official schedule, counted as weekends only")
            if not missing:
                self.stdout.write("every year in use has its schedule")
            return
        if not year or not file:
            raise CommandError("give --check, or --year and --file")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user}")
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                rows = [r for r in csv.reader(handle) if r and any(c.strip() for c in r)]
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}")
        if rows and rows[0][0].strip().lower() in ("date", "日期"):
            rows = rows[1:]
        days = [(r[0], r[1] if len(r) > 1 else "", r[2] if len(r) > 2 else "") for r in rows]
        try:
            entry = enter_year_schedule(year, days, actor=actor, source=source)
        except ServiceError as exc:
            raise CommandError(exc.detail)
        self.stdout.write(f"{entry.year}: {len(days)} days entered")
