"""A notice SMS in flight when its worker is killed (``kill -9``): a real ``kefu worker`` process
sends a published notice's SMS to a real HTTP gateway that takes the first SMS and never
answers; the worker is killed while it waits, and a new worker is started.

What is guaranteed (kefu.notify.services, "What sending guarantees"): the SMS cut off is dealt
with once its lease (KEFU_NOTIFY_LEASE, here 6 s) has run out, not 15 minutes later; at a gateway
that discards a repeated id it is sent again with the same id and the phone gets it once; at
any other gateway it is never sent again but marked 待核实, which the notice's page and API
show. The worker runs on the test database (committed rows), with its own SQLite queue.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from kefu.notify.models import Delivery
from tests.customers.factories import make_customer
from tests.notices.factories import make_notice

pytestmark = pytest.mark.django_db(transaction=True)

LEASE = 6
TIMEOUT = 2
MOBILES = ["13800000001", "13800000002"]


@dataclass
class Gateway:
    """An SMS gateway: takes each SMS it is posted (``texted``: what reached a phone), except
    that with ``idempotent`` an id it took before is answered as before and not texted again.
    The first SMS is taken and then never answered (until ``release``)."""

    idempotent: bool
    url: str = ""
    posted: list[dict] = field(default_factory=list)
    texted: list[str] = field(default_factory=list)
    taken: dict[str, str] = field(default_factory=dict)
    first: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def gateway(request):
    state = Gateway(idempotent=request.param)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            key = self.headers.get("X-Kefu-Delivery", "")
            with lock:
                state.posted.append(body | {"delivery": key})
                repeat = state.idempotent and body.get("outId") in state.taken
                if not repeat:
                    state.texted.append(body["mobile"])
                    state.taken[body.get("outId") or key] = f"gw-{len(state.taken) + 1}"
                msgid = state.taken[body.get("outId") or key]
                hang = len(state.posted) == 1
            if hang:
                state.first.set()
                state.release.wait(120)  # taken, never answered: the worker dies waiting
                return
            reply = json.dumps({"code": 0, "msgid": msgid}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment(data: Path, gateway: Gateway) -> dict[str, str]:
    template = {"mobile": "{phone}", "content": "{text}"}
    if gateway.idempotent:
        template["outId"] = "{id}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
        "DATABASE_URL": _database_url(),
        "KEFU_DATA_DIR": str(data),
        "KEFU_SECRET_KEY": "worker-test-secret",
        "KEFU_HUEY_IMMEDIATE": "0",
        "KEFU_SMS_BACKEND": "http",
        "KEFU_SMS_HTTP_URL": gateway.url,
        "KEFU_SMS_HTTP_TEMPLATE": json.dumps(template),
        "KEFU_SMS_HTTP_IDEMPOTENT": "1" if gateway.idempotent else "0",
        "KEFU_NOTIFY_TIMEOUT": str(TIMEOUT),
        "KEFU_NOTIFY_LEASE": str(LEASE),
    }
    env.pop("REDIS_URL", None)  # the embedded queue, in this test's own folder
    return env


def _kefu(*args: str) -> list[str]:
    return [sys.executable, "-m", "kefu.cli", *args]


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """A worker with one thread: only the SMS cut off is in flight when it is killed. (With
    two, the take-over sweep a lease after start may be posting the other SMS at that moment;
    that one is then 待核实 too, as documented, and the test would not know which to expect.)"""
    with log.open("ab") as out:
        return subprocess.Popen(
            _kefu("worker", "--workers", "1"), env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # huey's graceful stop
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _publish(notice_id: int, env: dict[str, str]) -> None:
    """Publish as the lead does, in a process of the worker's set-up (its queue)."""
    code = (
        "from django.contrib.auth import get_user_model\n"
        "from kefu.notices.services import preview_notice, publish_notice\n"
        "lead = get_user_model().objects.get(username='lead')\n"
        f"p = preview_notice({notice_id}, actor=lead)\n"
        f"publish_notice({notice_id}, actor=lead, expected_recipients=p.recipients, token=p.token)\n"
    )
    subprocess.run(_kefu("shell", "-v", "0", "-c", code), env=env, check=True, timeout=120)


def _wait_for(condition, *, within: float, what: str, log: Path):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} within {within} s; worker log:\n{log.read_text()[-4000:]}")


def _status(pk: int) -> str:
    return Delivery.objects.filter(pk=pk).values_list("status", flat=True)[0]


@pytest.mark.parametrize(
    "gateway", [True, False], ids=["idempotent", "not-idempotent"], indirect=True
)
def test_a_notice_sms_in_flight_when_the_worker_is_killed_is_handled_within_the_lease(
    reference_data, people, gateway, tmp_path, api_as
):
    lead = people["lead"]
    for number in MOBILES:
        make_customer(lead, name=f"客户{number[-1]}", phones=(number,))
    notice = make_notice(lead)
    env = _environment(tmp_path, gateway)
    log = tmp_path / "worker.log"
    first = _start_worker(env, log)
    second = None
    try:
        _publish(notice.pk, env)
        if not gateway.first.wait(90):
            pytest.fail(f"no SMS reached the gateway; worker log:\n{log.read_text()[-4000:]}")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = time.monotonic()
        cut_off = int(gateway.posted[0]["delivery"])
        row = Delivery.objects.get(pk=cut_off)
        assert (row.status, row.attempts) == ("sending", 1)
        assert row.claimed_by.split(":")[1] == str(first.pid)

        second = _start_worker(env, log)
        _wait_for(
            lambda: _status(cut_off) != "sending", within=LEASE + 60, what="taken over", log=log
        )
        handled = time.monotonic() - killed
        others = Delivery.objects.exclude(pk=cut_off)
        _wait_for(
            lambda: set(others.values_list("status", flat=True)) == {"sent"},
            within=30,
            what="the other SMS sent",
            log=log,
        )
    finally:
        for process in (first, second):
            if process is not None:
                _stop(process)

    # Within the lease after the new worker started (its start taking a few seconds), not at
    # the next minute's sweep and not 15 minutes later.
    assert handled < LEASE + 30
    claimed_at = row.claimed_at
    row.refresh_from_db()
    taken_over = row.attempt_log.order_by("pk").first()
    assert (taken_over.at - claimed_at).total_seconds() >= LEASE  # and not before the lease
    assert sorted(gateway.texted) == MOBILES  # each phone texted once
    if gateway.idempotent:
        assert (row.status, row.attempts) == ("sent", 2)
        assert [p["delivery"] for p in gateway.posted].count(str(cut_off)) == 2
        assert [(a.number, a.ok) for a in row.attempt_log.order_by("pk")] == [
            (1, False),
            (2, True),
        ]
    else:
        assert (row.status, row.attempts) == ("uncertain", 1)
        assert [p["delivery"] for p in gateway.posted].count(str(cut_off)) == 1
        sms = api_as(lead).get(f"/notices/{notice.pk}").json()["sms"]
        assert (sms["delivered"], sms["uncertain"], sms["by_status"]["uncertain"]) == (1, 1, 1)
