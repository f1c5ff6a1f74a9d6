"""``kefu backup`` and ``kefu restore``: the archive, its manifest, the media folder; the
database through the engine's module (kefu/core/backup/__init__.py says what is where)."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

import kefu
from kefu.core.backup import postgres, sqlite
from kefu.core.backup.common import CHUNK, BackupError, Hashing, engine_of, os_errors

FORMAT = "kefu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media/"
MEMBER = {"sqlite": "database.sqlite3.gz", "postgresql": "database.pgdump"}


@dataclass
class Report:
    """What a backup or restore did, for the operator."""

    archive: Path
    engine: str
    archive_bytes: int = 0
    database_bytes: int = 0  # the database file (SQLite) or the dump (PostgreSQL)
    stored_bytes: int = 0  # the database as the archive holds it
    media_files: int = 0
    media_bytes: int = 0
    migrations: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# --- migrations --------------------------------------------------------------------------


def migration_gap(recorded: Mapping[str, list[str]]) -> tuple[list[str], list[str]]:
    """The recorded migrations this code does not know (an archive of newer code), and this
    code's migrations missing from the record (``kefu migrate`` after the restore)."""
    ours = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    installed = {config.label for config in apps.get_app_configs()}
    theirs = {(app, name) for app, names in recorded.items() for name in names}
    unknown = sorted(f"{a}.{n}" for a, n in theirs - ours if a in installed)
    missing = sorted(f"{a}.{n}" for a, n in ours - theirs)
    return unknown, missing


def _listed(names: list[str], most: int) -> str:
    return ", ".join(names[:most]) + (", …" if len(names) > most else "")


def check_manifest(manifest: Mapping[str, Any], engine: str) -> list[str]:
    """Refuse an archive this code cannot restore here (BackupError); what the operator must
    do after restoring it."""
    if manifest["engine"] != engine:
        raise BackupError(
            f"the archive holds a {manifest['engine']} database and DATABASE_URL names a "
            f"{engine} one: restore it into a {manifest['engine']} database"
        )
    unknown, missing = migration_gap(manifest["migrations"])
    if unknown:
        raise BackupError(
            f"the archive comes from a newer Kefu ({manifest.get('kefu_version')}): its database "
            f"has {len(unknown)} migrations this code does not know ({_listed(unknown, 5)}); "
            "restore it with that version of Kefu or a newer one"
        )
    if missing:
        return [
            f"The archive's database lacks {len(missing)} migrations of this code "
            f"({_listed(missing, 3)}): run `kefu migrate` now, before starting the server."
        ]
    return []


# --- backup ------------------------------------------------------------------------------


def archive_path(output: Path | None) -> Path:
    """Where the archive goes: ``output``, or a new name in it when it is a folder, or in
    <data dir>/backups/. An existing file is never overwritten."""
    if output is None:
        output = Path(settings.DATA_DIR) / "backups"
        output.mkdir(parents=True, exist_ok=True)
    output = output.expanduser().absolute()
    if output.is_dir():
        # A new name: a second backup within the same second into the folder gets "-2", …
        stem = f"kefu-backup-{timezone.localtime():%Y%m%d-%H%M%S}"
        name, n = output / f"{stem}.tar", 1
        while name.exists() or name.with_name(name.name + ".partial").exists():
            n += 1
            name = output / f"{stem}-{n}.tar"
        output = name
    if output.exists():
        raise BackupError(f"{output} exists already: give another --output")
    if not output.parent.is_dir():
        raise BackupError(f"the folder {output.parent} does not exist")
    return output


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    """The regular files under ``root`` in a stable order, with their names inside it."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


def _add(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int, mtime: float) -> str:
    """Add ``size`` bytes of ``source`` as ``name``; their sha256."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    hashing = Hashing(source)
    try:
        tar.addfile(info, cast(IO[bytes], hashing))
    except OSError as exc:
        if hashing.size < size and exc.errno is None:  # tarfile: "unexpected end of data"
            raise BackupError(f"{name} became shorter while it was read; back up again")
        raise
    return hashing.sha.hexdigest()


def create_backup(
    output: Path | None = None,
    *,
    database: Mapping[str, Any] | None = None,
    media_root: Path | None = None,
) -> Report:
    """Write one archive of the database (Django's default one unless given) and the files
    of ``media_root`` (MEDIA_ROOT unless given). The archive appears only when complete: it
    is written as ``<name>.partial``, synced to disk, then renamed. Raises BackupError."""
    started = time.monotonic()
    database = database or connections["default"].settings_dict
    report = Report(archive=archive_path(output), engine=engine_of(database))
    media = Path(media_root or settings.MEDIA_ROOT).absolute()
    if report.archive.is_relative_to(media):
        raise BackupError(f"the archive cannot go inside the media folder {media}")
    partial = report.archive.with_name(report.archive.name + ".partial")
    work = Path(tempfile.mkdtemp(prefix=".kefu-backup-", dir=report.archive.parent))
    try:
        with os_errors(f"writing {partial}"):
            _write(partial, database, media, work, report)
            os.replace(partial, report.archive)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report


def _write(
    partial: Path, database: Mapping[str, Any], media: Path, work: Path, report: Report
) -> None:
    member = MEMBER[report.engine]
    stored = work / member
    about: dict[str, Any] = {}
    taken = timezone.localtime()  # the moment the archive restores to, or a moment after
    if report.engine == "sqlite":
        migrations, report.database_bytes = sqlite.dump(database, stored)
    else:
        migrations, versions = postgres.dump(database, stored)
        report.database_bytes, about["postgresql"] = stored.stat().st_size, versions
    report.stored_bytes = stored.stat().st_size
    report.migrations = len(migrations)
    files: dict[str, dict[str, Any]] = {}
    with partial.open("xb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            with stored.open("rb") as src:
                digest = _add(tar, member, src, report.stored_bytes, time.time())
            stored.unlink()
            for path, name in _media_files(media):
                stat = path.stat()
                with path.open("rb") as src:
                    sha = _add(tar, MEDIA + name, src, stat.st_size, stat.st_mtime)
                files[name] = {"bytes": stat.st_size, "sha256": sha}
                report.media_files += 1
                report.media_bytes += stat.st_size
            recorded: dict[str, list[str]] = {}
            for app, name in migrations:
                recorded.setdefault(app, []).append(name)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "kefu_version": kefu.__version__,
                "taken_at": taken.isoformat(timespec="seconds"),
                "engine": report.engine,
                "migrations": recorded,
                "database": {
                    "member": member,
                    "bytes": report.stored_bytes,
                    "sha256": digest,
                    "uncompressed_bytes": report.database_bytes,
                    **about,
                },
                "media": {"files": len(files), "bytes": report.media_bytes, "members": files},
            }
            text = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            _add(tar, MANIFEST, io.BytesIO(text), len(text), time.time())
        raw.flush()
        os.fsync(raw.fileno())
    report.archive_bytes = partial.stat().st_size


# --- restore -----------------------------------------------------------------------------


@contextmanager
def open_archive(archive: Path) -> Iterator[tuple[dict[str, Any], tarfile.TarFile]]:
    """The archive's manifest, checked to be a Kefu backup's, and the open archive."""
    if not archive.is_file():
        raise BackupError(f"there is no file {archive}")
    try:
        tar = tarfile.open(archive, mode="r:")  # noqa: SIM115 - closed below
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a Kefu backup (not a tar file: {exc})")
    with tar:
        try:
            source = tar.extractfile(MANIFEST)
            manifest = json.loads(source.read()) if source else None
        except (KeyError, ValueError, tarfile.TarError):
            manifest = None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{archive} is not a Kefu backup (it has no Kefu manifest)")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{archive} is a Kefu backup of format {manifest.get('format_version')}; this "
                f"Kefu reads format {FORMAT_VERSION}"
            )
        if not _complete(manifest):
            raise BackupError(f"{archive} is damaged: its manifest lacks parts of a backup's")
        yield manifest, tar


def _complete(manifest: Mapping[str, Any]) -> bool:
    """Whether the manifest has every part a restore reads."""
    try:
        db, media = manifest["database"], manifest["media"]
        return (
            manifest["engine"] in MEMBER
            and isinstance(manifest["migrations"], dict)
            and isinstance(db["member"], str)
            and isinstance(db["sha256"], str)
            and isinstance(media["members"], dict)
        )
    except (KeyError, TypeError):
        return False


def _media_name(name: str) -> str:
    relative = PurePosixPath(name[len(MEDIA) :])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BackupError(f"the archive holds a file outside the media folder: {name}")
    return relative.as_posix()


def _extract(
    tar: tarfile.TarFile, manifest: Mapping[str, Any], staging: Path, report: Report
) -> Path:
    """Extract every part into ``staging`` and check it against the manifest; the staged
    database. Raises BackupError for a part that differs, is missing or is not expected."""
    db = manifest["database"]
    expected: dict[str, dict[str, Any]] = manifest["media"]["members"]
    staged = staging / ("database.sqlite3" if report.engine == "sqlite" else db["member"])
    seen: set[str] = set()
    (staging / "media").mkdir()
    for info in tar:
        if info.name == MANIFEST:
            continue
        if not info.isfile():
            raise BackupError(f"the archive holds {info.name}, which is not a file")
        source = tar.extractfile(info)
        assert source is not None
        hashing = Hashing(source)
        if info.name == db["member"]:
            if report.engine == "sqlite":
                sqlite.unpack(hashing, staged)
                hashing.read()  # what follows the compressed stream, for the checksum
            else:
                with staged.open("wb") as out:
                    shutil.copyfileobj(cast(IO[bytes], hashing), out, CHUNK)
            if hashing.sha.hexdigest() != db["sha256"]:
                raise BackupError("the archive is damaged: its database's checksum differs")
            report.database_bytes, report.stored_bytes = staged.stat().st_size, hashing.size
            seen.add(info.name)
            continue
        if not info.name.startswith(MEDIA):
            raise BackupError(f"the archive holds {info.name}, which a Kefu backup does not")
        name = _media_name(info.name)
        if name not in expected:
            raise BackupError(f"the archive is damaged: {name} is not in its manifest")
        path = staging / "media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            shutil.copyfileobj(cast(IO[bytes], hashing), out, CHUNK)
        os.utime(path, (info.mtime, info.mtime))
        if hashing.sha.hexdigest() != expected[name]["sha256"]:
            raise BackupError(f"the archive is damaged: the checksum of {name} differs")
        seen.add(info.name)
        report.media_files += 1
        report.media_bytes += hashing.size
    if db["member"] not in seen:
        raise BackupError("the archive is damaged: its database is missing")
    if lost := sorted(set(expected) - {n[len(MEDIA) :] for n in seen}):
        raise BackupError(f"the archive is damaged: {len(lost)} files are missing ({lost[0]}, …)")
    return staged


def restore_backup(
    archive: Path,
    *,
    force: bool = False,
    database: Mapping[str, Any] | None = None,
    media_root: Path | None = None,
) -> Report:
    """Replace the database (Django's default one unless given) and the media folder
    (MEDIA_ROOT unless given) by the archive's. Refuses, changing nothing, an archive that is
    damaged, of the other engine or of a schema newer than this code, and a database holding
    a center's data (users, customers, tickets) unless ``force``. Raises BackupError."""
    started = time.monotonic()
    own = database is None
    database = database or connections["default"].settings_dict
    engine = engine_of(database)
    driver = sqlite if engine == "sqlite" else postgres
    media = Path(media_root or settings.MEDIA_ROOT).absolute()
    report = Report(archive=archive, engine=engine)
    with open_archive(archive) as (manifest, tar):
        report.archive_bytes = archive.stat().st_size
        report.notes = check_manifest(manifest, engine)
        report.migrations = sum(len(names) for names in manifest["migrations"].values())
        held, generation = driver.center_rows(database)
        if any(held.values()) and not force:
            holds = ", ".join(f"{word}: {n}" for word, n in held.items() if n)
            raise BackupError(
                f"the database holds a center's data ({holds}); nothing was changed. Back it "
                "up first (kefu backup), then give --force to replace it"
            )
        media.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".kefu-restore-", dir=media.parent))
        try:
            with os_errors(f"extracting {archive} into {staging}"):
                staged = _extract(tar, manifest, staging, report)
            if own:  # this process lets go of the database it replaces
                connections.close_all()
                with suppress(AttributeError):
                    connections["default"].close_pool()  # type: ignore[attr-defined]
            if engine == "sqlite":
                sqlite.replace(staged, database)
            else:
                dumped_by = int(manifest["database"].get("postgresql", {}).get("pg_dump", 0))
                postgres.replace(staged, database, dumped_by=dumped_by, staging=staging)
            # Past the old database's counter too: a server still running drops what it kept
            # of the old reference data within a second (kefu.core.refcache).
            driver.set_generation(database, (generation or 0) + 1)
            _swap_media(staging / "media", media, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report


def _swap_media(new: Path, media: Path, staging: Path) -> None:
    """Put the restored files in the media folder's place: two renames in one file system."""
    old = staging / "media-replaced"
    try:
        if media.exists():
            os.rename(media, old)
        os.rename(new, media)
    except OSError as exc:
        if old.exists() and not media.exists():
            os.rename(old, media)
        raise BackupError(
            f"the database is restored, but the files could not be put in {media} ({exc}); "
            "that folder still holds the old files: restore again once it can be replaced"
        )
