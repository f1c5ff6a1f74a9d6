"""PostgreSQL's part of a backup: pg_dump, and pg_restore run in one transaction by psql.

The tools are PostgreSQL's own, at least of the server's major version (pg_dump refuses a
newer server): from KEFU_PG_BIN when set, else Debian's /usr/lib/postgresql/<version>/bin,
else the PATH. The connection is the DATABASES entry's, handed to them in the environment
(PGHOST, PGPASSWORD, ...), never on the command line, which every user of the machine sees.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from psycopg.conninfo import make_conninfo

from kefu.core.backup.common import CHUNK, GENERATION_TABLE, BackupError, center_tables

# The libpq settings of a DATABASES entry's OPTIONS that the PostgreSQL tools understand too.
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")


def libpq(database: Mapping[str, Any]) -> dict[str, str]:
    """The connection of a DATABASES entry as libpq keywords."""
    params = {
        "host": str(database.get("HOST") or ""),
        "port": str(database.get("PORT") or ""),
        "user": str(database.get("USER") or ""),
        "password": str(database.get("PASSWORD") or ""),
        "dbname": str(database.get("NAME") or ""),
    }
    options = database.get("OPTIONS") or {}
    params.update({k: str(options[k]) for k in LIBPQ_OPTIONS if k in options})
    return {k: v for k, v in params.items() if v}


def _environment(params: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"PG" + ("DATABASE" if k == "dbname" else k.upper()): v for k, v in params.items()})
    return env


@contextmanager
def _connect(database: Mapping[str, Any]) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    params = libpq(database)
    try:
        conn = psycopg.connect(make_conninfo(**params), autocommit=True)
    except psycopg.Error as exc:
        raise BackupError(f"cannot connect to PostgreSQL database {params.get('dbname')}: {exc}")
    try:
        yield conn
    finally:
        conn.close()


def _major(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    return conn.info.server_version // 10000


def _tool_major(path: str) -> int:
    done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    found = re.search(r"\(PostgreSQL\) (\d+)", done.stdout)
    if done.returncode != 0 or not found:
        raise BackupError(f"{path} --version did not say its version: {done.stdout}{done.stderr}")
    return int(found.group(1))


def tool(name: str, *, at_least: int) -> tuple[str, int]:
    """The path and major version of PostgreSQL's ``name`` (pg_dump, pg_restore, psql), of
    version ``at_least`` or newer. Raises BackupError when it is missing or older."""
    if settings.PG_BIN:
        candidates = [Path(settings.PG_BIN) / name]
    else:
        candidates = [Path(f"/usr/lib/postgresql/{at_least}/bin/{name}")]
        if found := shutil.which(name):
            candidates.append(Path(found))
    path = next((str(c) for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)
    hint = (
        f"install PostgreSQL {at_least}'s client programs (Debian: apt-get install "
        f"postgresql-client-{at_least}) or set KEFU_PG_BIN to the folder that holds them"
    )
    if path is None:
        where = settings.PG_BIN or f"/usr/lib/postgresql/{at_least}/bin or on the PATH"
        raise BackupError(f"{name} was not found in {where}: {hint}")
    major = _tool_major(path)
    if major < at_least:
        raise BackupError(
            f"{path} is PostgreSQL {major}'s and version {at_least} or newer is needed "
            f"(the server's, or the archive's pg_dump's): {hint}"
        )
    return path, major


def _run(command: list[str], env: Mapping[str, str], what: str) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except OSError as exc:
        raise BackupError(f"{what}: {command[0]} could not run: {exc}")
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def dump(database: Mapping[str, Any], stored: Path) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """Write the database to ``stored`` in pg_dump's custom format; its migrations and the
    versions of the server and of pg_dump."""
    with _connect(database) as conn:
        server = _major(conn)
        try:
            rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
        except psycopg.errors.UndefinedTable:
            raise BackupError(f"{database['NAME']} is not a Kefu database (no django_migrations)")
    path, major = tool("pg_dump", at_least=server)
    # pg_dump reads one snapshot of the whole database: consistent while the servers write.
    # --no-password: a scheduled run never waits at a prompt.
    command = [path, "--format=custom", "--no-password", f"--file={stored}"]
    _run(command, _environment(libpq(database)), "pg_dump")
    return [(str(a), str(n)) for a, n in rows], {"server": server, "pg_dump": major}


def center_rows(database: Mapping[str, Any]) -> tuple[dict[str, int], int | None]:
    """How many of a center's rows the database holds, and its reference-data counter."""
    held: dict[str, int] = {}
    generation = None
    with _connect(database) as conn:
        for table, word in center_tables():
            if _exists(conn, table):
                row = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
                held[word] = int(row[0]) if row else 0
        if _exists(conn, GENERATION_TABLE):
            row = conn.execute(f"SELECT value FROM {GENERATION_TABLE} WHERE id = 1").fetchone()
            generation = int(row[0]) if row else 0
    return held, generation


def _exists(conn: psycopg.Connection[tuple[Any, ...]], table: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()
    return bool(row and row[0])


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def replace(dump: Path, database: Mapping[str, Any], *, dumped_by: int, staging: Path) -> None:
    """Replace the database's tables by the dump's, all in one transaction, committed only
    when all of it went in: pg_restore writes the SQL (dropping each table it then creates,
    --clean --if-exists; no owners or grants of the old server, --no-owner --no-privileges)
    and psql runs it, after dropping the tables the dump does not have (those of migrations
    newer than the archive, so that ``kefu migrate`` makes them again). On any failure the
    transaction is rolled back: the database is as it was."""
    params = libpq(database)
    env = _environment(params)
    with _connect(database) as conn:
        server = _major(conn)
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        current = {str(r[0]) for r in rows}
    pg_restore, _ = tool("pg_restore", at_least=max(server, dumped_by))
    psql, _ = tool("psql", at_least=server)
    listing = _run([pg_restore, "--list", str(dump)], env, "pg_restore --list")
    archived = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, flags=re.MULTILINE))
    drop = "".join(
        f"DROP TABLE IF EXISTS {_quoted(t)} CASCADE;\n" for t in sorted(current - archived)
    )
    with (
        (staging / "pg_restore.err").open("w+") as r_err,
        (staging / "psql.err").open("w+") as a_err,
    ):
        restore = subprocess.Popen(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--file=-",
                str(dump),
            ],
            stdout=subprocess.PIPE,
            stderr=r_err,
            env=env,
        )
        apply = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=a_err,
            env=env,
        )
        assert restore.stdout is not None and apply.stdin is not None
        try:
            apply.stdin.write(b"BEGIN;\n" + drop.encode())
            shutil.copyfileobj(restore.stdout, apply.stdin, CHUNK)
            # COMMIT only after the whole script went in: psql leaving without it (pg_restore
            # stopped half-way) ends its session, and PostgreSQL rolls the transaction back.
            if restore.wait() == 0:
                apply.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error (ON_ERROR_STOP): its message is in a_err
        finally:
            restore.stdout.close()
            with suppress(BrokenPipeError):
                apply.stdin.close()
        restored, applied = restore.wait(), apply.wait()
        if restored != 0 or applied != 0:
            r_err.seek(0)
            a_err.seek(0)
            lines = (a_err.read().strip() or r_err.read().strip()).splitlines()
            raise BackupError(
                "PostgreSQL did not take the restore; the database is as it was: "
                + " / ".join(lines[:5])
            )


def set_generation(database: Mapping[str, Any], value: int) -> None:
    """Move the reference-data counter to ``value``, or past its own (none before its
    migration: then nothing)."""
    with _connect(database) as conn, conn.transaction():
        if not _exists(conn, GENERATION_TABLE):
            return
        row = conn.execute(
            f"SELECT value FROM {GENERATION_TABLE} WHERE id = 1 FOR UPDATE"
        ).fetchone()
        value = max(value, int(row[0]) + 1 if row else 0)
        conn.execute(f"DELETE FROM {GENERATION_TABLE} WHERE id = 1")
        conn.execute(f"INSERT INTO {GENERATION_TABLE} (id, value) VALUES (1, %s)", [value])
