"""``kefu backup`` and ``kefu restore`` (kefu/core/backup): a center backed up with its files,
changed, and put back; the SQLite copy taken while tickets are written; the archives a
restore refuses; the commands run as an operator runs them."""

from __future__ import annotations

import datetime as dt
import errno
import gzip
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from psycopg.conninfo import make_conninfo

from kefu.core.backup.archive import archive_path, check_manifest, create_backup, restore_backup
from kefu.core.backup.common import BackupError
from kefu.core.models import CacheGeneration
from kefu.tickets.models import Attachment, Ticket
from kefu.tickets.services import add_attachment
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

ENGINE = "sqlite" if connection.vendor == "sqlite" else "postgresql"
PHOTO = b"\xff\xd8\xff\xe0 a photo of the burst pipe"
LETTER = b"%PDF-1.4 the customer's letter"


@pytest.fixture
def media(settings, tmp_path):
    """The center's uploads folder, inside a data folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.MEDIA_ROOT.mkdir(parents=True)
    return settings.MEDIA_ROOT


@pytest.fixture
def backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def attach(ticket, agent, name: str, content: bytes) -> Attachment:
    upload = SimpleUploadedFile(name, content, "application/octet-stream")
    return add_attachment(ticket.serial, actor=agent, upload=upload)


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def code_migrations() -> dict[str, list[str]]:
    recorded: dict[str, list[str]] = {}
    for app, name in sorted(MigrationLoader(None, ignore_no_migrations=True).disk_migrations):
        recorded.setdefault(app, []).append(name)
    return recorded


def rewritten(archive: Path, out: Path, *, manifest=None, member=None) -> Path:
    """A copy of ``archive`` with its manifest changed by ``manifest(dict)`` and each part's
    bytes by ``member(name, bytes)``."""
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for info in src:
            data = src.extractfile(info).read()
            if info.name == "manifest.json" and manifest:
                data = json.dumps(manifest(json.loads(data))).encode()
            elif member:
                data = member(info.name, data)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def manifest_only(out: Path, manifest: dict) -> Path:
    data = json.dumps(manifest).encode()
    with tarfile.open(out, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out


def a_manifest(**changes) -> dict:
    return {
        "format": "kefu-backup",
        "format_version": 1,
        "kefu_version": "9.9.9",
        "engine": ENGINE,
        "migrations": code_migrations(),
        "database": {"member": "database.sqlite3.gz", "sha256": "0" * 64},
        "media": {"files": 0, "bytes": 0, "members": {}},
        **changes,
    }


# --- a center backed up, changed, and restored ---------------------------------------------


def test_a_restore_puts_back_the_rows_and_files_changed_since_the_backup(
    reference_data, people, media, backups
):
    # given a center with tickets, a customer and two attachments, backed up
    agent = people["agent"]
    make_customer(agent)
    burst = make_ticket(agent, content="阳光花园 3 栋水管爆裂")
    meter = make_ticket(agent, content="水表读数异常")
    photo = attach(burst, agent, "现场.jpg", PHOTO)
    letter = attach(meter, agent, "来函.pdf", LETTER)
    backed_up = files_under(media)
    users = get_user_model().objects.count()

    report = create_backup(backups)

    assert report.archive.parent == backups and report.archive.name.startswith("kefu-backup-")
    assert list(backups.iterdir()) == [report.archive]  # nothing partial left beside it
    assert (report.engine, report.media_files) == (ENGINE, 2)
    assert report.media_bytes == len(PHOTO) + len(LETTER)
    assert report.archive_bytes == report.archive.stat().st_size
    assert report.migrations == sum(len(v) for v in code_migrations().values())

    # when the center goes on: a new ticket with a file, a changed ticket, a lost file and a
    # deleted attachment row
    later = make_ticket(agent, content="备份之后登记的工单")
    attach(later, agent, "之后.jpg", b"after the backup")
    Ticket.objects.filter(pk=burst.pk).update(content="被改掉的内容")
    (media / photo.file.name).unlink()
    Attachment.objects.filter(pk=letter.pk).delete()

    # then a restore refuses to replace it without --force, changing nothing
    with pytest.raises(BackupError) as refused:
        restore_backup(report.archive)
    assert f"(users: {users}, customers: 1, tickets: 3); nothing was changed" in str(refused.value)
    assert "--force" in str(refused.value)
    assert Ticket.objects.count() == 3

    # and with --force puts back the rows and the files as they were, and only those, and
    # moves the reference-data counter past the replaced database's (a server still running
    # drops what it kept of the old data)
    generation = CacheGeneration.objects.get(id=1).value
    restored = restore_backup(report.archive, force=True)

    assert sorted(Ticket.objects.values_list("serial", "content")) == sorted(
        [(burst.serial, "阳光花园 3 栋水管爆裂"), (meter.serial, "水表读数异常")]
    )
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["来函.pdf", "现场.jpg"]
    assert files_under(media) == backed_up
    assert sorted(backed_up) == sorted([photo.file.name, letter.file.name])
    assert (restored.media_files, restored.media_bytes) == (2, len(PHOTO) + len(LETTER))
    assert restored.notes == []
    assert [p.name for p in media.parent.iterdir()] == ["media"]  # no staging folder left
    assert CacheGeneration.objects.get(id=1).value == generation + 1


@pytest.mark.skipif(ENGINE != "sqlite", reason="SQLite's online backup API")
def test_a_sqlite_backup_taken_while_tickets_are_written_is_one_consistent_moment(
    reference_data, people, media, backups
):
    # given an agent's intake writing tickets (each with its timeline row) in another thread
    agent = people["agent"]
    written: list[str] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def intake() -> None:
        try:
            while not stop.is_set() or len(written) < 30:
                written.append(make_ticket(agent, content=f"第{len(written)}次来电,停水").serial)
        except BaseException as exc:  # noqa: BLE001 - the test reports every failure
            errors.append(exc)
        finally:
            connections.close_all()

    writer = threading.Thread(target=intake)
    writer.start()
    while len(written) < 5 and writer.is_alive():
        threading.Event().wait(0.01)

    # when the center is backed up meanwhile
    before = len(written)
    try:
        report = create_backup(backups)
        during = len(written) - before
    finally:
        stop.set()
        writer.join(timeout=120)

    # then the writer was never stopped, and the copy is whole: SQLite finds it sound, and it
    # holds the tickets of one moment, each with the timeline row written with it
    assert errors == []
    serials, orphans = read_copy(report.archive, backups / "copy.sqlite3")
    assert before <= len(serials) <= before + during + 1
    assert serials == written[: len(serials)]
    assert orphans == 0
    assert Ticket.objects.count() == len(written) >= 30

    # and a writer in the middle of its transaction neither holds the backup up nor has its
    # unfinished ticket in it
    held, release, pending = threading.Event(), threading.Event(), []

    def unfinished() -> None:
        try:
            with transaction.atomic():
                pending.append(make_ticket(agent, content="尚未提交的来电").serial)
                held.set()
                release.wait(60)
        finally:
            connections.close_all()

    writer = threading.Thread(target=unfinished)
    writer.start()
    assert held.wait(60)
    try:
        report = create_backup(backups)
    finally:
        release.set()
        writer.join(timeout=60)
    serials, orphans = read_copy(report.archive, backups / "copy2.sqlite3")
    assert serials == written and orphans == 0
    assert Ticket.objects.filter(serial=pending[0]).exists()


def read_copy(archive: Path, copy: Path) -> tuple[list[str], int]:
    """The serials of the tickets in the archive's SQLite database (in the order written),
    and how many lack their timeline row; the database must pass SQLite's integrity check."""
    with tarfile.open(archive) as tar:
        copy.write_bytes(gzip.decompress(tar.extractfile("database.sqlite3.gz").read()))
    db = sqlite3.connect(copy)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        serials = [s for (s,) in db.execute("SELECT serial FROM tickets_ticket ORDER BY id")]
        (orphans,) = db.execute(
            "SELECT COUNT(*) FROM tickets_ticket t WHERE NOT EXISTS "
            "(SELECT 1 FROM tickets_ticketevent e WHERE e.ticket_id = t.id)"
        ).fetchone()
    finally:
        db.close()
    return serials, orphans


def test_the_commands_back_up_and_restore_as_an_operator_runs_them(
    reference_data, people, media, backups
):
    # given a center (the test database, seen from another process as a server would)
    agent = people["agent"]
    ticket = make_ticket(agent, content="楼道灯不亮")
    attach(ticket, agent, "楼道.jpg", PHOTO)
    db = connection.settings_dict
    if ENGINE == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        user = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
        url = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DATABASE_URL": url,
        "KEFU_DATA_DIR": str(media.parent),
        "KEFU_SECRET_KEY": "backup-test-secret",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }

    def kefu(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kefu.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    # when it is backed up
    backup = kefu("backup", "--output", str(backups))
    assert backup.returncode == 0, backup.stderr
    first = backup.stdout.splitlines()[0]
    assert first.startswith("Backed up to ")
    archive = Path(first.removeprefix("Backed up to "))
    assert archive.parent == backups
    assert "media: 1 files, " in backup.stdout and " migrations" in backup.stdout

    # and the center takes one more ticket
    make_ticket(agent, content="备份之后的来电")

    # then a restore without --force fails, saying why, and changes nothing
    refused = kefu("restore", str(archive))
    assert refused.returncode == 1
    assert "restore failed: the database holds a center's data" in refused.stderr
    assert "give --force to replace it" in refused.stderr
    assert Ticket.objects.count() == 2

    # and with --force puts the center back as it was backed up
    restore = kefu("restore", str(archive), "--force")
    assert restore.returncode == 0, restore.stderr
    assert f"Restored {archive} (" in restore.stdout
    assert "media: 1 files, " in restore.stdout
    assert list(Ticket.objects.values_list("content", flat=True)) == ["楼道灯不亮"]
    assert list(files_under(media).values()) == [PHOTO]


# --- what a backup or restore refuses -----------------------------------------------------


def test_a_file_that_is_not_a_kefu_backup_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an archive")
    with pytest.raises(BackupError, match=r"notes.txt is not a Kefu backup \(not a tar file"):
        restore_backup(text)
    other = tmp_path / "photos.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(text, arcname="notes.txt")
    with pytest.raises(BackupError, match=r"photos.tar is not a Kefu backup \(it has no Kefu"):
        restore_backup(other)
    broken = manifest_only(tmp_path / "broken.tar", {"format": "kefu-backup", "format_version": 1})
    with pytest.raises(BackupError, match="broken.tar is damaged: its manifest lacks parts"):
        restore_backup(broken)
    with pytest.raises(BackupError, match=r"there is no file .*missing.tar"):
        restore_backup(tmp_path / "missing.tar")


def test_an_archive_of_a_newer_schema_is_refused_before_anything_is_touched(tmp_path, media):
    newer = code_migrations()
    newer["tickets"].append("9999_from_the_future")
    archive = manifest_only(tmp_path / "newer.tar", a_manifest(migrations=newer))
    (media / "kept.jpg").write_bytes(PHOTO)

    with pytest.raises(BackupError) as refused:
        restore_backup(archive, force=True)

    assert str(refused.value) == (
        "the archive comes from a newer Kefu (9.9.9): its database has 1 migrations this code "
        "does not know (tickets.9999_from_the_future); restore it with that version of Kefu or "
        "a newer one"
    )
    assert files_under(media) == {"kept.jpg": PHOTO}


def test_an_archive_of_an_older_schema_tells_the_operator_to_migrate():
    older = code_migrations()
    last = older["tickets"].pop()
    notes = check_manifest(a_manifest(migrations=older), ENGINE)
    assert notes == [
        f"The archive's database lacks 1 migrations of this code (tickets.{last}): run "
        "`kefu migrate` now, before starting the server."
    ]
    assert check_manifest(a_manifest(), ENGINE) == []


def test_an_archive_of_the_other_engine_is_refused():
    other = "postgresql" if ENGINE == "sqlite" else "sqlite"
    with pytest.raises(BackupError, match=f"the archive holds a {other} database and"):
        check_manifest(a_manifest(engine=other), ENGINE)


def test_an_existing_archive_is_never_overwritten(backups):
    taken = backups / "tonight.tar"
    taken.write_bytes(b"last night's backup")
    with pytest.raises(BackupError, match="tonight.tar exists already: give another --output"):
        archive_path(taken)
    with pytest.raises(BackupError, match="the folder .*nowhere does not exist"):
        archive_path(backups / "nowhere" / "x.tar")
    assert taken.read_bytes() == b"last night's backup"


def test_backups_into_a_folder_within_one_second_each_get_a_name_of_their_own(backups):
    with time_machine.travel(dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC), tick=False):
        first = archive_path(backups)
        first.write_bytes(b"the first")
        second = archive_path(backups)
        second.with_name(second.name + ".partial").write_bytes(b"being written")
        third = archive_path(backups)
    assert [first.name, second.name, third.name] == [
        "kefu-backup-20261207-110000.tar",
        "kefu-backup-20261207-110000-2.tar",
        "kefu-backup-20261207-110000-3.tar",
    ]


def test_a_damaged_archive_is_refused_and_the_center_stays_as_it_was(db, media, backups):
    (media / "attachments").mkdir()
    (media / "attachments" / "现场.jpg").write_bytes(PHOTO)
    report = create_backup(backups)
    damaged = rewritten(
        report.archive,
        backups / "damaged.tar",
        member=lambda name, data: data.replace(b"burst", b"BURST"),
    )
    (media / "after.jpg").write_bytes(b"uploaded after the backup")
    before = files_under(media)

    with pytest.raises(BackupError, match="damaged: the checksum of attachments/现场.jpg differs"):
        restore_backup(damaged, force=True)

    assert files_under(media) == before
    assert sorted(p.name for p in media.parent.iterdir()) == ["media"]


def test_a_full_disk_fails_the_backup_plainly_and_leaves_no_archive(
    db, media, backups, monkeypatch
):
    (media / "big.bin").write_bytes(b"x" * 4096)

    def full(self, tarinfo, fileobj=None):
        raise OSError(errno.ENOSPC, "No space left on device", "big.bin")

    monkeypatch.setattr(tarfile.TarFile, "addfile", full)
    with pytest.raises(BackupError, match="the disk is full while writing .*: free space"):
        create_backup(backups)
    assert list(backups.iterdir()) == []


# --- PostgreSQL: pg_dump and pg_restore for real ------------------------------------------


@pytest.fixture
def other_database():
    """A database of this test's own beside the test database, dropped at the end."""
    import psycopg

    from kefu.core.backup.postgres import libpq

    name = f"kefu_restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(make_conninfo(**libpq(connection.settings_dict)), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**connection.settings_dict, "NAME": name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def rows_in(database, sql: str) -> list[tuple] | None:
    """Run ``sql`` in ``database``; the rows it gives (None for a statement that gives none)."""
    import psycopg

    from kefu.core.backup.postgres import libpq

    with psycopg.connect(make_conninfo(**libpq(database)), autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


@pytest.mark.postgres_only
def test_pg_dump_and_pg_restore_move_a_center_into_another_database(
    reference_data, people, media, backups, tmp_path, other_database
):
    # given a center on PostgreSQL, backed up by pg_dump
    agent = people["agent"]
    ticket = make_ticket(agent, content="阳光花园 3 栋水管爆裂")
    attach(ticket, agent, "现场.jpg", PHOTO)
    report = create_backup(backups)
    with tarfile.open(report.archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        assert tar.extractfile("database.pgdump").read(5) == b"PGDMP"
    assert manifest["database"]["postgresql"]["server"] >= 15

    # when it is restored into an empty database of its own, with its own media folder
    elsewhere = tmp_path / "elsewhere" / "media"
    restore_backup(report.archive, database=other_database, media_root=elsewhere)

    # then that database holds the center, and the folder its files
    tickets = "SELECT serial, content FROM tickets_ticket"
    assert rows_in(other_database, tickets) == [(ticket.serial, "阳光花园 3 栋水管爆裂")]
    assert list(files_under(elsewhere).values()) == [PHOTO]

    # and when that copy goes on (a changed row, a table of a newer migration, a view on the
    # tickets that pg_restore's DROP TABLE cannot pass), a restore fails whole: nothing changes
    for sql in [
        "UPDATE tickets_ticket SET content = '改过'",
        "CREATE TABLE later_table (id int PRIMARY KEY, ticket_id bigint REFERENCES tickets_ticket)",
        "CREATE VIEW open_tickets AS SELECT id FROM tickets_ticket",
    ]:
        rows_in(other_database, sql)
    with pytest.raises(BackupError, match="holds a center's data"):
        restore_backup(report.archive, database=other_database, media_root=elsewhere)
    with pytest.raises(BackupError, match="PostgreSQL did not take the restore; the database is"):
        restore_backup(report.archive, force=True, database=other_database, media_root=elsewhere)
    assert rows_in(other_database, "SELECT content FROM tickets_ticket") == [("改过",)]
    assert rows_in(other_database, "SELECT to_regclass('later_table') IS NOT NULL") == [(True,)]

    # and without the view, --force puts the center back and drops the newer table
    rows_in(other_database, "DROP VIEW open_tickets")
    restore_backup(report.archive, force=True, database=other_database, media_root=elsewhere)
    assert rows_in(other_database, tickets) == [(ticket.serial, "阳光花园 3 栋水管爆裂")]
    assert rows_in(other_database, "SELECT to_regclass('later_table') IS NULL") == [(True,)]


@pytest.mark.postgres_only
def test_a_missing_or_too_old_pg_dump_is_named_with_the_fix(db, settings, backups, tmp_path):
    server = connection.pg_version // 10000
    settings.PG_BIN = str(tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackupError) as missing:
        create_backup(backups)
    assert str(missing.value) == (
        f"pg_dump was not found in {tmp_path / 'empty'}: install PostgreSQL {server}'s client "
        f"programs (Debian: apt-get install postgresql-client-{server}) or set KEFU_PG_BIN to "
        "the folder that holds them"
    )

    old = tmp_path / "old"
    old.mkdir()
    (old / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.16'\n")
    (old / "pg_dump").chmod(0o755)
    settings.PG_BIN = str(old)
    with pytest.raises(BackupError, match=f"is PostgreSQL 13's and version {server} or newer"):
        create_backup(backups)
    assert list(backups.iterdir()) == []
