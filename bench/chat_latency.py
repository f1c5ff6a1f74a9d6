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
import random
import subprocess
import time
from pathlib import Path

import common
import httpx
from websockets.asyncio.client import connect

DATA_DIR = Path("/tmp/kefu-bench-chat")
ENV = common.bench_env(DATA_DIR, common.sqlite_url(DATA_DIR))
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


log = common.make_log("chat")


def fresh_database() -> None:
    common.fresh_database(ENV)
    subprocess.run([common.KEFU, "shell", "-c", SEED], env=ENV, check=True, cwd=common.ROOT)


async def run(args, url: str) -> list[float]:
    rng = random.Random(args.seed)
    ws_url = url.replace("http://", "ws://")
    origin = url
    async with httpx.AsyncClient(base_url=url, timeout=30) as web:
        await web.get("/login/")
        r = await web.post("/login/", data=common.login_form(web.cookies.get("csrftoken")))
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
    with common.kefu_serve(ENV) as url:
        latencies = asyncio.run(run(args, url))
    print()
    print(f"customer → agent, {args.chats} concurrent chats: {common.stats(latencies, worst=True)}")
    print(f"goal p95 ≤ 200 ms: {'met' if common.p95(latencies) <= 0.2 else 'NOT met'}")
    print("command: " + common.command_line())


if __name__ == "__main__":
    main()
