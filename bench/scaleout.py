#!/usr/bin/env python
"""Scale-out drill: Kefu on two of everything, as one system.

    ./scripts/drill                         # installs nginx if needed, then runs this
    .venv/bin/python bench/scaleout.py [--clients 4] [--recipients 300] [--layout asgi|split]
                                       [--throughput-seconds 10] [--processes 1,2,4]

On loopback, with servers of its own (bench/cluster.py): Debian's nginx running
deploy/nginx/kefu.conf (TLS with a self-signed certificate, the drill's ports put in), two app
servers behind it (gunicorn with one uvicorn ASGI worker each; with --layout split the plain
HTTP goes to two WSGI gunicorns and only /ws/ to the ASGI ones, as the README's split for a
busy center), two ``kefu worker`` consumers, a PostgreSQL cluster and a Redis server, and a
receiver standing for the SMS gateway (idempotent on the message id, KEFU_SMS_HTTP_IDEMPOTENT=1)
and an integrator's webhook endpoint. It checks, and prints figures for:

1. Live pushes reach pages connected to either app server: a call pop (a PBX's newCall for the
   agent), a notification (an agent's question in a team lead's bell, sent by a worker) and the
   wall screen (floor.changed to the supervisor's floor page), each 20 times; p95 per server.
2. One app server and then one worker killed (kill -9) during an intake burst (clients sending
   again under their Idempotency-Key after a 502/503/504 or no answer) and a notice's SMS
   campaign: only success and retryable answers; nothing lost, written twice or half-written;
   requests go on through the surviving server; every affected customer gets the notice SMS
   once (the killed worker's SMS in hand taken over after KEFU_NOTIFY_LEASE); then both are
   started again, as systemd would.
3. Redis restarted (stopped 5 s, started empty): pushes reach pages on both servers again and
   the workers take queued work again, without restarting Kefu.
4. Every periodic job runs once per period with two consumers: each job queued again twice at
   once (as two schedulers do), and the two workers' logs over the whole drill — no job and
   period run twice, copies skipped, the time-limit sweep run in every minute.
5. Intake throughput with 1, 2 and 4 app processes (ASGI, then WSGI) behind nginx: intakes/s,
   latency, and the CPU that PostgreSQL and the app servers spent per intake — where the
   database becomes the limit on this machine.
6. Pages open on one app server (100, then 400 wall screens): its memory per page, and the
   time a push takes to reach the last of them.

Exits 1 when a check fails. Logs stay in the folder printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import common
import httpx
from cluster import (
    Burst,
    Nginx,
    Postgres,
    Receiver,
    Redis,
    burst_outcome,
    insecure_tls,
    kill_group,
)
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

CTI_TOKEN = "drill-cti-token"
CALLER = "13900000001"  # the first of the drill's customers
failures: list[str] = []
# When Redis went down and came back: a minute whose periodic jobs were to be queued then may
# have none (huey's schedulers could not queue them), which the periodic check allows.
OUTAGES: list[dt.datetime] = []


def check(ok: bool, what: str) -> None:
    print(f"  [{'ok' if ok else 'FAILED'}] {what}", flush=True)
    if not ok:
        failures.append(what)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=4, help="intake clients in the kill phase")
    p.add_argument("--recipients", type=int, default=300, help="customers the notice texts")
    p.add_argument("--layout", choices=["asgi", "split"], default="asgi")
    p.add_argument("--pushes", type=int, default=20, help="pushes of each kind")
    p.add_argument("--throughput-seconds", type=float, default=10)
    p.add_argument("--processes", default="1,2,4", help="app processes for the throughput")
    p.add_argument("--pages", default="100,400", help="pages open on one app server")
    p.add_argument("--no-throughput", action="store_true", help="skip 5. and 6.")
    return p.parse_args()


# ------------------------------------------------------------------------------ set-up

SETUP = """
import datetime as dt, json, sys
from django.contrib.auth import get_user_model
from django.utils import timezone
from kefu.accounts.services import create_api_token
from kefu.customers.services import CustomerIn, PhoneIn, create_customer
from kefu.demo import seed_organization
from kefu.notices.schemas import NoticeIn
from kefu.notices.services import create_notice
from kefu.notify.models import WebhookEndpoint

seed_organization()
User = get_user_model()
lead = User.objects.get(username="lead")
for i in range(int(sys.argv[2])):
    create_customer(
        CustomerIn(name=f"演练客户{i}", phones=[PhoneIn(f"139{i + 1:08d}")], area="hq-yhy"),
        actor=lead,
    )
WebhookEndpoint.objects.create(name="drill", url=sys.argv[1], secret="s", events="ticket.created")
now = timezone.now()
notice = create_notice(
    NoticeIn(kind="outage", title="阳光花园停水", content="管网维修,暂停供水。",
             areas=["hq-yhy"], starts_at=now + dt.timedelta(hours=1),
             expected_end=now + dt.timedelta(hours=6)),
    actor=lead,
)
tokens = {
    name: create_api_token(user=User.objects.get(username=name), name="drill")[0]
    for name in ("agent", "lead")
}
print(json.dumps({"tokens": tokens, "notice": notice.pk}))
"""

ENQUEUE_PERIODIC = """
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY
autodiscover_modules("tasks")
tasks = HUEY._registry.periodic_tasks
for copy in range(2):  # as two workers' schedulers do each period
    for task in HUEY._registry.periodic_tasks:
        HUEY.enqueue(task)
print(len(tasks))
"""


def django_script(env: dict[str, str], script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script, *args],
        env=env,
        cwd=common.ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


class Kefu:
    """The app servers and workers of the drill, started and killed one by one."""

    def __init__(self, env: dict[str, str], data: Path, nginx: Nginx, layout: str) -> None:
        self.env, self.data, self.nginx, self.layout = env, data, nginx, layout
        self.servers: dict[str, tuple[int, subprocess.Popen, object]] = {}
        self.workers: dict[str, tuple[subprocess.Popen, object]] = {}

    def start_server(self, name: str, kind: str = "asgi", *, port: int | None = None) -> int:
        port = port or common.free_port()
        gunicorn = str(Path(common.KEFU).parent / "gunicorn")
        if kind == "asgi":
            cmd = [gunicorn, "kefu.asgi:application", "-k", "uvicorn.workers.UvicornWorker"]
        else:
            cmd = [gunicorn, "kefu.wsgi:application", "-k", "gthread", "--threads", "4"]
        cmd += ["-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
        cmd += ["--timeout", "60", "--graceful-timeout", "5"]
        proc, log = common.start_server(
            cmd, self.env, self.data / f"{name}.log", f"http://127.0.0.1:{port}/api/v1/health"
        )
        self.servers[name] = (port, proc, log)
        return port

    def kill_server(self, name: str) -> None:
        _port, proc, log = self.servers.pop(name)
        kill_group(proc)
        log.close()

    def stop_servers(self) -> None:
        for name in list(self.servers):
            _port, proc, log = self.servers.pop(name)
            common.stop_server(proc, log)

    def start_worker(self, name: str) -> None:
        log = open(self.data / f"{name}.log", "ab")  # noqa: SIM115 - closed when stopped
        proc = subprocess.Popen(
            [common.KEFU, "worker"],
            env=self.env | {"KEFU_LOG_LEVEL": "INFO"},
            cwd=common.ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers[name] = (proc, log)

    def kill_worker(self, name: str) -> None:
        proc, log = self.workers.pop(name)
        kill_group(proc)
        log.close()

    def stop_workers(self) -> None:
        for name in list(self.workers):
            proc, log = self.workers.pop(name)
            common.stop_server(proc, log)

    def ports(self, prefix: str) -> list[int]:
        return [port for name, (port, *_) in self.servers.items() if name.startswith(prefix)]

    def route(self) -> None:
        """nginx sends plain HTTP to the http-* servers if any (the split), else to the
        ws-* ones; websockets to the ws-* ones."""
        ws = self.ports("ws-")
        self.nginx.configure(self.ports("http-") or ws, ws)


# ------------------------------------------------------------------------- live pages


class Page:
    """One open page's live channel (/ws/live) through nginx, reconnecting after a drop as
    kefu/core/static/kefu/live.js does. Keeps each push with the time it came."""

    def __init__(self, kind: str, cookie: str, floor: bool) -> None:
        self.kind, self.cookie, self.floor = kind, cookie, floor
        self.upstream = ""
        self.connected = threading.Event()
        self.received: list[tuple[float, dict]] = []

    async def run(self, url: str, stop: asyncio.Event) -> None:
        ws_url = url.replace("https", "wss", 1) + "/ws/live" + ("?floor=1" if self.floor else "")
        headers = {"Cookie": self.cookie, "Origin": url}
        while not stop.is_set():
            try:
                async with connect(ws_url, additional_headers=headers, ssl=insecure_tls()) as ws:
                    self.upstream = ws.response.headers.get("X-Kefu-Upstream", "?")
                    self.connected.set()
                    while not stop.is_set():
                        try:
                            message = await asyncio.wait_for(ws.recv(), 0.2)
                        except TimeoutError:
                            continue
                        self.received.append((time.monotonic(), json.loads(message)))
            except (OSError, WebSocketException):
                self.connected.clear()
                await asyncio.sleep(0.5)

    def got(self, after: float, match) -> float | None:
        for at, payload in self.received:
            if at >= after and match(payload):
                return at
        return None


class Pages:
    """Pages open in browsers: they run in a thread of their own (one event loop)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pages: list[Page] = []
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def open(self, kind: str, cookie: str, *, floor: bool = False) -> Page:
        page = Page(kind, cookie, floor)
        self.pages.append(page)
        asyncio.run_coroutine_threadsafe(page.run(self.url, self.stop), self.loop)
        if not page.connected.wait(15):
            raise SystemExit(f"a {kind} page could not open its live channel")
        return page

    def of(self, kind: str) -> list[Page]:
        return [p for p in self.pages if p.kind == kind]

    def close(self) -> None:
        async def shutdown() -> None:
            self.stop.set()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def login_cookie(url: str, username: str) -> str:
    with httpx.Client(base_url=url, verify=False, timeout=60) as client:
        client.get("/login/")
        reply = client.post(
            "/login/",
            data=common.login_form(client.cookies.get("csrftoken"), username),
            headers={"Referer": url + "/login/"},
        )
        if "sessionid" not in client.cookies:
            raise SystemExit(f"login as {username} failed: {reply.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def wait_all(pages: list[Page], after: float, match, seconds: float = 5) -> list[float | None]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen = [p.got(after, match) for p in pages]
        if all(s is not None for s in seen):
            return seen
        time.sleep(0.005)
    return [p.got(after, match) for p in pages]


def open_pages(pages: Pages, url: str, kind: str, user: str, *, floor: bool = False) -> None:
    """Pages of ``user`` until both app servers carry at least one (nginx alternates)."""
    cookie = login_cookie(url, user)
    for _ in range(8):
        pages.open(kind, cookie, floor=floor)
        if len({p.upstream for p in pages.of(kind)}) >= 2:
            return


def cti(client: httpx.Client, **params: str) -> None:
    reply = client.post(f"/api/v1/cti/{CTI_TOKEN}", data=params)
    reply.raise_for_status()


def drill_pushes(url: str, pages: Pages, tokens: dict, serial: str, rounds: int) -> None:
    print(f"\n1. Live pushes to pages on both app servers ({rounds} of each kind)")
    latency: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    missing: Counter = Counter()
    pbx = httpx.Client(base_url=url, verify=False, timeout=60)
    agent = httpx.Client(
        base_url=url,
        verify=False,
        timeout=60,
        headers={"Authorization": f"Bearer {tokens['agent']}"},
    )

    def record(kind: str, group: list[Page], sent: float, seen: list[float | None]) -> None:
        for page, at in zip(group, seen, strict=True):
            if at is None:
                missing[kind] += 1
            else:
                latency[(kind, page.upstream)].append(at - sent)

    floor = pages.of("wall")
    for i in range(rounds):
        call = f"drill-pop-{i}"
        sent = time.monotonic()
        cti(pbx, event="newCall", direction="in", callId=call, **{"from": CALLER, "to": "95000"})
        is_pop = lambda p, call=call: p.get("call_id") == call  # noqa: E731
        record("call pop", pages.of("agent"), sent, wait_all(pages.of("agent"), sent, is_pop))
        is_floor = lambda p: p.get("type") == "floor.changed"  # noqa: E731
        record("wall screen", floor, sent, wait_all(floor, sent, is_floor))
        ended = time.monotonic()
        cti(pbx, event="hangup", direction="in", callId=call, cause="normalClearing")
        wait_all(floor, ended, is_floor, seconds=2)  # the hangup's push, before the next
        time.sleep(0.1)
    leads = pages.of("lead")
    for i in range(rounds):
        sent = time.monotonic()
        promised = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
        reply = agent.post(
            "/api/v1/knowledge/questions",
            json={"serial": serial, "text": f"演练疑问 {i}", "promised_at": promised},
        )
        reply.raise_for_status()
        is_bell = lambda p: p.get("type") == "notify.new"  # noqa: E731
        record("notification", leads, sent, wait_all(leads, sent, is_bell))
        time.sleep(0.1)
    pbx.close()
    agent.close()
    for (kind, upstream), samples in sorted(latency.items()):
        print(f"  {kind:12} via {upstream:16} {common.stats(samples)}")
    everything = [s for samples in latency.values() for s in samples]
    print(f"  all pushes                    {common.stats(everything)}")
    for kind in ("call pop", "wall screen", "notification"):
        servers = {up for (k, up) in latency if k == kind}
        check(len(servers) == 2, f"{kind}: pages on both app servers got it ({sorted(servers)})")
    check(not missing, f"every page got every push (missing: {dict(missing)})")
    check(common.p95(everything) < 1.0, "push p95 under 1 s")


# --------------------------------------------------------------------------------- kills


def publish_notice(url: str, token: str, notice_id: int) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, verify=False, timeout=60, headers=headers) as client:
        preview = client.get(f"/api/v1/notices/{notice_id}/preview").json()
        reply = client.post(
            f"/api/v1/notices/{notice_id}/publish",
            json={"expected_recipients": preview["recipients"], "token": preview["token"]},
        )
        reply.raise_for_status()
        return int(preview["recipients"])


def drill_kills(kefu: Kefu, url: str, pg: Postgres, setup: dict, clients: int) -> None:
    # The server that takes the intake: the WSGI one in the split.
    victim = "http-b" if "http-b" in kefu.servers else "ws-b"
    print(
        f"\n2. kill -9 of one app server ({victim}), then of one worker, during intake and a "
        "notice campaign"
    )
    with Burst(url, setup["tokens"]["agent"], clients, tag="演练报修") as burst:
        deadline = time.monotonic() + 60
        while len(burst.created) < 4 * clients and time.monotonic() < deadline:
            time.sleep(0.1)
        recipients = publish_notice(url, setup["tokens"]["lead"], setup["notice"])
        time.sleep(2)
        killed_app = time.monotonic()
        port = kefu.servers[victim][0]
        kefu.kill_server(victim)
        before_worker = len(burst.created)
        time.sleep(3)
        killed_worker = time.monotonic()
        kefu.kill_worker("worker-2")
        time.sleep(6)
    after_app = sum(1 for at in burst.created_at if at > killed_app + 1)
    after_worker = sum(1 for at in burst.created_at if at > killed_worker + 1)
    outcome = burst_outcome(burst, pg.url)
    print(
        f"  requests created {len(burst.created)}; answers {dict(burst.answers)}; "
        f"after the server's kill {after_app}, after the worker's {after_worker}; "
        f"longest wait of one request {burst.longest_wait:.2f} s"
    )
    check(
        not burst.bad and not burst.server_errors(),
        f"only 201 and retryable answers {burst.bad[:3]}",
    )
    check(after_app > 0 and after_worker > 0, "requests went on through the surviving server")
    check(not outcome["lost"], f"every 201 is in the database ({len(outcome['lost'])} missing)")
    check(not outcome["twice"], f"no request written twice ({len(outcome['twice'])})")
    check(not outcome["half"], f"no ticket half-written ({len(outcome['half'])})")
    check(before_worker > 0, "the burst was under way at the kills")

    # The campaign ends through the surviving worker: its batches resume, the SMS the killed
    # worker held are taken over when their lease runs out.
    started = time.monotonic()
    while time.monotonic() - started < 180 and len(Receiver.sms_per_phone) < recipients:
        time.sleep(1)
    took = time.monotonic() - started
    twice = {phone: ids for phone, ids in Receiver.sms_per_phone.items() if len(ids) > 1}
    repeats = sum(Receiver.sms_repeats.values())
    print(
        f"  notice SMS: {recipients} customers, {len(Receiver.sms_per_phone)} texted "
        f"({took:.0f} s after the burst), {len(Receiver.sms)} messages, "
        f"{repeats} repeat(s) of a message id discarded by the gateway"
    )
    check(len(Receiver.sms_per_phone) == recipients, "every affected customer got the notice SMS")
    check(not twice, f"no customer got two messages ({len(twice)})")
    # As systemd's Restart=always would.
    kefu.start_server(victim, "wsgi" if victim.startswith("http") else "asgi", port=port)
    kefu.start_worker("worker-2")


# --------------------------------------------------------------------------------- Redis


def drill_redis(url: str, pages: Pages, redis: Redis, tokens: dict) -> None:
    print("\n3. Redis stopped for 5 s, then started again (empty)")
    pbx = httpx.Client(base_url=url, verify=False, timeout=60)
    headers = {"Authorization": f"Bearer {tokens['agent']}"}
    api = httpx.Client(base_url=url, verify=False, timeout=60, headers=headers)
    agents = pages.of("agent")

    def intake(text: str) -> int:
        body = {"type": "repair", "channel": "phone", "content": f"演练报修 redis {text}"}
        return api.post("/api/v1/tickets", json=body).status_code

    OUTAGES.append(dt.datetime.now(dt.UTC))
    redis.stop()
    down = [intake(f"down {i}") for i in range(3)]
    time.sleep(5)
    redis.start()
    OUTAGES.append(dt.datetime.now(dt.UTC))
    back = time.monotonic()
    push_back: dict[str, float] = {}
    hook_back = None
    n = 0
    while time.monotonic() - back < 60 and (len(push_back) < 2 or hook_back is None):
        n += 1
        call, hooks, sent = f"drill-redis-{n}", len(Receiver.hooks), time.monotonic()
        cti(pbx, event="newCall", direction="in", callId=call, **{"from": CALLER, "to": "95000"})
        intake(f"after {n}")
        time.sleep(1)
        for page in agents:
            if page.upstream not in push_back and page.got(
                sent, lambda p, c=call: p.get("call_id") == c
            ):
                push_back[page.upstream] = time.monotonic() - back
        if hook_back is None and len(Receiver.hooks) > hooks:
            hook_back = time.monotonic() - back
        cti(pbx, event="hangup", direction="in", callId=call, cause="normalClearing")
    pbx.close()
    api.close()
    print(
        f"  while down: intake answers {Counter(down)}; after the restart: pushes again via "
        f"{ {k: round(v, 1) for k, v in push_back.items()} } s, queue (webhook) again in "
        f"{hook_back if hook_back is None else round(hook_back, 1)} s"
    )
    check(all(code == 201 for code in down), "intake goes on while Redis is down")
    check(len(push_back) == 2, "pushes reach pages on both app servers again")
    check(hook_back is not None, "the workers take queued work again")


# ------------------------------------------------------------------------------- periodic


def drill_periodic(env: dict[str, str], kefu: Kefu, pg: Postgres, data: Path, since: float) -> None:
    print("\n4. Periodic jobs with two workers")
    count = int(django_script(env, ENQUEUE_PERIODIC))
    enqueued_at = time.monotonic()
    time.sleep(20)  # the copies are run or skipped
    import psycopg

    with psycopg.connect(pg.url) as conn:
        claims = conn.execute("select task, period from core_periodicrun").fetchall()
        # One report per month for the center (branch null) and one per month and branch.
        reports = conn.execute(
            "select month, branch_id, count(*) from reports_monthlyreport group by 1, 2"
        ).fetchall()
    ran: Counter = Counter()
    skipped: Counter = Counter()
    pattern = re.compile(r"periodic job (\S+) for (.+?) (runs here|skipped)")
    for log in data.glob("worker-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if m := pattern.search(line):
                name, period, outcome = m.groups()
                (ran if outcome == "runs here" else skipped)[(name, period[-5:])] += 1
    twice = {k: v for k, v in ran.items() if v > 1}
    by_task = Counter(name for name, _ in claims)
    sweeps = sorted(p for name, p in claims if name.endswith("sla.tasks.sweep_deadlines"))
    minutes = int((time.monotonic() - since) // 60)
    minute = dt.timedelta(minutes=1)
    gaps = [
        (a, b)
        for a, b in zip(sweeps, sweeps[1:], strict=False)
        if b - a > minute
        and not any(a <= at <= b + minute for at in OUTAGES)  # Redis was down in the gap
    ]
    print(
        f"  {count} periodic jobs queued twice more at once ({time.monotonic() - enqueued_at:.0f} s "
        f"ago); claims {len(claims)} for {len(by_task)} jobs; runs logged {sum(ran.values())}, "
        f"copies skipped {sum(skipped.values())}; time-limit sweeps {len(sweeps)} in about "
        f"{minutes} minutes (minutes without one: {len(gaps)}); monthly reports (month, branch, count) {reports}"
    )
    check(len(by_task) == count, f"every periodic job ran ({len(by_task)} of {count})")
    check(not twice, f"no job ran twice in one period {list(twice)[:3]}")
    check(sum(skipped.values()) >= count, "the second copy of each job was skipped")
    check(
        bool(reports) and all(n == 1 for _, _, n in reports),
        "one monthly report per month for the center and for each branch",
    )
    check(not gaps, f"the time-limit sweep ran every minute {gaps[:2]}")


# ------------------------------------------------------------------------------ throughput


def drill_throughput(kefu: Kefu, url: str, pg: Postgres, token: str, seconds: float, sizes) -> None:
    print(f"\n5. Intake throughput behind nginx ({seconds:.0f} s each, 8 clients)")
    print(
        "  servers  processes  intakes/s  latency                                  "
        "CPU ms per intake: PostgreSQL / app    CPU busy: PostgreSQL / app (cores)"
    )
    for kind in ("asgi", "wsgi"):
        for n in sizes:
            kefu.stop_servers()
            for i in range(n):
                kefu.start_server(f"{'ws' if kind == 'asgi' else 'http'}-t{i}", kind)
            kefu.nginx.configure(kefu.ports("ws-") or kefu.ports("http-"))
            warm(kefu, token)
            pg_before, app_before = pg.cpu_seconds(), app_cpu(kefu)
            with Burst(url, token, 8, tag=f"吞吐 {kind}{n}") as burst:
                time.sleep(seconds)
            pg_used, app_used = pg.cpu_seconds() - pg_before, app_cpu(kefu) - app_before
            done = len(burst.created)
            rate = done / seconds
            print(
                f"  {kind:8} {n:9}  {rate:9.1f}  {common.stats(burst.latencies)}  "
                f"{1000 * pg_used / max(done, 1):18.1f} / {1000 * app_used / max(done, 1):4.1f}"
                f"    {pg_used / seconds:25.2f} / {app_used / seconds:4.2f}"
            )
            check(not burst.bad and not burst.server_errors(), f"{kind} ×{n}: only 201 answers")
    kefu.stop_servers()
    print(
        f"  machine: {os.cpu_count()} cores shared by the clients, nginx, the app servers and PostgreSQL"
    )


def warm(kefu: Kefu, token: str, requests: int = 10) -> None:
    """A few intakes straight to each app server, so that none is measured while it loads
    what its first requests load (the word lists of the search, the caches)."""
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}
    for name, (port, *_) in kefu.servers.items():
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as c:
            for i in range(requests):
                body = {"type": "repair", "channel": "phone", "content": f"预热 {name} {i}"}
                c.post("/api/v1/tickets", json=body).raise_for_status()


def drill_pages(kefu: Kefu, url: str, counts: list[int]) -> None:
    print("\n6. Open pages on one app server (ASGI, one process): memory and a push to all")
    kefu.stop_servers()
    kefu.start_server("ws-pages")
    kefu.nginx.configure(kefu.ports("ws-"))
    pages = Pages(url)
    cookie = login_cookie(url, "supervisor")
    pbx = httpx.Client(base_url=url, verify=False, timeout=60)
    is_floor = lambda p: p.get("type") == "floor.changed"  # noqa: E731
    base = app_rss(kefu)
    print(f"  the server process with no page open: {base / 2**20:.0f} MB")
    try:
        for target in counts:
            while len(pages.pages) < target:
                pages.open("wall", cookie, floor=True)
            time.sleep(2)
            rss = app_rss(kefu)
            last: list[float] = []
            missing = 0
            for i in range(10):
                call = f"drill-pages-{target}-{i}"
                sent = time.monotonic()
                cti(
                    pbx,
                    event="newCall",
                    direction="in",
                    callId=call,
                    **{"from": CALLER, "to": "95000"},
                )
                seen = wait_all(pages.pages, sent, is_floor, seconds=15)
                missing += sum(1 for at in seen if at is None)
                last.append(max(at for at in seen if at is not None) - sent)
                ended = time.monotonic()
                cti(pbx, event="hangup", direction="in", callId=call, cause="normalClearing")
                wait_all(pages.pages, ended, is_floor, seconds=15)
            print(
                f"  {target:4} pages: {(rss - base) / target / 1024:.0f} KB each; "
                f"a push on every page within {common.stats(last)} (the last page)"
            )
            check(missing == 0, f"{target} pages: every page got every push ({missing} missing)")
    finally:
        pbx.close()
        pages.close()
        kefu.stop_servers()


def app_rss(kefu: Kefu) -> int:
    """Resident memory of the app servers' processes (bytes)."""
    groups = {proc.pid for _port, proc, _log in kefu.servers.values()}
    total = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) in groups:
                total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")  # rss, in pages
        except (OSError, IndexError):
            continue
    return total


def app_cpu(kefu: Kefu) -> float:
    """CPU seconds used by the app servers' processes (each gunicorn's process group)."""
    groups = {proc.pid for _port, proc, _log in kefu.servers.values()}
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups:
            total += int(fields[11]) + int(fields[12])
    return total / tick


# ----------------------------------------------------------------------------------- main


def main() -> None:
    args = parse_args()
    print(f"command: {common.command_line()}", flush=True)
    root = Path(tempfile.mkdtemp(prefix="kefu-scaleout-"))
    if os.geteuid() == 0:
        os.chmod(root, 0o755)
    data = root / "kefu"
    data.mkdir()
    pg, redis = Postgres(root / "pg", max_connections=200), Redis()
    receiver, receiver_url = Receiver.serve()
    env = common.bench_env(data, pg.url) | {
        "REDIS_URL": redis.url,
        "KEFU_ALLOWED_HOSTS": "127.0.0.1",
        "KEFU_HTTPS": "1",  # as deploy/kefu.env: nginx ends TLS and says so in the header
        "KEFU_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "KEFU_TRUSTED_PROXIES": "127.0.0.1",
        "KEFU_CTI_TOKEN": CTI_TOKEN,
        "KEFU_SMS_BACKEND": "http",
        "KEFU_SMS_HTTP_URL": f"{receiver_url}/sms",
        "KEFU_SMS_HTTP_IDEMPOTENT": "1",
        "KEFU_NOTICE_SMS_BATCH": "50",
        "KEFU_NOTICE_SMS_PER_MINUTE": "1200",
        "KEFU_DB_POOL_MAX": "8",
    }
    pg.ctl("start")
    redis.start()
    nginx = Nginx(root / "nginx", data / "static")
    kefu = Kefu(env, data, nginx, args.layout)
    pages: Pages | None = None
    try:
        common.fresh_database(env)
        subprocess.run([common.KEFU, "collectstatic", "--noinput", "-v0"], env=env, check=True)
        setup = json.loads(django_script(env, SETUP, f"{receiver_url}/hook", str(args.recipients)))
        kefu.start_server("ws-a")
        kefu.start_server("ws-b")
        if args.layout == "split":
            kefu.start_server("http-a", "wsgi")
            kefu.start_server("http-b", "wsgi")
        kefu.route()
        kefu.start_worker("worker-1")
        kefu.start_worker("worker-2")
        since = time.monotonic()
        url = nginx.url
        static = httpx.get(url + "/static/kefu/kefu.css", verify=False, timeout=60)
        plain = httpx.get(f"http://127.0.0.1:{nginx.plain_port}/login/")
        print(
            f"nginx https://127.0.0.1:{nginx.port} → app servers {kefu.ports('http-') or kefu.ports('ws-')} "
            f"(websockets {kefu.ports('ws-')}), workers 2, layout {args.layout}; logs in {root}"
        )
        check(
            static.status_code == 200 and "X-Kefu-Upstream" not in static.headers,
            "nginx serves the static files itself",
        )
        check(plain.status_code == 301, "plain HTTP is sent to HTTPS")
        agent = httpx.Client(
            base_url=url,
            verify=False,
            timeout=60,
            headers={"Authorization": f"Bearer {setup['tokens']['agent']}"},
        )
        ticket = agent.post(
            "/api/v1/tickets", json={"type": "repair", "channel": "phone", "content": "演练咨询"}
        )
        ticket.raise_for_status()
        agent.close()

        pages = Pages(url)
        open_pages(pages, url, "agent", "agent")
        open_pages(pages, url, "lead", "lead")
        open_pages(pages, url, "wall", "supervisor", floor=True)
        drill_pushes(url, pages, setup["tokens"], ticket.json()["serial"], args.pushes)
        drill_kills(kefu, url, pg, setup, args.clients)
        time.sleep(12)  # nginx tries the restarted server again after fail_timeout (10 s)
        # The pages of the killed server came back on the other one: open one more that
        # lands on the restarted server.
        open_pages(pages, url, "agent", "agent")
        drill_redis(url, pages, redis, setup["tokens"])
        drill_periodic(env, kefu, pg, data, since)
        pages.close()
        pages = None
        if not args.no_throughput:
            kefu.stop_workers()
            sizes = [int(n) for n in args.processes.split(",")]
            drill_throughput(
                kefu, url, pg, setup["tokens"]["agent"], args.throughput_seconds, sizes
            )
            drill_pages(kefu, url, [int(n) for n in args.pages.split(",")])
    finally:
        if pages is not None:
            pages.close()
        kefu.stop_servers()
        kefu.stop_workers()
        nginx.stop()
        redis.stop()
        pg.ctl("stop", "-m", "immediate")
        receiver.shutdown()
    print(f"\nlogs in {root}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
