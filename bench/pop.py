#!/usr/bin/env python
"""Kefu workbench-pop benchmark: the caller's profile and the business-system panel (客户360).

    .venv/bin/python bench/pop.py --db sqlite   [--customers 1000] [--requests 200] [--delay-ms 50]
    .venv/bin/python bench/pop.py --db postgres [--live]

Creates a fresh database (SQLite in /tmp/kefu-bench-pop-sqlite, or DROP/CREATE of
postgres://postgres@127.0.0.1:5432/kefu_bench_pop), migrates, seeds the demo organization and
N customers (each with a 户号, and a ticket for one in three), and fills the local business
store through the Excel import (each account with six monthly bills). A billing system stands
at the edge: an HTTP server in a thread answering each account, in its own JSON shape, after
--delay-ms. Then, for random callers, one pop = what the workbench's browser asks in turn:
the lookup fragment (`/workbench/lookup?phone=`: profile, last tickets, calls, work orders,
callbacks, scores, notices) and the business fragment it loads (`/business/panel?customer=`),
timed together, with
  (a) the local store answering, and
  (b) a Connector (HTTP/JSON adapter with its field mapping) to that billing system,
each --requests times through Django's test client in this process, one at a time, and with
--live also over loopback HTTP against `kefu serve --no-worker`, logged in as the agent.
Prints median and p95 of the pop and of each fragment, and the exact command. Goal: pop p95
≤ 150 ms for both adapters.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import common

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


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kefu_bench_pop")
    p.add_argument("--customers", type=int, default=1000)
    p.add_argument("--requests", type=int, default=200, help="pops per figure")
    p.add_argument("--delay-ms", type=int, default=50, help="the billing system's answer time")
    p.add_argument("--live", action="store_true", help="also over HTTP against kefu serve")
    p.add_argument("--seed", type=int, default=2025)
    return p.parse_args()


ARGS = parse_args()
DATA_DIR = Path(f"/tmp/kefu-bench-pop-{ARGS.db}")
DB_URL = ARGS.pg_url if ARGS.db == "postgres" else common.sqlite_url(DATA_DIR)
ENV = common.bench_env(DATA_DIR, DB_URL)
log = common.make_log("pop")


def load(rng: random.Random) -> tuple[list[str], dict[str, dict]]:
    """The customers, their tickets and the local store; the callers' numbers and the billing
    system's accounts (its own JSON shape)."""
    from django.contrib.auth import get_user_model
    from openpyxl import Workbook

    from kefu.accounts.models import ServiceArea
    from kefu.business.importer import import_business
    from kefu.customers.services import CustomerIn, PhoneIn, create_customer
    from kefu.demo import seed_organization
    from kefu.tickets.schemas import TicketIn
    from kefu.tickets.services import create_ticket

    seed_organization()
    User = get_user_model()
    agent, supervisor = User.objects.get(username="agent"), User.objects.get(username="supervisor")
    areas = list(ServiceArea.objects.filter(branch__code="hq"))
    workbook = Workbook()
    accounts = workbook.active
    accounts.title = "账户"
    accounts.append(["户号", "户名", "地址", "电话", "余额", "欠费"])
    bills = workbook.create_sheet("账单")
    bills.append(["户号", "账期", "用量", "金额", "已缴"])
    phones, theirs = [], {}
    for i in range(ARGS.customers):
        phone = f"139{i:08d}"
        account_no = f"SW{100000 + i}"
        address = f"幸福路{i % 200 + 1}号{i % 6 + 1}单元{i % 30 + 1}01"
        customer = create_customer(
            CustomerIn(
                name=f"客户{i}",
                phones=[PhoneIn(phone)],
                account_no=account_no,
                address=address,
                area=rng.choice(areas).code,
                tags=["重点客户"] if i % 10 == 0 else [],
            ),
            actor=agent,
        )
        if i % 3 == 0:
            create_ticket(
                TicketIn(
                    type="inquiry",
                    channel="phone",
                    content="查询本月水费",
                    customer_id=customer.id,
                    caller_number=phone,
                ),
                actor=agent,
                accept=True,
            )
        history = []
        owed = 0.0
        for m in range(1, 7):
            qty = rng.randint(6, 32)
            fee = round(qty * 3.45, 2)
            paid = not (i % 3 == 0 and m == 6)
            owed += 0 if paid else fee
            bills.append([account_no, f"2026-0{m}", qty, fee, "是" if paid else "否"])
            history.append({"month": f"2026-0{m}", "qty": qty, "fee": f"{fee:.2f}", "state": paid})
        accounts.append([account_no, f"客户{i}", address, phone, 0, round(owed, 2)])
        theirs[account_no] = {
            "code": 0,
            "data": {
                "acct": account_no,
                "holder": f"客户{i}",
                "addr": address,
                "tel": phone,
                "bal": "0.00",
                "owed": f"{owed:.2f}",
                "history": history,
            },
        }
        phones.append(phone)
    buffer = BytesIO()
    workbook.save(buffer)
    result = import_business(buffer.getvalue(), actor=supervisor)
    log(f"local store: {result.created} rows imported, {result.rejected} refused")
    return phones, theirs


def billing_system(theirs: dict[str, dict]) -> str:
    """The billing system: answers /accounts/<户号> after --delay-ms, in its own shape."""
    delay = ARGS.delay_ms / 1000

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body apart, no delayed-ACK wait

        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep(delay)
            found = theirs.get(self.path.rsplit("/", 1)[-1])
            body = json.dumps(found or {"code": 404}, ensure_ascii=False).encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


CUSTOMER_IN_POP = re.compile(r"/business/panel\?customer=(\d+)")


def measure(get, phones: list[str], rng: random.Random, label: str) -> None:
    """``get(path) -> (status, text)``; one pop = the lookup fragment, then the panel."""
    pops, profiles, panels = [], [], []
    for phone in phones[:5]:  # warm-up
        get(f"/workbench/lookup?phone={phone}")
    for _ in range(ARGS.requests):
        phone = rng.choice(phones)
        t0 = time.perf_counter()
        status, text = get(f"/workbench/lookup?phone={phone}")
        t1 = time.perf_counter()
        found = CUSTOMER_IN_POP.search(text)
        if status != 200 or found is None:
            raise SystemExit(f"pop failed for {phone}: {status}")
        status, panel = get(f"/business/panel?customer={found[1]}")
        t2 = time.perf_counter()
        if status != 200 or 'data-testid="arrears"' not in panel and "无欠费" not in panel:
            raise SystemExit(f"business panel without the account for {phone}: {status}")
        pops.append(t2 - t0)
        profiles.append(t1 - t0)
        panels.append(t2 - t1)
    log(f"{label:34} pop      {common.stats(pops)}")
    log(f"{label:34}  lookup  {common.stats(profiles)}")
    log(f"{label:34}  panel   {common.stats(panels)}")


def with_connector(base: str | None) -> None:
    from kefu.business.models import Connector, Kind

    Connector.objects.all().delete()
    if base:
        Connector.objects.create(
            name="营收系统",
            kind=Kind.ACCOUNT,
            url_template=base + "/accounts/{account_no}",
            field_map=ACCOUNT_MAP,
            timeout_ms=1000,
        )


def live(phones: list[str], base: str, rng: random.Random) -> None:
    import httpx

    with common.kefu_serve(ENV) as url, httpx.Client(base_url=url, timeout=30) as web:
        web.get("/login/")
        r = web.post("/login/", data=common.login_form(web.cookies.get("csrftoken")))
        if r.status_code != 302:
            raise SystemExit(f"login failed: {r.status_code}")

        def get(path):
            r = web.get(path)
            return r.status_code, r.text

        with_connector(None)
        time.sleep(1.2)  # the server's per-process store sees the change within a second
        measure(get, phones, rng, "live kefu serve, local store")
        with_connector(base)
        time.sleep(1.2)
        measure(get, phones, rng, f"live kefu serve, HTTP {ARGS.delay_ms} ms")


def main() -> None:
    command = common.command_line()
    rng = random.Random(ARGS.seed)
    t0 = time.perf_counter()
    common.fresh_database(ENV)
    common.setup_django(ENV)
    from django.contrib.auth import get_user_model
    from django.test import Client

    phones, theirs = load(rng)
    log(f"loaded {len(phones)} customers in {time.perf_counter() - t0:.1f}s")
    base = billing_system(theirs)
    client = Client()
    client.force_login(get_user_model().objects.get(username="agent"))

    def get(path):
        r = client.get(path)
        return r.status_code, r.content.decode()

    with_connector(None)
    measure(get, phones, rng, "test client, local store")
    with_connector(base)
    measure(get, phones, rng, f"test client, HTTP {ARGS.delay_ms} ms")
    if ARGS.live:
        live(phones, base, rng)
    log(f"command: {command}")


if __name__ == "__main__":
    main()
