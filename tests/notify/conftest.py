"""Real servers at the edge: an SMTP server process (aiosmtpd) and an HTTP receiver thread."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpServer:
    host: str
    port: int
    maildir: str

    def raw_messages(self) -> list[bytes]:
        """The stored mails in the order the server received them."""
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        return [box.get_bytes(key) for key in sorted(box.keys(), key=delivery_order)]

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for raw in self.raw_messages()
        ]


def delivery_order(key: str) -> tuple[int, int]:
    """A Maildir key is "<seconds>.M<microseconds>P<pid>Q<count>.<host>"; the microseconds
    are not zero-padded, so keys do not sort as text: the server's count orders them."""
    seconds, rest = key.split(".", 1)
    return int(seconds), int(rest.split("Q", 1)[1].split(".", 1)[0])


@pytest.fixture
def smtp_server(tmp_path):
    """aiosmtpd in its own process on a free 127.0.0.1 port, storing mail in a Maildir."""
    maildir = tmp_path / "mail"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
        + ["-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"aiosmtpd did not start: {process.stderr.read()!r}")
            time.sleep(0.05)
    yield SmtpServer("127.0.0.1", port, str(maildir))
    process.terminate()
    process.wait(timeout=5)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    url: str
    requests: list[Request] = field(default_factory=list)
    # Each request takes the next (status, body); the last one repeats.
    replies: deque = field(default_factory=lambda: deque([(200, b'{"ok": true}')]))
    delay: float = 0.0

    def reply_with(self, *statuses: int, body: bytes = b"{}") -> None:
        self.replies = deque((status, body) for status in statuses)


@pytest.fixture
def http_receiver():
    """An HTTP server on a free 127.0.0.1 port that records every request it gets."""
    state = HttpReceiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # a PBX's click-to-dial address is asked by GET
            self.do_POST()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.requests.append(Request(self.path, dict(self.headers.items()), body))
                status, reply = state.replies[0]
                if len(state.replies) > 1:
                    state.replies.popleft()
            if state.delay:
                time.sleep(state.delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms_gateway(settings, http_receiver):
    """The HTTP SMS backend pointed at the local receiver, with a signature."""
    settings.NOTIFY_SMS_BACKEND = "http"
    settings.NOTIFY_SMS_HTTP_URL = http_receiver.url
    settings.NOTIFY_SMS_HTTP_TEMPLATE = {
        "mobile": "{phone}",
        "content": "{text}",
        "sign": "{signature}",
    }
    settings.NOTIFY_SMS_SIGNATURE = "【阳光水务】"
    return http_receiver
