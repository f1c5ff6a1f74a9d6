#!/usr/bin/env python
"""Kefu web chat benchmark: a customer's line to the agent's console, over the websockets.

    .venv/bin/python bench/chat_latency.py [--chats 50] [--lines 20] [--interval-ms 1000]

Creates a fresh SQLite database in /tmp/kefu-bench-chat, migrates, seeds the demo organization,
opens the chat around the clock (ChatSettings) with the per-address limit raised (every
visitor here comes from 127.0.0.1), and starts a real `kefu serve --no-worker` (uvicorn, one
process, the in-memory channel layer). The agent logs in, opens one console websocket
(/ws/chat/agent) and goes online; --chats visitors start a chat through the widget's endpoint
(/chat/embed/start) and open their websockets (/ws/chat/<token>); the agent accepts every chat.
Then each visitor sends --lines lines, one every --interval-ms ±20% (random, so the chats
overlap; at most 5 in 5 s, the flood limit), and the time from the visitor's send to the agent's socket receiving that
line is measured. Prints median and p95 and the exact command. Goal: p95 ≤ 200 ms with 50
concurrent chats. Client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PASSWORD = "kefu-demo-2025"
DATA_DIR = Path("/tmp/kefu-bench-chat")
ENV = {
    **os.environ,
    "KEFU_DATA_DIR": str(DATA_DIR),
    "DATABASE_URL": f"sqlite:///{DATA_DIR / 'kefu.sqlite3'}",
    "KEFU_SECRET_KEY": "kefu-bench-secret-key-not-for-production",
    "KEFU_LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "kefu.settings",
}
ENV.pop("REDIS_URL", None)
SEED = """
import datetime as dt
from kefu.demo import seed_organization
from kefu.chat.models import ChatSettings
seed_organization()
row = ChatSettings.objects.first() or ChatSettings()
row.every_day = True
row.opening, row.closing = dt.time(0, 0), dt.time(23, 59, 59)
row.sessions_per_ip_hour = 100000
row.save()
"""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--chats", type=int, default=50)
    p.add_argument("--lines", type=int, default=20, help="lines each visitor sends")
    p.add_argument(
        "--interval-ms", type=int, default=1500, help="time between lines (±20%%, random)"
    )
    p.add_argument("--seed", type=int, default=2025)
    return p.parse_args()


def log(msg: str) -> None:
    print(f"[chat] {msg}", flush=True)


def stats(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[max(0, math.ceil(0.95 * len(s)) - 1)]
    return (
        f"median {statistics.median(s) * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms  "
        f"max {s[-1] * 1000:7.2f} ms  (n={len(s)})"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("kefu.sqlite3", "kefu.sqlite3-wal", "kefu.sqlite3-shm", "huey.sqlite3"):
        (DATA_DIR / name).unlink(missing_ok=True)
    kefu = [str(VENV_BIN / "kefu")]
    subprocess.run([*kefu, "migrate", "-v0"], env=ENV, check=True, cwd=ROOT)
    subprocess.run([*kefu, "shell", "-c", SEED], env=ENV, check=True, cwd=ROOT)


async def run(args, url: str) -> list[float]:
    rng = random.Random(args.seed)
    ws_url = url.replace("http://", "ws://")
    origin = url
    async with httpx.AsyncClient(base_url=url, timeout=30) as web:
        await web.get("/login/")
        r = await web.post(
            "/login/",
            data={
                "username": "agent",
                "password": PASSWORD,
                "csrfmiddlewaretoken": web.cookies.get("csrftoken"),
            },
        )
        if r.status_code != 302:
            raise SystemExit(f"login failed: {r.status_code}")
        cookie = "; ".join(f"{k}={v}" for k, v in web.cookies.items())
        agent = await connect(
            ws_url + "/ws/chat/agent", origin=origin, additional_headers={"Cookie": cookie}
        )
        await agent.send(json.dumps({"type": "presence", "status": "online"}))
        await asyncio.sleep(0.5)
        tokens = []
        for n in range(args.chats):
            r = await web.post("/chat/embed/start", data={"name": f"访客{n}"})
            if r.status_code != 200:
                raise SystemExit(f"chat {n} refused: {r.text}")
            tokens.append(r.json()["token"])
    visitors = []
    for token in tokens:
        v = await connect(ws_url + "/ws/chat/" + token, origin=origin)
        history = json.loads(await v.recv())
        visitors.append((v, history["state"]["session"]))
    log(f"{len(visitors)} visitors connected")

    sent: dict[str, float] = {}
    latencies: list[float] = []
    accepted: set[int] = set()
    expected = args.chats * args.lines
    done = asyncio.Event()
    all_accepted = asyncio.Event()

    async def agent_reader():
        async for raw in agent:
            got = time.perf_counter()
            m = json.loads(raw)
            if m.get("type") == "chat.state" and m.get("state") == "active":
                accepted.add(m["session"])
                if len(accepted) == args.chats:
                    all_accepted.set()
            elif m.get("type") == "chat.line" and m.get("side") == "visitor":
                t0 = sent.pop(m["text"], None)
                if t0 is not None:
                    latencies.append(got - t0)
                    if len(latencies) == expected:
                        done.set()
            elif m.get("type") == "error":
                log(f"agent error: {m}")

    reader = asyncio.create_task(agent_reader())
    for _v, session in visitors:
        await agent.send(json.dumps({"type": "accept", "session": session}))
    await asyncio.wait_for(all_accepted.wait(), 60)
    log(f"agent accepted {len(accepted)} chats")

    async def drain(v):
        async for raw in v:
            m = json.loads(raw)
            if m.get("type") == "error":
                log(f"visitor error: {m['detail']}")

    drains = [asyncio.create_task(drain(v)) for v, _s in visitors]

    async def visitor(n: int, v) -> None:
        await asyncio.sleep(rng.random() * args.interval_ms / 1000)
        for i in range(args.lines):
            text = f"第{n}位访客的第{i}条消息"
            sent[text] = time.perf_counter()
            await v.send(json.dumps({"type": "line", "text": text}))
            await asyncio.sleep(args.interval_ms / 1000 * rng.uniform(0.8, 1.2))

    started = time.perf_counter()
    await asyncio.gather(*(visitor(n, v) for n, (v, _s) in enumerate(visitors)))
    try:
        await asyncio.wait_for(done.wait(), 30)
    except TimeoutError:
        log(f"only {len(latencies)} of {expected} lines arrived")
    log(f"{len(latencies)} lines in {time.perf_counter() - started:.1f} s")
    reader.cancel()
    for task in drains:
        task.cancel()
    for v, _s in visitors:
        await v.close()
    await agent.close()
    return latencies


def main() -> None:
    args = parse_args()
    log("fresh database in " + str(DATA_DIR))
    fresh_database()
    port = free_port()
    logf = open(DATA_DIR / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(VENV_BIN / "kefu"), "serve", "--no-worker", "--port", str(port)],
        env=ENV,
        cwd=ROOT,
        stdout=logf,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(url + "/login/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"server did not start: see {logf.name}")
            time.sleep(0.3)
        latencies = asyncio.run(run(args, url))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
        logf.close()
    print()
    print(f"customer → agent, {args.chats} concurrent chats: {stats(latencies)}")
    p95 = sorted(latencies)[max(0, math.ceil(0.95 * len(latencies)) - 1)]
    print(f"goal p95 ≤ 200 ms: {'met' if p95 <= 0.2 else 'NOT met'}")
    print("command: " + " ".join(shlex.quote(a) for a in [".venv/bin/python", *sys.argv]))


if __name__ == "__main__":
    main()
