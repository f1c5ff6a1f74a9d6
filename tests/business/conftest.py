"""A real billing / tracking system at the edge: an HTTP server in a thread, answering in the
shapes a center's own systems use (not ours: the connectors' field mapping reads them)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kefu.business.adapters import reset_breakers

# Their account, as a billing system holds it.
THEIR_ACCOUNTS = {
    "SW100001": {
        "code": 0,
        "data": {
            "acct": "SW100001",
            "holder": "王建国",
            "addr": "朝阳区幸福路12号3单元501",
            "tel": "13812345678",
            "bal": "0.00",
            "owed": "86.40",
            "history": [
                {"month": "2026-05", "qty": 16, "fee": "76.80", "state": "已缴"},
                {"month": "2026-06", "qty": 18, "fee": "86.40", "state": "未缴"},
            ],
        },
    }
}
THEIR_SHIPMENTS = {
    "YD001": {
        "no": "YD001",
        "state": "派送中",
        "from": "深圳",
        "to": "杭州",
        "traces": [
            {"time": "2026-06-01 08:30:00", "site": "深圳", "text": "已揽收"},
            {"time": "2026-06-02 19:10:00", "site": "杭州", "text": "派送中"},
        ],
    }
}
ACCOUNT_MAP = {
    "account_no": "data.acct",
    "owner": "data.holder",
    "address": "data.addr",
    "phone": "data.tel",
    "balance": "data.bal",
    "arrears": "data.owed",
    "bills": "data.history",
    "bills.period": "month",
    "bills.usage": "qty",
    "bills.amount": "fee",
    "bills.paid": "state",
}
SHIPMENT_MAP = {
    "waybill": "no",
    "status": "state",
    "origin": "from",
    "destination": "to",
    "events": "traces",
    "events.at": "time",
    "events.place": "site",
    "events.description": "text",
}


@pytest.fixture
def supervisor(people):
    return people["supervisor"]


@dataclass
class Billing:
    """The server: ``mode`` is how it answers now (ok, slow, fail, badjson), ``delay`` the
    seconds an ok answer takes; ``requests`` what it was asked (path, auth header)."""

    base: str
    mode: str = "ok"
    delay: float = 0.0
    requests: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
def billing():
    state = Billing(base="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def do_GET(self):
            state.requests.append((self.path, self.headers.get("X-Api-Key", "")))
            if state.mode == "slow":
                time.sleep(1.0)
            elif state.delay:
                time.sleep(state.delay)
            if state.mode == "fail":
                return self._send(500, b"internal error")
            if state.mode == "badjson":
                return self._send(200, b"<html>maintenance</html>")
            kind, _, key = self.path.strip("/").partition("/")
            found = (THEIR_ACCOUNTS if kind == "accounts" else THEIR_SHIPMENTS).get(key)
            if found is None:
                return self._send(404, b'{"code": 404}')
            return self._send(200, json.dumps(found, ensure_ascii=False).encode())

        def _send(self, status, body):
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client may have stopped waiting (a timeout): what a real slow system sees.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    reset_breakers()
    yield state
    server.shutdown()
    server.server_close()
    reset_breakers()
