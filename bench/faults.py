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
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from cluster import Burst, Postgres, Receiver, Redis, burst_outcome  # noqa: E402

log = common.make_log("faults")
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(f"  [{'ok' if ok else 'FAILED'}] {what}")
    if not ok:
        failures.append(what)


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
    outcome = burst_outcome(burst, pg.url)
    twice, lost, half = outcome["twice"], outcome["lost"], outcome["half"]
    server_errors = burst.server_errors()
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
    hooks_before = len(Receiver.hooks)
    baseline = intake("before") == 201
    time.sleep(1.5)
    pushed_before = len(got)
    hooked_before = len(Receiver.hooks) > hooks_before
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
        seen, hooks = len(got), len(Receiver.hooks)
        intake(f"after {n}")
        time.sleep(1)
        if recovered_push is None and len(got) > seen:
            recovered_push = time.monotonic() - back_at
        if recovered_hook is None and len(Receiver.hooks) > hooks:
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
    hooks, receiver_url = Receiver.serve()
    hook_url = f"{receiver_url}/hook"
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
