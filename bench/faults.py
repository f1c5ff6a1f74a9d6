"""Fault drill: PostgreSQL restarted during an intake burst, Redis stopped and started again.

Kefu runs as it does in production — gunicorn with two ASGI workers, one ``kefu worker``,
PostgreSQL and Redis — but on a PostgreSQL cluster and a Redis server of the drill's own
(Debian's binaries, a temporary folder, free ports), so restarting them disturbs nothing else on
the machine. It checks, and prints figures for:

1. PostgreSQL restarted (``pg_ctl restart -m fast``) while four clients take requests in
   (POST /api/v1/tickets, a repair each, with an Idempotency-Key): every answer is 201 or a
   retryable 503 with the error shape (never another 5xx), a client that sends again gets
   through, no request written twice or half (each ticket has its intake event and its time
   limits), the servers carry on without a restart.
2. Redis stopped for a few seconds, then started again (empty, as after a crash): intake goes
   on (201), the live pushes and the worker's queue degrade with a logged error, and recover
   without restarting Kefu: a browser's live channel (reconnecting as the pages do) gets
   pushes again, a webhook queued after the restart is delivered by the same worker.

(The third fault, a full attachment disk, is a test: tests/core/test_storage_full.py.)

    .venv/bin/python bench/faults.py            # exits 1 when a check fails
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

log = common.make_log("faults")
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(f"  [{'ok' if ok else 'FAILED'}] {what}")
    if not ok:
        failures.append(what)


# ------------------------------------------------------------------------- private servers


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Postgres:
    """A PostgreSQL cluster of the drill's own, trust auth, on 127.0.0.1:``port``."""

    def __init__(self, root: Path) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not bins:
            raise SystemExit("Debian's PostgreSQL server binaries are needed (postgresql-15)")
        self.bin = bins[-1].parent
        self.data = root / "pgdata"
        self.port = common.free_port()
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(self.data, "postgres")
        subprocess.run(
            _as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres"])
            + ["--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"

    def ctl(self, *args: str) -> float:
        started = time.monotonic()
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60"])
            + ["-o", self.options, "-l", str(self.data / "server.log"), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.monotonic() - started

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/kefu"


class Redis:
    def __init__(self) -> None:
        self.port = common.free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket

                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Hooks(BaseHTTPRequestHandler):
    """An integrator's webhook receiver: counts the ticket events it is sent."""

    received: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Hooks.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


# ------------------------------------------------------------------------------ the drill


SETUP = """
import sys
from kefu.demo import seed_organization
from kefu.accounts.services import create_api_token
from django.contrib.auth import get_user_model
from kefu.notify.models import WebhookEndpoint
seed_organization()
WebhookEndpoint.objects.create(name="drill", url=sys.argv[1], secret="s", events="ticket.created")
token, _ = create_api_token(user=get_user_model().objects.get(username="agent"), name="drill")
print(token)
"""


def setup(env: dict[str, str], hook_url: str) -> str:
    common.fresh_database(env)
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + SETUP, hook_url],
        env=env,
        cwd=common.ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


@contextmanager
def running_kefu(env: dict[str, str], data: Path):
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    bin_dir = Path(common.KEFU).parent
    cmd = [str(bin_dir / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level"]
    cmd += ["warning", "-k", "uvicorn.workers.UvicornWorker", "kefu.asgi:application"]
    server, server_log = common.start_server(cmd, env, data / "server.log", url + "/login/")
    worker_log = open(data / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [common.KEFU, "worker"],
        env=env,
        cwd=common.ROOT,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield url, worker
    finally:
        common.stop_server(worker, worker_log)
        common.stop_server(server, server_log)


class Burst:
    """Clients sending repairs in until stopped; each sends a request again under its
    Idempotency-Key after a 503, a refused connection or no answer, until it gets through."""

    def __init__(self, url: str, token: str, clients: int) -> None:
        self.url, self.token = url, token
        self.answers: Counter = Counter()
        self.created: dict[str, str] = {}  # content → serial
        self.longest_wait = 0.0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(clients)]
        self.bad: list[str] = []

    def run(self, n: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as client:
            i = 0
            while not self.stop.is_set():
                i += 1
                content = f"演练报修 {n}-{i}"
                body = {"type": "repair", "channel": "phone", "content": content}
                key = {"Idempotency-Key": f"drill-{n}-{i}"}
                first = time.monotonic()
                for _attempt in range(200):
                    try:
                        reply = client.post("/api/v1/tickets", json=body, headers=key)
                    except httpx.TransportError as exc:
                        # Not sent, or sent and never answered: sent again under its key,
                        # which the server answers once.
                        self.answers[type(exc).__name__] += 1
                        time.sleep(0.2)
                        continue
                    self.answers[reply.status_code] += 1
                    if reply.status_code == 201:
                        self.created[content] = reply.json()["serial"]
                        break
                    if reply.status_code == 503:
                        error = reply.json()
                        if error.get("code") != "unavailable" or "Retry-After" not in reply.headers:
                            self.bad.append(f"503 without the error shape: {reply.text[:200]}")
                        time.sleep(0.2)
                        continue
                    self.bad.append(f"{reply.status_code}: {reply.text[:200]}")
                    break
                self.longest_wait = max(self.longest_wait, time.monotonic() - first)

    def __enter__(self) -> Burst:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def database_rows(pg_url: str) -> dict:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            """select t.content, t.serial,
                      (select count(*) from tickets_ticketevent e where e.ticket_id = t.id),
                      (select count(*) from sla_deadline d where d.ticket_id = t.id)
               from tickets_ticket t where t.content like '演练报修 %'"""
        ).fetchall()
    return {"rows": rows}


def drill_postgres(url: str, token: str, pg: Postgres, clients: int, seconds: float) -> None:
    print(f"\n1. PostgreSQL restarted during an intake burst ({clients} clients, {seconds:.0f} s)")
    with Burst(url, token, clients) as burst:
        started = time.monotonic()
        while len(burst.created) < 2 * clients and time.monotonic() - started < 60:
            time.sleep(0.1)  # the servers warm (first requests load the code and the caches)
        time.sleep(seconds / 3)
        before = len(burst.created)
        restart = pg.ctl("restart", "-m", "fast")
        time.sleep(seconds * 2 / 3)
    rows = database_rows(pg.url)["rows"]
    contents = Counter(content for content, *_ in rows)
    serials = {serial for _, serial, *_ in rows}
    twice = [c for c, n in contents.items() if n > 1]
    lost = [c for c, s in burst.created.items() if s not in serials]
    half = [s for _, s, events, deadlines in rows if events < 1 or deadlines < 1]
    server_errors = {
        k: v for k, v in burst.answers.items() if isinstance(k, int) and k >= 500 and k != 503
    }
    print(
        f"  restart took {restart:.2f} s; requests created {len(burst.created)} "
        f"({before} before the restart); answers {dict(burst.answers)}; "
        f"longest wait of one request {burst.longest_wait:.2f} s"
    )
    check(
        not burst.bad and not server_errors, f"only 201 and retryable 503 answers {burst.bad[:3]}"
    )
    check(
        burst.answers[503] + sum(v for k, v in burst.answers.items() if isinstance(k, str)) > 0,
        "the restart was seen by the clients (503 or a refused connection)",
    )
    check(len(burst.created) > before, "requests got through after the restart")
    check(not lost, f"every 201 is in the database ({len(lost)} missing)")
    check(not twice, f"no request written twice ({len(twice)} twice)")
    check(not half, f"no ticket half-written: each has its event and time limits ({len(half)})")


async def live_channel(url: str, cookie: str, got: list[float], stop: asyncio.Event) -> None:
    """A page's live channel: connect, and reconnect after a drop (as kefu/core/static/kefu/
    live.js does, 0.5 s here instead of its 1 s first wait)."""
    import websockets

    ws_url = url.replace("http", "ws", 1) + "/ws/live"
    while not stop.is_set():
        try:
            headers = {"Cookie": cookie, "Origin": url}
            async with websockets.connect(ws_url, additional_headers=headers) as ws:
                while not stop.is_set():
                    try:
                        message = await asyncio.wait_for(ws.recv(), 0.2)
                    except TimeoutError:
                        continue
                    if "ticket" in message or "serial" in message:
                        got.append(time.monotonic())
        except (OSError, websockets.WebSocketException):
            await asyncio.sleep(0.5)


def login_cookie(url: str) -> str:
    with httpx.Client(base_url=url) as client:
        client.get("/login/")
        client.post(
            "/login/",
            data=common.login_form(client.cookies.get("csrftoken")),
            headers={"Referer": url + "/login/"},
        )
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def drill_redis(url: str, token: str, redis: Redis, worker: subprocess.Popen, data: Path) -> None:
    print("\n2. Redis stopped for 5 s, then started again (empty)")
    got: list[float] = []
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    listener = threading.Thread(
        target=loop.run_until_complete, args=(live_channel(url, login_cookie(url), got, stop),)
    )
    listener.start()
    headers = {"Authorization": f"Bearer {token}"}
    client = httpx.Client(base_url=url, headers=headers, timeout=30)

    def intake(text: str) -> int:
        body = {"type": "repair", "channel": "phone", "content": f"演练报修 redis {text}"}
        return client.post("/api/v1/tickets", json=body).status_code

    time.sleep(1.5)
    hooks_before = len(Hooks.received)
    baseline = intake("before") == 201
    time.sleep(1.5)
    pushed_before = len(got)
    hooked_before = len(Hooks.received) > hooks_before
    redis.stop()
    down = [intake(f"down {i}") for i in range(5)]
    time.sleep(5)
    redis.start()
    back_at = time.monotonic()
    deadline = back_at + 30
    recovered_push = recovered_hook = None
    n = 0
    while time.monotonic() < deadline and (recovered_push is None or recovered_hook is None):
        n += 1
        seen, hooks = len(got), len(Hooks.received)
        intake(f"after {n}")
        time.sleep(1)
        if recovered_push is None and len(got) > seen:
            recovered_push = time.monotonic() - back_at
        if recovered_hook is None and len(Hooks.received) > hooks:
            recovered_hook = time.monotonic() - back_at
    stop.set()
    listener.join()
    client.close()
    logged = sum(
        line.count("Redis") + line.count("redis") + line.count("ConnectionError")
        for name in ("server.log", "worker.log")
        for line in (data / name).read_text(errors="replace").splitlines()
    )
    print(
        f"  before: intake {'201' if baseline else 'failed'}, push {pushed_before > 0}, "
        f"webhook {hooked_before}; while down: answers {Counter(down)}; "
        f"after the restart: push again in {recovered_push} s, webhook in {recovered_hook} s; "
        f"log lines naming Redis: {logged}"
    )
    check(baseline and pushed_before > 0 and hooked_before, "pushes and webhooks work before")
    check(all(code == 201 for code in down), "intake goes on while Redis is down")
    check(logged > 0, "the outage is in the logs")
    check(worker.poll() is None, "the worker is still running")
    check(recovered_push is not None, "live pushes reach the page again without restarting Kefu")
    check(recovered_hook is not None, "the worker delivers again without a restart")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=12)
    args = parser.parse_args()
    print(f"command: {common.command_line()}")
    root = Path(tempfile.mkdtemp(prefix="kefu-faults-"))
    if os.geteuid() == 0:
        os.chmod(root, 0o755)
    pg, redis = Postgres(root / "pg"), Redis()
    hooks = ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{hooks.server_address[1]}/hook"
    data = root / "kefu"
    env = common.bench_env(data, pg.url) | {"REDIS_URL": redis.url}
    pg.ctl("start")
    redis.start()
    try:
        token = setup(env, hook_url)
        with running_kefu(env, data) as (url, worker):
            drill_postgres(url, token, pg, args.clients, args.seconds)
            drill_redis(url, token, redis, worker, data)
    finally:
        redis.stop()
        pg.ctl("stop", "-m", "immediate")
        hooks.shutdown()
    print(f"\nlogs in {data}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
