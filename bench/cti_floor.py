#!/usr/bin/env python
"""Kefu telephone-floor benchmark: CTI events per second with 100 agents, and the time from an
event to the supervisor's floor page showing it.

    .venv/bin/python bench/cti_floor.py [--db sqlite|postgres] [--agents 100] [--players 4]
                                        [--seconds 1800] [--calls-per-hour 2400]
                                        [--server gunicorn|split --redis]

Creates a fresh database (SQLite in /tmp/kefu-bench-floor-sqlite, or DROP/CREATE of
postgres://postgres@127.0.0.1:5432/kefu_bench_floor), migrates, seeds the demo organization and
--agents phone agents, and starts a real `kefu serve --no-worker` (uvicorn, one process, the
in-memory channel layer). A supervisor's screen is simulated as the page does it: logged in,
its websocket /ws/live?floor=1 open, and on each `floor.changed` push it reloads the floor
panel (/calls/floor/panel), one request at a time and at most four a second, once more when
pushes came during a reload (as telephony/floor.js does). Then --players simulated call centers (kefu.telephony.simulator,
the agents shared out among them) play their calls, agents' states and wrap-ups on the CTI
endpoint as fast as it answers, each player one event at a time, in parallel.

Figures: events/s over the whole run; each POST's latency; event-to-screen = from sending an
event to the end of the first panel reload that started after the endpoint answered it (the
screen then shows it). Prints medians and p95 and the exact command. Goal: ≥ 200 events/s,
event-to-screen p95 ≤ 500 ms. Client and server share the machine's 2 cores.

--server gunicorn: gunicorn with two uvicorn workers (ASGI) serves everything. --server split:
the README's split for a busy center — plain HTTP (the CTI posts, the panel reloads) to
gunicorn's WSGI workers (gthread, -w 2 --threads 4), only the websocket to `kefu serve
--no-worker`; the pushes cross processes through Redis (both need --redis).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import common
import httpx
from websockets.asyncio.client import connect

from kefu.telephony.simulator import CallCenter, Scenario, SimEvent

TOKEN = "bench-cti-token"
GAP = 0.25  # floor.js: at most four reloads a second


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kefu_bench_floor")
    p.add_argument("--agents", type=int, default=100)
    p.add_argument("--players", type=int, default=4, help="simulated PBXs posting in parallel")
    p.add_argument("--seconds", type=float, default=1800, help="simulated seconds per player")
    p.add_argument("--calls-per-hour", type=float, default=2400, help="per player")
    p.add_argument(
        "--server",
        choices=["serve", "gunicorn", "split"],
        default="serve",
        help="kefu serve (one process), gunicorn -w 2 UvicornWorker, or split: WSGI gthread "
        "workers for HTTP and kefu serve for the websocket (both need --redis)",
    )
    p.add_argument("--redis", action="store_true", help="REDIS_URL=redis://127.0.0.1:6379/9")
    p.add_argument("--seed", type=int, default=2025)
    return p.parse_args()


ARGS = parse_args()
DATA_DIR = Path(f"/tmp/kefu-bench-floor-{ARGS.db}")
DB_URL = ARGS.pg_url if ARGS.db == "postgres" else common.sqlite_url(DATA_DIR)
ENV = common.bench_env(DATA_DIR, DB_URL) | {"KEFU_CTI_TOKEN": TOKEN}
if ARGS.redis:  # the channel layer across processes (and huey) in Redis
    ENV["REDIS_URL"] = "redis://127.0.0.1:6379/9"
log = common.make_log("floor")
SEED = """
from kefu.accounts.models import Role
from kefu.accounts.services import create_staff
from kefu.demo import seed_organization
seed_organization()
for n in range(1, {agents} + 1):
    create_staff(username=f"b{{n:03d}}", password="x-bench-x", employee_no=f"7{{n:03d}}",
                 display_name=f"坐席{{n:03d}}", role=Role.AGENT)
"""


def fresh_database() -> None:
    common.fresh_database(ENV)
    seed = SEED.format(agents=ARGS.agents)
    subprocess.run([common.KEFU, "shell", "-c", seed], env=ENV, check=True, cwd=common.ROOT)


class Screen:
    """The supervisor's floor page: pushes in, panel reloads out, one at a time."""

    def __init__(self, url: str, cookies: httpx.Cookies, ws_base: str) -> None:
        self.url = url
        self.ws_base = ws_base
        self.cookies = cookies
        self.reloads: list[tuple[float, float]] = []  # (started, ended)
        self.pushes = 0
        self.failures = 0
        self.last = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        ws_url = self.ws_base.replace("http://", "ws://") + "/ws/live?floor=1"
        dirty = asyncio.Event()
        async with (
            connect(ws_url, origin=self.ws_base, additional_headers={"Cookie": cookie}) as ws,
            httpx.AsyncClient(base_url=self.url, cookies=self.cookies, timeout=30) as web,
        ):

            async def listen() -> None:
                async for raw in ws:
                    if b"floor.changed" in (raw if isinstance(raw, bytes) else raw.encode()):
                        self.pushes += 1
                        dirty.set()

            listener = asyncio.create_task(listen())
            while not stop.is_set():
                try:
                    await asyncio.wait_for(dirty.wait(), 0.5)
                except TimeoutError:
                    continue
                dirty.clear()
                wait = self.last + GAP - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                started = self.last = time.perf_counter()
                reply = await web.get("/calls/floor/panel", headers={"HX-Request": "true"})
                if reply.status_code != 200:
                    self.failures += 1
                self.reloads.append((started, time.perf_counter()))
            listener.cancel()


def play(events: list[SimEvent], url: str, sent: list[tuple[float, float]], errors: list) -> None:
    with httpx.Client(timeout=30) as http:
        for ev in events:
            t0 = time.perf_counter()
            reply = http.post(url, data=ev.params)
            sent.append((t0, time.perf_counter()))
            if reply.status_code != 200:
                errors.append((ev.event, reply.status_code, reply.text[:120]))


def on_screen(sent: list[tuple[float, float]], reloads: list[tuple[float, float]]) -> list[float]:
    """Per event: from its send to the end of the first reload that started after its answer."""
    starts = [s for s, _e in reloads]
    out = []
    for t0, answered in sent:
        k = bisect.bisect_left(starts, answered)
        if k < len(reloads):
            out.append(reloads[k][1] - t0)
    return out


async def run(url: str, ws_base: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as web:
        await web.get("/login/")
        reply = await web.post(
            "/login/", data=common.login_form(web.cookies.get("csrftoken"), "supervisor")
        )
        if reply.status_code != 302:
            raise SystemExit(f"login failed: {reply.status_code}")
        cookies = web.cookies
    screen = Screen(url, cookies, ws_base)
    stop = asyncio.Event()
    watcher = asyncio.create_task(screen.run(stop))
    await asyncio.sleep(1)
    names = [f"b{n:03d}" for n in range(1, ARGS.agents + 1)]
    plans = []
    for p in range(ARGS.players):
        scenario = Scenario(
            agents=names[p :: ARGS.players],
            calls_per_hour=ARGS.calls_per_hour,
            duration_seconds=ARGS.seconds,
            break_share=0.2,
            queue=f"q{p}",
        )
        center = CallCenter(scenario, seed=ARGS.seed + p, run_id=f"bench{p}")
        plans.append(list(center.events()))
    total = sum(len(events) for events in plans)
    log(f"{ARGS.players} players, {total} events, {ARGS.agents} agents")
    cti = f"{url}/api/v1/cti/{TOKEN}"
    sent: list[list[tuple[float, float]]] = [[] for _ in plans]
    errors: list = []
    threads = [
        threading.Thread(target=play, args=(events, cti, sent[i], errors))
        for i, events in enumerate(plans)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(1.5)  # the last reloads
    stop.set()
    await watcher
    every = sorted(s for per in sent for s in per)
    posts = [b - a for a, b in every]
    latencies = on_screen(every, sorted(screen.reloads))
    print()
    print(f"command: {common.command_line()}")
    print(
        f"database: {ARGS.db}; server: {ARGS.server}; redis: {ARGS.redis}; "
        f"agents {ARGS.agents}; players {ARGS.players}"
    )
    print(f"events: {len(every)} in {elapsed:.1f} s = {len(every) / elapsed:.1f} events/s")
    print(f"errors: {len(errors)} {errors[:3]}")
    print(f"CTI POST        {common.stats(posts)}")
    print(f"event-to-screen {common.stats(latencies, worst=True)}")
    reload_times = [e - s for s, e in screen.reloads]
    print(
        f"panel reloads: {len(screen.reloads)} ({screen.pushes} pushes, {screen.failures} failed), "
        f"median {statistics.median(reload_times) * 1000:.1f} ms"
    )


@contextmanager
def gunicorn() -> Iterator[str]:
    """gunicorn with two uvicorn workers (ASGI), as a scaled-out server runs."""
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(Path(common.KEFU).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    cmd += ["--log-level", "warning", "-k", "uvicorn.workers.UvicornWorker"]
    cmd += ["kefu.asgi:application"]
    proc, logf = common.start_server(cmd, ENV, DATA_DIR / "server.log", url + "/login/")
    try:
        yield url
    finally:
        common.stop_server(proc, logf)


@contextmanager
def split() -> Iterator[tuple[str, str]]:
    """Plain HTTP to gunicorn's WSGI workers, the websocket to `kefu serve --no-worker`."""
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(Path(common.KEFU).parent / "gunicorn"), "-w", "2", "--threads", "4"]
    cmd += ["-k", "gthread", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    cmd += ["kefu.wsgi:application"]
    proc, logf = common.start_server(cmd, ENV, DATA_DIR / "wsgi.log", url + "/login/")
    try:
        with common.kefu_serve(ENV) as ws_base:
            yield url, ws_base
    finally:
        common.stop_server(proc, logf)


@contextmanager
def one_server(server) -> Iterator[tuple[str, str]]:
    with server as url:
        yield url, url


def main() -> None:
    if ARGS.server != "serve" and not ARGS.redis:
        raise SystemExit(f"--server {ARGS.server} needs --redis: the pushes cross processes")
    log(f"fresh database: {DB_URL}")
    fresh_database()
    if ARGS.server == "split":
        servers = split()
    else:
        servers = one_server(gunicorn() if ARGS.server == "gunicorn" else common.kefu_serve(ENV))
    with servers as (url, ws_base):
        asyncio.run(run(url, ws_base))


if __name__ == "__main__":
    main()
