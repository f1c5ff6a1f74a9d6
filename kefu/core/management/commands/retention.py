"""``kefu retention``: anonymise or destroy what has outlived its retention period, now, and
print the report (the daily job does the same at 02:40: ``kefu worker --list``).

    kefu retention --dry-run              # what would be done; nothing changes
    kefu retention                        # do it
    kefu retention --kind attachments     # one kind only (repeatable)
    kefu retention --periods              # each kind's period, and what happens when it ends

Periods are set in the admin (数据保留期限). The report is also kept in the admin
(数据清理记录). Exits with status 1 when a kind failed (the others still ran).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core import retention


class Command(BaseCommand):
    help = "Anonymise or destroy expired data by the retention periods, and print the report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")
        parser.add_argument(
            "--kind", action="append", default=[], help="only this kind (repeatable)"
        )
        parser.add_argument("--periods", action="store_true", help="list the periods and stop")
        parser.add_argument("--user", default="", help="who runs it (recorded with the run)")

    def handle(
        self,
        *args: Any,
        dry_run: bool,
        kind: list[str],
        periods: bool,
        user: str,
        **options: Any,
    ) -> None:
        known = {k.code: k for k in retention.kinds()}
        unknown = [code for code in kind if code not in known]
        if unknown:
            raise CommandError(
                f"unknown kind {', '.join(unknown)}; kinds: {', '.join(sorted(known))}"
            )
        if periods:
            for code, days in retention.periods().items():
                shown = "kept for ever" if days is None else f"{days} days"
                self.stdout.write(f"{code:<14} {shown:<14} {known[code].label}")
            return
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user}")
        run = retention.run_retention(dry_run=dry_run, actor=actor, trigger="command", only=kind)
        if dry_run:
            self.stdout.write("dry run: nothing was changed")
        for line in retention.report_lines(run):
            self.stdout.write(line)
        self.stdout.write(f"report #{run.pk}")
        if run.failed:
            raise CommandError("some kinds failed; see the report")
