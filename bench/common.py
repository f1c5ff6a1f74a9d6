"""What the benchmarks share: the environment of a bench database, a fresh database, Django set
up in the bench's process, a real server started and stopped, and the figures' format.

A bench script imports it as ``import common``: run as ``.venv/bin/python bench/<name>.py``
from the repository's root, Python puts ``bench/`` first on the import path.
"""

from __future__ import annotations

import math
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
KEFU = str(VENV_BIN / "kefu")
PASSWORD = "kefu-demo-2025"  # the demo organization's users (kefu.demo)
SQLITE_FILES = ("kefu.sqlite3", "kefu.sqlite3-wal", "kefu.sqlite3-shm", "huey.sqlite3")


def make_log(prefix: str) -> Callable[[str], None]:
    """A ``log(msg)`` printing ``[prefix] msg`` at once (the lines interleave with servers')."""

    def log(msg: str) -> None:
        print(f"[{prefix}] {msg}", flush=True)

    return log


def command_line() -> str:
    """The exact command that ran this bench, as bench/README.md quotes it."""
    script = "bench/" + Path(sys.argv[0]).name
    return shlex.join([".venv/bin/python", script, *sys.argv[1:]])


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'kefu.sqlite3'}"


def bench_env(data_dir: Path, db_url: str, *, log_level: str = "WARNING") -> dict[str, str]:
    """This process's environment pointed at the bench's data directory and database, served
    over plain HTTP; no Redis (huey and the channel layer stay in the data directory and in
    memory)."""
    env = {
        **os.environ,
        "KEFU_DATA_DIR": str(data_dir),
        "DATABASE_URL": db_url,
        "KEFU_SECRET_KEY": "kefu-bench-secret-key-not-for-production",
        "KEFU_LOG_LEVEL": log_level,
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
        "KEFU_HTTPS": "0",  # plain HTTP on loopback (bench/scaleout.py puts nginx's TLS in front)
    }
    env.pop("REDIS_URL", None)
    return env


def fresh_database(env: dict[str, str]) -> None:
    """Empty the database ``env`` names and migrate it: the SQLite files in its data directory
    removed, or the PostgreSQL database dropped and created again (all its data lost)."""
    data_dir, url = Path(env["KEFU_DATA_DIR"]), env["DATABASE_URL"]
    data_dir.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        for name in SQLITE_FILES:
            (data_dir / name).unlink(missing_ok=True)
    else:
        import psycopg

        admin_url, _, dbname = url.rpartition("/")
        with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
    subprocess.run([KEFU, "migrate", "-v0"], env=env, check=True, cwd=ROOT)


def setup_django(env: dict[str, str]) -> None:
    """Django in this process, on the bench's database and this tree's kefu."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def login_form(csrf_token: str | None, username: str = "agent") -> dict[str, str | None]:
    """The login page's form for a demo user, to POST to /login/ with the page's CSRF cookie."""
    return {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token}


def p95(samples: list[float]) -> float:
    """The 95th percentile, nearest rank."""
    s = sorted(samples)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def stats(samples: list[float], *, worst: bool = False) -> str:
    """``median … ms  p95 … ms  (n=…)``, with ``worst`` also the slowest."""
    s = sorted(samples)
    text = f"median {statistics.median(s) * 1000:7.2f} ms  p95 {p95(s) * 1000:7.2f} ms  "
    if worst:
        text += f"max {s[-1] * 1000:7.2f} ms  "
    return text + f"(n={len(s)})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(proc: subprocess.Popen, port: int, seconds: float, failure: str) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``; if ``proc`` exits or
    ``seconds`` pass first, kill it and exit with ``failure``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(failure) from None
            time.sleep(0.05)


def start_server(
    cmd: list[str], env: dict[str, str], log_path: Path, ready_url: str
) -> tuple[subprocess.Popen, IO[bytes]]:
    """Start ``cmd`` (a server, in a process group of its own, its output to ``log_path``) and
    wait up to 60 s for ``ready_url`` to answer 200. Stop it with :func:`stop_server`."""
    import httpx

    logf = open(log_path, "wb")  # noqa: SIM115 - closed in stop_server
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(ready_url, timeout=2).status_code == 200:
                return proc, logf
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            stop_server(proc, logf)
            raise SystemExit(f"server did not start: see {log_path}")
        time.sleep(0.3)


def stop_server(proc: subprocess.Popen, logf: IO[bytes]) -> None:
    """SIGTERM to the server's process group (its workers too), SIGKILL after 15 s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    logf.close()


@contextmanager
def kefu_serve(env: dict[str, str], *, ready: str = "/login/") -> Iterator[str]:
    """A real ``kefu serve --no-worker`` (uvicorn, one process) on a free port, its log in the
    data directory's server.log; yields its base URL once ``ready`` answers 200."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [KEFU, "serve", "--no-worker", "--port", str(port)]
    log_path = Path(env["KEFU_DATA_DIR"]) / "server.log"
    proc, logf = start_server(cmd, env, log_path, url + ready)
    try:
        yield url
    finally:
        stop_server(proc, logf)
