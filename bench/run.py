#!/usr/bin/env python
"""Kefu benchmark: bulk-load a realistic center, then measure intake and read latencies.

    .venv/bin/python bench/run.py --db sqlite|postgres --tickets 100000 [--clients 8] [--requests 200]

Phases (each bounded in count and time):
  1. fresh database (SQLite under /tmp, or DROP/CREATE the PostgreSQL database), `kefu migrate`,
     the demo organization (seed_organization) and an API token for the agent login;
  2. bulk load of customers (+phones), tickets (+timeline events) with SQLite executemany or
     PostgreSQL COPY; secondary indexes are dropped during the load and rebuilt after;
     search_tokens come from kefu.tickets.search.tokenize_for_index (cached per content);
  3. like-for-like figures in this process through Django's test client, one request at a time;
  4. the real server as a subprocess (`kefu serve --no-worker`; on PostgreSQL also gunicorn with
     2 uvicorn workers): concurrent API intake, then sequential latencies of the queue, ticket
     and caller-ID endpoints (API and HTML pages, logged-in session).
Everything runs over loopback. The fixed --seed makes the data set identical from run to run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO
from urllib.parse import quote

import common

ROOT = common.ROOT
VENV_BIN = common.VENV_BIN

# ------------------------------------------------------------------------------- arguments


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--tickets", type=int, default=100_000)
    p.add_argument("--customers", type=int, default=None, help="default tickets/5")
    p.add_argument("--clients", type=int, default=8, help="concurrent HTTP intake clients")
    p.add_argument("--requests", type=int, default=200, help="requests per latency figure")
    p.add_argument("--intake-max", type=int, default=3000, help="most tickets per HTTP intake run")
    p.add_argument("--intake-seconds", type=float, default=20.0, help="longest HTTP intake run")
    p.add_argument("--tc-intake", type=int, default=500, help="tickets posted via test client")
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument(
        "--pg-url",
        default="postgres://postgres@127.0.0.1:5432/kefu_bench",
        help="PostgreSQL database (dropped and recreated!)",
    )
    p.add_argument("--data-dir", default=None, help="default /tmp/kefu-bench-<db>")
    p.add_argument(
        "--servers",
        default=None,
        help="comma list of serve,gunicorn,wsgi, or none (default: all on PostgreSQL, serve on "
        "SQLite)",
    )
    p.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--json", default=None, help="also write the figures to this file")
    return p.parse_args(argv)


ARGS = parse_args()
if ARGS.customers is None:
    ARGS.customers = max(100, ARGS.tickets // 5)
DATA_DIR = Path(ARGS.data_dir or f"/tmp/kefu-bench-{ARGS.db}")
DB_URL = f"sqlite:///{DATA_DIR / 'kefu.sqlite3'}" if ARGS.db == "sqlite" else ARGS.pg_url
SERVERS = (ARGS.servers or ("serve,gunicorn,wsgi" if ARGS.db == "postgres" else "serve")).split(",")
if SERVERS == ["none"]:  # the in-process figures only
    SERVERS = []
SERVER_LABELS = {
    "serve": "kefu serve (uvicorn, 1 process)",
    "gunicorn": "gunicorn -w 2 UvicornWorker (ASGI)",
    "wsgi": "gunicorn -w 2 gthread (WSGI, HTTP only)",
}
if unknown := set(SERVERS) - set(SERVER_LABELS):
    raise SystemExit(f"--servers: unknown {', '.join(sorted(unknown))}")

ENV = common.bench_env(DATA_DIR, DB_URL)
ENV.update(
    KEFU_DEBUG="0",
    KEFU_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    PYTHONPATH=str(ROOT),  # the server subprocesses import this tree's kefu
)
ENV.pop("KEFU_HUEY_IMMEDIATE", None)

RESULTS: list[tuple[str, str, str, str]] = []  # section, metric, value, goal
FIGURES: dict[str, float | int | str] = {}


T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:6.1f}s] {msg}", flush=True)


def record(section: str, metric: str, value: str, goal: str = "", key: str = "", raw=None):
    RESULTS.append((section, metric, value, goal))
    log(f"  {metric}: {value}")
    if key:
        FIGURES[key] = raw if raw is not None else value


# ------------------------------------------------------------------------------- database setup


def fresh_database() -> None:
    t0 = time.perf_counter()
    common.fresh_database(ENV)
    log(f"kefu migrate: {time.perf_counter() - t0:.1f}s")


def django_setup() -> None:
    common.setup_django(ENV)


# ------------------------------------------------------------------------------- synthetic data

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂华建国红梅林英玉兰"
STREETS = [
    "解放路",
    "人民路",
    "建设路",
    "中山路",
    "和平街",
    "朝阳路",
    "新华路",
    "滨河路",
    "长江路",
    "黄河路",
    "东风路",
    "文化街",
    "光明路",
    "幸福路",
    "青年路",
    "花园街",
]
ESTATES = [
    "阳光花园",
    "幸福里",
    "东风村",
    "南山海岸城",
    "福田园岭",
    "翠湖苑",
    "金色家园",
    "碧水湾",
    "锦绣华庭",
    "滨江小区",
    "新城公寓",
    "紫荆苑",
    "银河小区",
    "桃源居",
]
PHRASES = {
    "repair": [
        "家里水管爆裂,厨房漏水严重",
        "水表井盖破损,有安全隐患",
        "小区楼道水管滴漏",
        "停水后恢复供水,水压很低",
        "卫生间下水管堵塞反水",
        "水表不走字",
        "水龙头一直关不紧",
        "楼顶水箱溢水",
        "路边消火栓漏水",
        "突然停水,没有任何通知",
        "热水器进水阀门坏了",
        "地下管道破裂,路面冒水",
        "水表玻璃碎了看不清读数",
        "夜间停水至今未恢复",
    ],
    "inquiry": [
        "咨询阶梯水价怎么计算",
        "咨询过户需要带什么材料",
        "咨询停水通知什么时候恢复供水",
        "咨询如何开通自动扣费",
        "询问营业厅周末是否上班",
        "咨询新房开户流程",
        "咨询水费发票如何开具",
        "咨询计划停水的范围和时间",
        "咨询一户多人口水价政策",
    ],
    "complaint": [
        "抄表员态度恶劣,投诉",
        "维修人员上门迟到两小时",
        "水费账单金额异常偏高",
        "停水没有提前通知,影响开店",
        "自来水有异味发黄",
        "热线电话长时间无人接听",
        "维修后路面没有恢复",
        "频繁停水影响生活",
        "水压不足高层用不上水",
    ],
    "help": [
        "老人独居家中停水,请求帮助送水",
        "钥匙丢失无法开水表箱",
        "残疾人家庭请求上门服务",
        "孕妇家中停水请求优先处理",
    ],
    "report": [
        "举报有人私接水管偷水",
        "举报施工单位挖断管道未上报",
        "举报洗车店违规用水",
        "举报消火栓被私自打开",
    ],
    "lookup": ["查询上月水费账单", "查询缴费记录", "查询欠费金额", "查询用水量明细"],
    "suggestion": [
        "建议增加微信缴费渠道",
        "建议停水通知提前一天短信告知",
        "建议延长营业厅服务时间",
        "建议公布维修进度查询方式",
    ],
    "order": ["预约上门安装新水表", "申请水表移位", "申请临时用水", "预约水质检测"],
}
TAILS = [
    "",
    "",
    "",
    ",请尽快处理",
    ",已经是第二次反映了",
    ",家里有老人小孩",
    ",影响正常生活",
    ",希望尽快回复",
    ",物业说要找供水公司",
    ",邻居也有同样情况",
    ",从昨天晚上开始",
    ",早上七点左右发现",
]
WANTS = ["尽快上门处理", "给个说法", "退还多收的费用", "请电话回复", "", "", "尽快恢复供水"]
TYPE_WEIGHTS = {
    "repair": 40,
    "inquiry": 22,
    "complaint": 12,
    "help": 4,
    "report": 3,
    "lookup": 10,
    "suggestion": 4,
    "order": 5,
}
CHANNELS = ["phone"] * 12 + ["web", "web", "sms", "email", "walk_in", "chat", "chat", "letter"]
PRIORITIES = ["normal"] * 14 + ["low", "high", "high", "urgent"]
OLD_STATUS = (
    ["closed"] * 80
    + ["followed_up"] * 6
    + ["resolved"] * 6
    + ["cancelled"] * 4
    + ["in_progress"] * 2
    + ["dispatched"] * 2
)
NEW_STATUS = (
    ["new"] * 15
    + ["accepted"] * 15
    + ["dispatched"] * 20
    + ["in_progress"] * 15
    + ["awaiting_confirmation"] * 5
    + ["resolved"] * 15
    + ["followed_up"] * 5
    + ["closed"] * 8
    + ["cancelled"] * 2
)
DEPT_STATUSES = {
    "dispatched",
    "in_progress",
    "awaiting_confirmation",
    "resolved",
    "followed_up",
    "closed",
}
PATHS = {  # the last status event written for a ticket in each status
    "accepted": ("accept", "new"),
    "dispatched": ("dispatch", "accepted"),
    "in_progress": ("start", "dispatched"),
    "awaiting_confirmation": ("request_confirmation", "in_progress"),
    "resolved": ("resolve", "in_progress"),
    "followed_up": ("follow_up", "resolved"),
    "closed": ("close", "followed_up"),
    "cancelled": ("cancel", "accepted"),
}


def mobile(i: int) -> str:
    """The i-th customer's mobile number: unique for i < 10**8."""
    return ["138", "139", "150", "186", "177", "135"][i % 6] + f"{(i * 7919 + 1234567) % 10**8:08d}"


def landline(i: int) -> str:
    return "0755" + f"{(i * 104729 + 7654321) % 10**8:08d}"


def content_pool(rng: random.Random) -> dict[str, list[str]]:
    """Per type, a few hundred distinct request texts (estate + street + phrase + tail)."""
    pool = {}
    for code, phrases in PHRASES.items():
        seen = set()
        while len(seen) < 60 * len(phrases):
            text = rng.choice(phrases) + rng.choice(TAILS)
            if rng.random() < 0.6:
                text = (
                    f"{rng.choice(ESTATES)}{rng.randint(1, 30)}栋{rng.choice(['', '', '二单元', '一单元'])}"
                    + text
                )
            elif rng.random() < 0.5:
                text = f"{rng.choice(STREETS)}{rng.randint(1, 300)}号附近" + text
            seen.add(text)
        pool[code] = sorted(seen)
    return pool


class Writer:
    """Rows into a table: COPY on PostgreSQL, executemany in large transactions on SQLite."""

    def __init__(self, model, columns: list[str]):
        from django.db import connection

        self.connection = connection
        self.table = model._meta.db_table
        self.columns = columns
        self.pg = connection.vendor == "postgresql"
        fields = {f.column: f for f in model._meta.concrete_fields}
        self.datetime_cols = [
            i for i, c in enumerate(columns) if fields[c].get_internal_type() == "DateTimeField"
        ]
        self.json_cols = [
            i for i, c in enumerate(columns) if fields[c].get_internal_type() == "JSONField"
        ]
        # SQLite keeps a duration as whole microseconds (PostgreSQL's COPY takes the timedelta).
        self.duration_cols = [
            i for i, c in enumerate(columns) if fields[c].get_internal_type() == "DurationField"
        ]
        self.rows = 0

    def write(self, rows):
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self.connection.ensure_connection()
        if self.pg:
            copy_sql = f'COPY "{self.table}" ({cols}) FROM STDIN'
            with self.connection.cursor() as cur, cur.cursor.copy(copy_sql) as copy:
                for row in rows:
                    for i in self.json_cols:
                        row[i] = json.dumps(row[i], ensure_ascii=False)
                    copy.write_row(row)
                    self.rows += 1
            return
        raw = self.connection.connection
        sql = f'INSERT INTO "{self.table}" ({cols}) VALUES ({", ".join("?" * len(self.columns))})'
        utc = dt.UTC
        batch = []

        def flush():
            raw.execute("BEGIN")
            raw.executemany(sql, batch)
            raw.execute("COMMIT")
            self.rows += len(batch)
            batch.clear()

        for row in rows:
            for i in self.datetime_cols:
                v = row[i]
                if v is not None:
                    row[i] = str(v.astimezone(utc).replace(tzinfo=None))
            for i in self.json_cols:
                row[i] = json.dumps(row[i], ensure_ascii=False)
            for i in self.duration_cols:
                if row[i] is not None:
                    row[i] = row[i] // dt.timedelta(microseconds=1)
            batch.append(row)
            if len(batch) >= 20_000:
                flush()
        if batch:
            flush()


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that back no constraint."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = %s AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
        else:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=%s "
                "AND sql IS NOT NULL",
                [table],
            )
        return list(cur.fetchall())


def load(rng: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from kefu.accounts.models import Branch, Department, ServiceArea
    from kefu.core.models import SerialCounter
    from kefu.core.services import format_serial
    from kefu.customers.models import Customer, CustomerPhone
    from kefu.tickets.models import Ticket, TicketEvent, TicketType
    from kefu.tickets.search import tokenize_for_index

    User = get_user_model()
    users = {u.username: u.id for u in User.objects.all()}
    branches = {b.code: b.id for b in Branch.objects.all()}
    areas = [(a.id, a.branch_id, a.name) for a in ServiceArea.objects.all()]
    depts = {d.code: d.id for d in Department.objects.all()}
    types = {t.code: t.id for t in TicketType.objects.all()}
    branch_code = {v: k for k, v in branches.items()}
    tz = timezone.get_current_timezone()
    now = timezone.now()
    start_today = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    t_all = time.perf_counter()

    tables = [Customer, CustomerPhone, Ticket, TicketEvent]
    dropped = []
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for model in tables:
            for name, create_sql in secondary_indexes(model._meta.db_table):
                cur.execute(f'DROP INDEX "{name}"')
                dropped.append((name, create_sql))
    if connection.vendor == "sqlite":
        connection.connection.execute("PRAGMA synchronous=OFF")
        connection.connection.execute("PRAGMA cache_size=-400000")

    # Customers and their phones.
    n_cust = ARGS.customers
    cust_cols = [
        "id",
        "name",
        "kind",
        "gender",
        "account_no",
        "id_number",
        "address",
        "email",
        "branch_id",
        "area_id",
        "notes",
        "is_active",
        "created_at",
        "updated_at",
        "created_by_id",
    ]
    cust_area = []

    def customers():
        for i in range(n_cust):
            area_id, branch_id, area_name = (
                areas[i % len(areas)] if rng.random() < 0.9 else (None, branches["hq"], "")
            )
            cust_area.append((area_id, branch_id))
            org = rng.random() < 0.05
            name = (
                (rng.choice(ESTATES) + rng.choice(["物业管理处", "商店", "餐馆", "幼儿园"]))
                if org
                else (
                    rng.choice(SURNAMES)
                    + (rng.choice(["先生", "女士"]) if rng.random() < 0.6 else rng.choice(GIVEN))
                )
            )
            created = now - dt.timedelta(days=400 + rng.random() * 2000)
            yield [
                i + 1,
                name,
                "organization" if org else "person",
                "",
                f"{branch_code[branch_id].upper()}{1000000 + i}",
                f"4403{rng.randrange(10**13):013d}{rng.choice('0123456789X')}",
                f"{area_name or rng.choice(ESTATES)}{rng.choice(STREETS)}{rng.randint(1, 200)}号",
                "",
                branch_id,
                area_id,
                "",
                rng.random() > 0.02,
                created,
                created + dt.timedelta(days=rng.random() * 300),
                None,
            ]

    Writer(Customer, cust_cols).write(customers())

    def phones():
        for i in range(n_cust):
            yield [i + 1, None, mobile(i), "", True]
            if i % 5 == 0:
                yield [i + 1, None, landline(i), "座机", False]

    pw = Writer(CustomerPhone, ["customer_id", "contact_id", "number", "label", "is_primary"])
    pw.write(phones())
    log(f"customers: {n_cust} (+{pw.rows} phones) in {time.perf_counter() - t0:.1f}s")

    # Tickets over the last 365 days (none today: API intake numbers today's serials from 1).
    t0 = time.perf_counter()
    n = ARGS.tickets
    span = 365 * 86400
    base = start_today.timestamp() - span
    stamps = sorted(base + rng.random() * (span - 1) for _ in range(n))
    pool = content_pool(rng)
    type_codes = list(TYPE_WEIGHTS)
    type_cum = list(TYPE_WEIGHTS.values())
    token_cache: dict[str, str] = {}
    day_counts: dict[dt.date, int] = {}
    dept_for_type = {
        "billing": "billing",
        "lookup": "billing",
        "inquiry": "billing",
        "complaint": "repair",
        "report": "network",
        "order": "repair",
    }
    handler_of = {
        depts["repair"]: users["handler"],
        depts["network"]: users["network"],
        depts["billing"]: users["billing"],
        depts["sz-repair"]: users["sz-handler"],
    }
    agents = [users["agent"], users["agent2"], users["lead"]]
    ticket_cols = [f.column for f in Ticket._meta.concrete_fields]
    idx = {c: i for i, c in enumerate(ticket_cols)}
    events: list[list] = []
    recent_cut = start_today.timestamp() - 30 * 86400
    max_id = 0

    def tickets():
        nonlocal max_id
        for k, ts in enumerate(stamps):
            tid = k + 1
            max_id = tid
            received = dt.datetime.fromtimestamp(ts, tz)
            day = received.date()
            number = day_counts.get(day, 0) + 1
            day_counts[day] = number
            code = rng.choices(type_codes, type_cum)[0]
            content = rng.choice(pool[code])
            want = rng.choice(WANTS)
            # tokenize_for_index(a, b) is the words of a then those of b: cache per text.
            tokens = token_cache.get(content)
            if tokens is None:
                tokens = token_cache[content] = tokenize_for_index(content)
            if want:
                more = token_cache.get(want)
                if more is None:
                    more = token_cache[want] = tokenize_for_index(want)
                tokens = f"{tokens} {more}" if tokens and more else tokens or more
            status = rng.choice(OLD_STATUS if ts < recent_cut else NEW_STATUS)
            if rng.random() < 0.85:
                c = rng.randrange(n_cust)
                customer_id = c + 1
                area_id, branch_id = cust_area[c]
                caller = mobile(c) if c % 5 or rng.random() < 0.5 else landline(c)
            else:
                customer_id = None
                area_id, branch_id = None, branches["hq"]
                caller = ["138", "139", "150", "186"][k % 4] + f"{rng.randrange(10**8):08d}"
            dept = assignee = None
            if status in DEPT_STATUSES and (status != "closed" or rng.random() < 0.7):
                if branch_id == branches.get("sz"):
                    dept = depts["sz-repair"]
                else:
                    dept = depts[dept_for_type.get(code, "repair")]
                if status != "dispatched" or rng.random() < 0.3:
                    assignee = handler_of.get(dept)
            created_by = agents[k % 3]
            resolved_at = closed_at = None
            if status in ("resolved", "followed_up", "closed"):
                resolved_at = received + dt.timedelta(hours=1 + rng.random() * 70)
            if status == "closed":
                closed_at = resolved_at + dt.timedelta(hours=rng.random() * 48)
            updated = (
                closed_at or resolved_at or received + dt.timedelta(minutes=rng.random() * 120)
            )
            if updated > now:
                updated = now
            row = [None] * len(ticket_cols)
            row[idx["id"]] = tid
            row[idx["serial"]] = format_serial(day, number)
            row[idx["type_id"]] = types[code]
            row[idx["channel"]] = rng.choice(CHANNELS)
            row[idx["status"]] = status
            row[idx["priority"]] = rng.choice(PRIORITIES)
            row[idx["received_at"]] = received
            row[idx["created_at"]] = received + dt.timedelta(seconds=30)
            row[idx["updated_at"]] = updated
            row[idx["resolved_at"]] = resolved_at
            row[idx["closed_at"]] = closed_at
            row[idx["branch_id"]] = branch_id
            row[idx["area_id"]] = area_id
            row[idx["customer_id"]] = customer_id
            row[idx["contact_name"]] = rng.choice(SURNAMES) + rng.choice(["先生", "女士"])
            row[idx["caller_number"]] = caller
            row[idx["content"]] = content
            row[idx["desired_result"]] = want
            row[idx["reply_method"]] = "phone"
            row[idx["reply_by"]] = None
            row[idx["callback_declined"]] = rng.random() < 0.05
            row[idx["anonymous"]] = False
            row[idx["department_id"]] = dept
            row[idx["assignee_id"]] = assignee
            row[idx["created_by_id"]] = created_by
            row[idx["merged_into_id"]] = None
            row[idx["search_tokens"]] = tokens
            # An open ticket's next due time (kefu.sla keeps it): within three days of its
            # receipt, the older ones overdue by now; one in ten with no time limit.
            open_now = status in ("new", "accepted", "dispatched", "in_progress")
            row[idx["due_at"]] = (
                received + dt.timedelta(minutes=30 + rng.random() * 4300)
                if open_now and rng.random() < 0.9
                else None
            )
            events.append(
                [
                    tid,
                    received,
                    created_by,
                    "created",
                    "",
                    "",
                    "new",
                    "",
                    {"channel": row[idx["channel"]], "type": code},
                ]
            )
            if status in PATHS:
                action, before = PATHS[status]
                events.append(
                    [tid, updated, assignee or created_by, "status", action, before, status, "", {}]
                )
            yield row

    tw = Writer(Ticket, ticket_cols)
    tw.write(tickets())
    log(
        f"tickets: {tw.rows} in {time.perf_counter() - t0:.1f}s "
        f"({len(token_cache)} distinct texts tokenized)"
    )
    FIGURES["distinct_texts"] = len(token_cache)

    t0 = time.perf_counter()
    ew = Writer(
        TicketEvent,
        [
            "ticket_id",
            "at",
            "actor_id",
            "kind",
            "action",
            "from_status",
            "to_status",
            "note",
            "data",
        ],
    )
    ew.write(iter(events))
    n_events = len(events)
    events.clear()
    log(f"events: {n_events} in {time.perf_counter() - t0:.1f}s")

    SerialCounter.objects.bulk_create(
        [SerialCounter(day=d, last=c) for d, c in day_counts.items()],
        update_conflicts=True,
        update_fields=["last"],
        unique_fields=["day"],
    )
    from django.core.management.color import no_style

    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), tables):
            cur.execute(sql)

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET maintenance_work_mem = '512MB'")
        for _name, create_sql in dropped:
            cur.execute(create_sql)
    log(f"rebuilt {len(dropped)} indexes in {time.perf_counter() - t0:.1f}s")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for model in tables + [SerialCounter]:
                cur.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
        else:
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("ANALYZE")
    log(f"analyze: {time.perf_counter() - t0:.1f}s")
    total = time.perf_counter() - t_all
    record(
        "load",
        f"bulk load ({n} tickets, {n_cust} customers, {n_events} events)",
        f"{total:.1f} s ({n / total:,.0f} tickets/s)",
        "",
        "load_seconds",
        round(total, 1),
    )


def check_data() -> None:
    from django.db import connection

    from kefu.tickets.models import Ticket
    from kefu.tickets.search import FTS_TABLE

    total = Ticket.objects.count()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM tickets_ticket WHERE search_tokens LIKE %s", ["%停水%"])
        like = cur.fetchone()[0]
        if connection.vendor == "sqlite":
            cur.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", ['"停水"'])
            fts = cur.fetchone()[0]
            cur.execute(f"SELECT count(*) FROM {FTS_TABLE}_docsize")
            docs = cur.fetchone()[0]
            ok = fts == like and docs == total
            record(
                "load",
                "FTS5 rows / tickets; '停水' FTS vs LIKE",
                f"{docs:,} / {total:,}; {fts:,} vs {like:,}" + ("" if ok else "  MISMATCH"),
            )
            if not ok:
                log("WARNING: the FTS5 table does not match the tickets table")
        else:
            cur.execute(
                "SELECT count(*) FROM tickets_ticket WHERE to_tsvector('simple'::regconfig, "
                "search_tokens) @@ to_tsquery('simple'::regconfig, %s)",
                ["'停水'"],
            )
            fts = cur.fetchone()[0]
            record("load", "tickets; '停水' tsquery vs LIKE", f"{total:,}; {fts:,} vs {like:,}")
        cur.execute("SELECT status, count(*) FROM tickets_ticket GROUP BY status ORDER BY 2 DESC")
        spread = ", ".join(f"{s} {c}" for s, c in cur.fetchall())
    log(f"tickets={total} 停水 matches={like} statuses: {spread}")
    FIGURES["tickets_total"] = total
    FIGURES["tingshui_matches"] = like


# ------------------------------------------------------------------------------- measuring


def stats(samples: list[float]) -> dict:
    s = sorted(samples)
    if not s:
        return {"n": 0, "median_ms": float("nan"), "p95_ms": float("nan")}
    return {
        "n": len(s),
        "median_ms": statistics.median(s) * 1000,
        "p95_ms": common.p95(s) * 1000,
        "max_ms": s[-1] * 1000,
    }


def fmt(st: dict, errors: int = 0) -> str:
    text = f"median {st['median_ms']:7.2f} ms  p95 {st['p95_ms']:7.2f} ms  (n={st['n']}"
    return text + (f", {errors} errors)" if errors else ")")


def sample_targets(rng: random.Random, k: int) -> tuple[list[str], list[str]]:
    from kefu.customers.models import CustomerPhone
    from kefu.tickets.models import Ticket

    max_id = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 1
    ids = [rng.randint(1, max_id) for _ in range(k)]
    serials = list(Ticket.objects.filter(id__in=ids).values_list("serial", flat=True))
    rng.shuffle(serials)
    max_phone = CustomerPhone.objects.order_by("-id").values_list("id", flat=True).first() or 1
    pids = [rng.randint(1, max_phone) for _ in range(k)]
    phones = list(CustomerPhone.objects.filter(id__in=pids).values_list("number", flat=True))
    rng.shuffle(phones)
    # One in ten lookups is a number nobody has (an unknown caller).
    phones = [p if i % 10 else "1370000" + f"{i:04d}" for i, p in enumerate(phones)]
    return serials, phones


def intake_payload(rng: random.Random, pool, phones: list[str]) -> dict:
    code = rng.choice(list(PHRASES))
    return {
        "type": code,
        "channel": "phone",
        "content": rng.choice(pool[code]),
        "desired_result": rng.choice(WANTS),
        "contact_name": rng.choice(SURNAMES) + "先生",
        "caller_number": rng.choice(phones),
        "priority": "normal",
    }


def in_process(rng: random.Random, token: str, serials, phones) -> None:
    """Django's test client, one request at a time, no network: the like-for-like figures."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from kefu.customers.selectors import lookup_by_phone
    from kefu.tickets.selectors import recent_tickets_for

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    pool = content_pool(random.Random(7))
    sec = "test client (1 process, sequential)"
    # Intake.
    for _ in range(5):
        client.post(
            "/api/v1/tickets", intake_payload(rng, pool, phones), content_type="application/json"
        )
    ok = 0
    t0 = time.perf_counter()
    lat = []
    while ok < ARGS.tc_intake and time.perf_counter() - t0 < 30:
        t1 = time.perf_counter()
        r = client.post(
            "/api/v1/tickets", intake_payload(rng, pool, phones), content_type="application/json"
        )
        lat.append(time.perf_counter() - t1)
        if r.status_code != 201:
            raise SystemExit(f"intake failed: {r.status_code} {r.content[:300]!r}")
        ok += 1
    rate = ok / (time.perf_counter() - t0)
    record(
        sec,
        "intake POST /api/v1/tickets",
        f"{rate:7.1f} tickets/s  ({fmt(stats(lat))})",
        "≥570/s (10× 57)",
        "tc_intake_per_s",
        round(rate, 1),
    )

    def series(path: str, key: str, label: str, goal: str) -> None:
        for _ in range(5):
            client.get(path)
        s = []
        for _ in range(ARGS.requests):
            t1 = time.perf_counter()
            r = client.get(path)
            s.append(time.perf_counter() - t1)
            assert r.status_code == 200, (path, r.status_code)
        st = stats(s)
        record(sec, label, fmt(st), goal, key, round(st["p95_ms"], 2))

    helpdesk = {"sqlite": (74, 49), "postgres": (103, 89)}[ARGS.db]
    series(
        "/api/v1/tickets",
        "tc_list_p95_ms",
        "list GET /api/v1/tickets",
        f"p95 ≤{helpdesk[0]} ms (10×)",
    )
    series(
        "/api/v1/tickets?q=" + quote("停水"),
        "tc_search_p95_ms",
        "search GET /api/v1/tickets?q=停水",
        f"p95 ≤{helpdesk[1]} ms (10×)",
    )

    # In-process selector time of the caller-ID lookup (no HTTP, no serialization).
    agent = get_user_model().objects.select_related("staff").get(username="agent")
    for name, fn in (
        ("lookup_by_phone()", lambda p: lookup_by_phone(agent, p)),
        (
            "lookup_by_phone() + recent_tickets_for()",
            lambda p: recent_tickets_for(
                agent,
                customer_id=(c[0].id if (c := lookup_by_phone(agent, p)) else None),
                caller_number=p,
            ),
        ),
    ):
        s = []
        for i in range(ARGS.requests):
            p = phones[i % len(phones)]
            t1 = time.perf_counter()
            fn(p)
            s.append(time.perf_counter() - t1)
        st = stats(s)
        key = (
            "selector_lookup_p95_ms"
            if name == "lookup_by_phone()"
            else "selector_lookup_recent_p95_ms"
        )
        record("in-process selector", name, fmt(st), "p95 ≤5 ms", key, round(st["p95_ms"], 2))


def start_server(kind: str, port: int) -> tuple[subprocess.Popen, IO[bytes]]:
    gunicorn = [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    gunicorn += ["--log-level", "warning"]
    if kind == "serve":
        cmd = [common.KEFU, "serve", "--no-worker", "--port", str(port)]
    elif kind == "gunicorn":
        cmd = [*gunicorn, "-k", "uvicorn.workers.UvicornWorker", "kefu.asgi:application"]
    else:  # wsgi: HTTP only, websockets left to `kefu serve` behind the same proxy
        cmd = [*gunicorn, "-k", "gthread", "--threads", "4", "kefu.wsgi:application"]
    log_path = DATA_DIR / f"server-{kind}.log"
    return common.start_server(cmd, ENV, log_path, f"http://127.0.0.1:{port}/login/")


def http_suite(kind: str, token: str, serials, phones, rng: random.Random) -> None:
    import httpx

    port = ARGS.port or common.free_port()
    label = SERVER_LABELS[kind]
    log(f"starting {label} on port {port}")
    proc, logf = start_server(kind, port)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    pool = content_pool(random.Random(11))
    try:
        # Warm each worker (jieba dictionary, first connections).
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            for _ in range(6):
                c.post("/api/v1/tickets", json=intake_payload(rng, pool, phones))
                c.get("/api/v1/tickets")

        # Concurrent intake, bounded by count and time.
        lock = threading.Lock()
        state = {"issued": 0, "ok": 0, "err": 0}
        lat: list[float] = []
        t_start = time.perf_counter()
        deadline = t_start + ARGS.intake_seconds

        def worker(seed: int):
            wrng = random.Random(seed)
            with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                while True:
                    with lock:
                        if state["issued"] >= ARGS.intake_max or time.perf_counter() > deadline:
                            return
                        state["issued"] += 1
                    payload = intake_payload(wrng, pool, phones)
                    t1 = time.perf_counter()
                    try:
                        r = c.post("/api/v1/tickets", json=payload)
                        good = r.status_code == 201
                    except httpx.HTTPError:
                        good = False
                    took = time.perf_counter() - t1
                    with lock:
                        lat.append(took)
                        state["ok" if good else "err"] += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(ARGS.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t_start
        rate = state["ok"] / elapsed
        sec = f"HTTP: {label}"
        key = f"http_{kind}"
        record(
            sec,
            f"intake POST /api/v1/tickets, {ARGS.clients} clients",
            f"{rate:7.1f} tickets/s  ({state['ok']} in {elapsed:.1f}s, "
            f"{state['err']} errors; latency {fmt(stats(lat))})",
            "≥500/s (PG, 1M)",
            f"{key}_intake_per_s",
            round(rate, 1),
        )

        # Sequential latencies, one client.
        with (
            httpx.Client(base_url=base, headers=headers, timeout=30) as api,
            httpx.Client(base_url=base, timeout=30) as web,
            httpx.Client(base_url=base, timeout=30) as dept,
        ):
            for client, username in ((web, "agent"), (dept, "handler")):
                client.get("/login/")
                csrf_token = client.cookies.get("csrftoken")
                r = client.post("/login/", data=common.login_form(csrf_token, username))
                if r.status_code != 302:
                    raise SystemExit(f"login failed ({username}): {r.status_code}")

            def series(client, paths, metric, goal, k):
                for p in paths[:5]:
                    client.get(p)
                s, errors = [], 0
                for i in range(ARGS.requests):
                    p = paths[i % len(paths)]
                    t1 = time.perf_counter()
                    r = client.get(p)
                    s.append(time.perf_counter() - t1)
                    errors += r.status_code != 200
                st = stats(s)
                record(
                    sec, metric, fmt(st, errors), goal, f"{key}_{k}_p95_ms", round(st["p95_ms"], 2)
                )

            q = quote("停水")
            series(api, ["/api/v1/tickets"], "queue API  /api/v1/tickets", "p95 ≤50 ms", "list")
            series(
                api,
                ["/api/v1/tickets?status=dispatched"],
                "queue API  ?status=dispatched",
                "p95 ≤50 ms",
                "list_dispatched",
            )
            series(
                api,
                ["/api/v1/tickets?view=open&department=repair"],
                "queue API  ?view=open&department=repair",
                "p95 ≤50 ms",
                "list_open_repair",
            )
            series(
                api,
                ["/api/v1/tickets?view=open&department=repair&sort=due"],
                "queue API  ?view=open&department=repair&sort=due",
                "p95 ≤50 ms",
                "list_open_repair_due",
            )
            series(api, [f"/api/v1/tickets?q={q}"], "queue API  ?q=停水", "p95 ≤50 ms", "search")
            # The page as an agent opens it: their open work, due soonest first, the due
            # column and the counts per status.
            series(
                web,
                ["/tickets/"],
                "queue HTML /tickets/ (work, by due)",
                "p95 ≤50 ms",
                "html_queue",
            )
            series(
                dept,
                ["/tickets/"],
                "queue HTML /tickets/ as 维修部's handler (work, by due)",
                "p95 ≤50 ms",
                "html_dept_queue",
            )
            series(
                web,
                ["/tickets/?view=open&sort=due"],
                "queue HTML /tickets/?view=open&sort=due",
                "p95 ≤50 ms",
                "html_open_due",
            )
            series(
                web,
                ["/tickets/?view=all&sort=-received"],
                "queue HTML /tickets/?view=all",
                "p95 ≤50 ms",
                "html_all",
            )
            series(
                web,
                [f"/tickets/?q={q}"],
                "queue HTML /tickets/?q=停水",
                "p95 ≤50 ms",
                "html_search",
            )
            series(
                api,
                [f"/api/v1/tickets/{s}" for s in serials],
                "ticket API /api/v1/tickets/{serial}",
                "",
                "detail",
            )
            series(
                web,
                [f"/tickets/{s}/" for s in serials],
                "ticket HTML /tickets/{serial}/",
                "",
                "html_detail",
            )
            series(
                api,
                [f"/api/v1/customers/lookup?phone={p}" for p in phones],
                "caller-ID  /api/v1/customers/lookup",
                "p95 ≤5 ms",
                "lookup",
            )
    finally:
        common.stop_server(proc, logf)


# ------------------------------------------------------------------------------- main


def main() -> None:
    t_begin = time.perf_counter()
    log(f"database {ARGS.db} ({DB_URL}), data dir {DATA_DIR}")
    rng = random.Random(ARGS.seed)
    reuse = False
    if ARGS.reuse:
        django_setup()
        from kefu.tickets.models import Ticket

        try:
            reuse = Ticket.objects.count() >= ARGS.tickets
        except Exception:  # noqa: BLE001 - no schema yet
            reuse = False
        log("reusing the loaded database" if reuse else "nothing to reuse: loading")
        if reuse:  # bring its schema up to this tree's migrations (new indexes are built)
            t0 = time.perf_counter()
            subprocess.run([common.KEFU, "migrate", "-v0"], env=ENV, check=True, cwd=ROOT)
            log(f"kefu migrate: {time.perf_counter() - t0:.1f}s")
    if not reuse:
        fresh_database()
        django_setup()
        from kefu.demo import seed_organization

        seed_organization()
        load(rng)
    check_data()

    from django.contrib.auth import get_user_model
    from django.db import connection

    from kefu.accounts.services import create_api_token

    agent = get_user_model().objects.get(username="agent")
    token, _ = create_api_token(user=agent, name="bench")
    serials, phones = sample_targets(random.Random(ARGS.seed + 1), max(ARGS.requests, 50))

    log("in-process (test client) figures")
    in_process(rng, token, serials, phones)
    connection.close()

    for kind in SERVERS:
        http_suite(kind, token, serials, phones, rng)

    wall = time.perf_counter() - t_begin
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/run.py", *sys.argv[1:]])
    print_table(command, wall)
    if ARGS.json:
        Path(ARGS.json).write_text(
            json.dumps(
                {"command": command, "args": vars(ARGS), "figures": FIGURES},
                indent=2,
                ensure_ascii=False,
            )
        )


def print_table(command: str, wall: float) -> None:
    import platform

    print()
    print("=" * 110)
    print(
        f"Kefu benchmark — {ARGS.db}, {ARGS.tickets:,} tickets, {ARGS.customers:,} customers, "
        f"{ARGS.clients} intake clients, {ARGS.requests} requests/figure"
    )
    print(
        f"host: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, wall time {wall:.0f} s"
    )
    print("=" * 110)
    section = None
    width = max(len(m) for _s, m, _v, _g in RESULTS)
    for s, metric, value, goal in RESULTS:
        if s != section:
            print(f"\n[{s}]")
            section = s
        print(f"  {metric:<{width}}  {value}" + (f"   goal: {goal}" if goal else ""))
    print()
    print("command:")
    print(f"  cd {ROOT} && {command}")
    print()


if __name__ == "__main__":
    main()
