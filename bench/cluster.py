"""Servers of a drill's own: a PostgreSQL cluster, a Redis server and nginx (Debian's
binaries, a temporary folder, free ports), an HTTP receiver standing for the SMS gateway and an
integrator's webhook endpoint, and clients that send requests in as a real integration does
(again under their Idempotency-Key until they get through). Used by bench/faults.py and
bench/scaleout.py; stopping or killing these disturbs nothing else on the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import common
import httpx

ROOT = common.ROOT
NGINX_SITE = ROOT / "deploy" / "nginx" / "kefu.conf"


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def wait_for_tcp(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{what} did not start")


class Postgres:
    """A PostgreSQL cluster of the drill's own, trust auth, on 127.0.0.1:``port``."""

    def __init__(self, root: Path, *, max_connections: int = 100) -> None:
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
        self.options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={max_connections}"
        )

    def ctl(self, *args: str) -> float:
        started = time.monotonic()
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60"])
            + ["-o", self.options, "-l", str(self.data / "server.log"), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.monotonic() - started

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the cluster's processes that are running
        and by those that ended (their parent, the postmaster, counts its children's)."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            proc_pid, ppid = int(stat.parent.name), int(fields[1])
            if proc_pid == pid:
                total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
            elif ppid == pid:
                total += int(fields[11]) + int(fields[12])
        return total / tick

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
        wait_for_tcp(self.port, 10, "redis-server")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Receiver(BaseHTTPRequestHandler):
    """The world outside Kefu: an SMS gateway (POST /sms) that, as declared with
    KEFU_SMS_HTTP_IDEMPOTENT=1, takes each message id (X-Kefu-Delivery) once and discards a
    repeat, and an integrator's webhook endpoint (POST /hook). It keeps what it was sent."""

    lock = threading.Lock()
    sms: dict[str, str] = {}  # delivery id → phone, the first time
    sms_repeats: Counter = Counter()  # delivery id → repeats discarded
    sms_per_phone: defaultdict[str, set[str]] = defaultdict(set)
    hooks: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Receiver.lock:
            if self.path == "/sms":
                delivery = self.headers.get("X-Kefu-Delivery", "")
                phone = json.loads(body).get("phone", "")
                if delivery in Receiver.sms:
                    Receiver.sms_repeats[delivery] += 1
                else:
                    Receiver.sms[delivery] = phone
                    Receiver.sms_per_phone[phone].add(delivery)
            else:
                Receiver.hooks.append(json.loads(body))
        reply = json.dumps({"id": f"gw-{time.monotonic_ns()}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass

    @classmethod
    def serve(cls) -> tuple[ThreadingHTTPServer, str]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), cls)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def insecure_tls() -> ssl.SSLContext:
    """The drill's clients trust its self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Nginx:
    """Debian's nginx running deploy/nginx/kefu.conf as a center would, with the drill's
    upstreams, port, certificate and static folder put in, and one header added: which app
    server answered (X-Kefu-Upstream)."""

    def __init__(self, root: Path, static: Path) -> None:
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(exe).exists():
            raise SystemExit("Debian's nginx is needed: apt-get install nginx")
        self.exe, self.root, self.static = exe, root, static
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self.cert, self.key = self_signed_certificate(root / "tls")
        self.port = common.free_port()
        self.plain_port = common.free_port()
        self.started = False

    def site(self, http: list[int], ws: list[int]) -> str:
        text = NGINX_SITE.read_text()

        def upstream(name: str, ports: list[int]) -> str:
            servers = "".join(
                f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in ports
            )
            keepalive = "    keepalive 32;\n" if name == "kefu_http" else ""
            return f"upstream {name} {{\n{servers}{keepalive}}}"

        for name, ports in (("kefu_http", http), ("kefu_ws", ws)):
            text, n = re.subn(rf"upstream {name} \{{[^}}]*\}}", upstream(name, ports), text)
            assert n == 1, f"{NGINX_SITE}: no upstream {name}"
        swaps = {
            "listen 80;": f"listen 127.0.0.1:{self.plain_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.port} ssl http2;",
            "/etc/ssl/kefu/fullchain.pem": str(self.cert),
            "/etc/ssl/kefu/privkey.pem": str(self.key),
            "/var/lib/kefu/static/": f"{self.static}/",
            "client_max_body_size": "add_header X-Kefu-Upstream $upstream_addr always;\n"
            "    client_max_body_size",
        }
        for old, new in swaps.items():
            assert old in text, f"{NGINX_SITE}: {old!r} not found"
            text = text.replace(old, new, 1)
        return "\n".join(line for line in text.splitlines() if "listen [::]" not in line)

    def configure(self, http: list[int], ws: list[int] | None = None) -> None:
        """Write the configuration for these app servers; reload nginx if it runs."""
        main = f"""
worker_processes 1;
pid {self.root}/nginx.pid;
error_log {self.root}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.root}/logs/access.log;
    client_body_temp_path {self.root}/body;
    proxy_temp_path {self.root}/proxy;
    fastcgi_temp_path {self.root}/fastcgi;
    uwsgi_temp_path {self.root}/uwsgi;
    scgi_temp_path {self.root}/scgi;
    include {self.root}/kefu.conf;
}}
"""
        if os.geteuid() == 0:
            main = "user root;\n" + main
        (self.root / "kefu.conf").write_text(self.site(http, ws if ws is not None else http))
        (self.root / "nginx.conf").write_text(main)
        test = subprocess.run(
            [self.exe, "-t", "-p", str(self.root), "-c", str(self.root / "nginx.conf")],
            capture_output=True,
            text=True,
        )
        if test.returncode:
            raise SystemExit(f"nginx refused the configuration:\n{test.stderr}")
        if self.started:
            self._signal("reload")
            time.sleep(0.5)  # the old worker ends its connections, new ones take the new set
        else:
            subprocess.run(
                [self.exe, "-p", str(self.root), "-c", str(self.root / "nginx.conf")], check=True
            )
            wait_for_tcp(self.port, 10, "nginx")
            self.started = True

    def _signal(self, name: str) -> None:
        subprocess.run(
            [self.exe, "-p", str(self.root), "-c", str(self.root / "nginx.conf"), "-s", name],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if self.started:
            self._signal("stop")
            self.started = False

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def kill_group(proc: subprocess.Popen) -> None:
    """``kill -9`` of a server and its workers (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


RETRYABLE = (502, 503, 504)


class Burst:
    """Clients sending repairs in until stopped. Each sends a request again under its
    Idempotency-Key after a retryable answer (502/504 from the proxy, 503 from Kefu with its
    error shape), a refused connection or no answer, until it gets through."""

    def __init__(self, url: str, token: str, clients: int, *, tag: str = "演练报修") -> None:
        self.url, self.token, self.tag = url, token, tag
        self.key_prefix = uuid.uuid4().hex[:12]  # the header is ASCII; the tag may not be
        self.answers: Counter = Counter()
        self.created: dict[str, str] = {}  # content → serial
        self.created_at: list[float] = []
        self.latencies: list[float] = []
        self.longest_wait = 0.0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(clients)]
        self.bad: list[str] = []
        self.lock = threading.Lock()

    def run(self, n: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=30, verify=False)
        with client:
            i = 0
            while not self.stop.is_set():
                i += 1
                content = f"{self.tag} {n}-{i}"
                body = {"type": "repair", "channel": "phone", "content": content}
                key = {"Idempotency-Key": f"{self.key_prefix}-{n}-{i}"}
                first = time.monotonic()
                for _attempt in range(300):
                    sent = time.monotonic()
                    try:
                        reply = client.post("/api/v1/tickets", json=body, headers=key)
                    except httpx.TransportError as exc:
                        # Not sent, or sent and never answered: sent again under its key,
                        # which the server answers once.
                        with self.lock:
                            self.answers[type(exc).__name__] += 1
                        time.sleep(0.2)
                        continue
                    with self.lock:
                        self.answers[reply.status_code] += 1
                    if reply.status_code == 201:
                        with self.lock:
                            self.created[content] = reply.json()["serial"]
                            self.created_at.append(time.monotonic())
                            self.latencies.append(time.monotonic() - sent)
                        break
                    if reply.status_code == 503:
                        error = reply.json()
                        if error.get("code") != "unavailable" or "Retry-After" not in reply.headers:
                            self.bad.append(f"503 without the error shape: {reply.text[:200]}")
                    if reply.status_code in RETRYABLE:
                        time.sleep(0.2)
                        continue
                    self.bad.append(f"{reply.status_code}: {reply.text[:200]}")
                    break
                self.longest_wait = max(self.longest_wait, time.monotonic() - first)

    def server_errors(self) -> dict:
        """Answers that are neither a success nor retryable."""
        return {
            k: v
            for k, v in self.answers.items()
            if isinstance(k, int) and k >= 500 and k not in RETRYABLE
        }

    def __enter__(self) -> Burst:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def database_rows(pg_url: str, tag: str) -> list[tuple]:
    """Each ticket a burst tagged ``tag`` wrote: content, serial, its events, its deadlines."""
    import psycopg

    with psycopg.connect(pg_url) as conn:
        return conn.execute(
            """select t.content, t.serial,
                      (select count(*) from tickets_ticketevent e where e.ticket_id = t.id),
                      (select count(*) from sla_deadline d where d.ticket_id = t.id)
               from tickets_ticket t where t.content like %s""",
            (tag + " %",),
        ).fetchall()


def burst_outcome(burst: Burst, pg_url: str) -> dict:
    """What a burst left: lost (answered 201, not in the database), twice (one request written
    twice), half (a ticket without its intake event or its time limits)."""
    rows = database_rows(pg_url, burst.tag)
    contents = Counter(content for content, *_ in rows)
    serials = {serial for _, serial, *_ in rows}
    return {
        "rows": len(rows),
        "twice": [c for c, n in contents.items() if n > 1],
        "lost": [c for c, s in burst.created.items() if s not in serials],
        "half": [s for _, s, events, deadlines in rows if events < 1 or deadlines < 1],
    }
