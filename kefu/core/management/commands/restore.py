"""``kefu restore ARCHIVE [--force]``: put back the database and the uploaded files of a
``kefu backup`` archive (README, Backup and restore). Stop the server and the workers first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.backup.archive import restore_backup
from kefu.core.backup.common import ENGINE_NAMES, BackupError, size_text


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from a `kefu backup` archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the archive `kefu backup` wrote")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that holds a center's data (users, customers, tickets)",
        )

    def handle(self, *args: Any, archive: Path, force: bool, **options: Any) -> None:
        try:
            report = restore_backup(archive, force=force)
        except BackupError as exc:
            raise CommandError(f"restore failed: {exc}")
        self.stdout.write(f"Restored {report.archive} ({size_text(report.archive_bytes)})")
        self.stdout.write(
            f"  database: {ENGINE_NAMES[report.engine]}, {size_text(report.database_bytes)}, "
            f"{report.migrations} migrations"
        )
        self.stdout.write(f"  media: {report.media_files} files, {size_text(report.media_bytes)}")
        self.stdout.write(f"  done in {report.seconds:.1f} s")
        for note in report.notes:
            self.stdout.write(self.style.WARNING(note))
