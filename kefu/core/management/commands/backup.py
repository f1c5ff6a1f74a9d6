"""``kefu backup``: the database and the uploaded files in one archive (README, Backup and
restore).

    kefu backup                              # <data dir>/backups/kefu-backup-<time>.tar
    kefu backup --output /mnt/nas/kefu/      # a new archive in that folder
    kefu backup --output /mnt/nas/kefu/tonight.tar
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.backup.archive import create_backup
from kefu.core.backup.common import ENGINE_NAMES, BackupError, size_text


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive, while the server runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="the archive, or a folder to write it in (default: <data dir>/backups/)",
        )

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        try:
            report = create_backup(output)
        except BackupError as exc:
            raise CommandError(f"backup failed: {exc}")
        engine = ENGINE_NAMES[report.engine]
        if report.engine == "sqlite":
            database = (
                f"{size_text(report.database_bytes)}, {size_text(report.stored_bytes)} compressed"
            )
        else:
            database = f"pg_dump custom format, {size_text(report.stored_bytes)}"
        self.stdout.write(f"Backed up to {report.archive}")
        self.stdout.write(f"  database: {engine}, {database}, {report.migrations} migrations")
        self.stdout.write(f"  media: {report.media_files} files, {size_text(report.media_bytes)}")
        self.stdout.write(f"  archive: {size_text(report.archive_bytes)} in {report.seconds:.1f} s")
