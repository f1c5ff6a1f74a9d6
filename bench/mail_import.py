#!/usr/bin/env python
"""Kefu mail-import benchmark: 1,000 mails taken from a real IMAP server into tickets.

    .venv/bin/python bench/mail_import.py --db sqlite   [--mails 1000] [--repeat 3]
    .venv/bin/python bench/mail_import.py --db postgres [--mails 1000] [--repeat 3]

Creates a fresh database (SQLite in /tmp/kefu-bench-mail-sqlite, or DROP/CREATE of
postgres://postgres@127.0.0.1:5432/kefu_bench_mail), migrates, seeds the demo organization,
starts Debian's dovecot with the tests' configuration (tests/mail/conftest.py) on a free port,
and generates --mails mixed mails with a fixed --seed: GB2312/GBK (base64), GB18030 (8bit),
UTF-8 (base64 and quoted-printable), HTML-only, Outlook/Foxmail/NetEase replies with quoted
history, one in five with 1-3 attachments (20-200 KB), one in ten answering an earlier mail
(In-Reply-To), one in twenty an auto-reply. They are APPENDed to a new folder of a mailbox,
then one `kefu.mail.services.poll_mailbox` takes them all (parse, ticket or message, files,
acknowledgement queued). Each repeat uses a new folder and new Message-IDs on the same
database. Prints per run: mails/s of the poll, the parse-only rate, the process's peak RSS
(ru_maxrss) before and after the poll, and with --tracemalloc the Python heap's peak during
the poll (slower); then the medians and the exact command. Before the runs, the process is
warmed up as a worker that has run a while (triage's starter model trained, URLs resolved).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import email.policy
import os
import quopri
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from email.message import EmailMessage
from pathlib import Path

import common


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kefu_bench_mail")
    p.add_argument("--mails", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--tracemalloc", action="store_true", help="Python heap peak (slower)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--profile", default="", help="write a cProfile of the poll to this file")
    return p.parse_args()


ARGS = parse_args()
DATA_DIR = Path(f"/tmp/kefu-bench-mail-{ARGS.db}")
DB_URL = ARGS.pg_url if ARGS.db == "postgres" else common.sqlite_url(DATA_DIR)
ENV = common.bench_env(DATA_DIR, DB_URL, log_level="ERROR")

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰"]
PLACES = ["阳光花园", "南山海岸城", "朱镕基路", "𠮷祥小区", "滨江新村", "翠湖苑", "龙华新区"]
TROUBLES = [
    "从昨天开始停水,请尽快派人检修。",
    "水压很低,高层用不上水。",
    "水表读数不对,账单金额明显偏高。",
    "自来水发黄,有异味。",
    "小区门口的水管爆裂,路面积水严重。",
    "申请开具上个月的水费发票。",
    "想办理过户手续,需要准备什么材料?",
]


log = common.make_log("mail")


def start_dovecot() -> tuple[subprocess.Popen, int, Path]:
    from tests.mail.conftest import dovecot_config

    root = Path(tempfile.mkdtemp(prefix="kefu-bench-dovecot-"))
    os.chmod(root, 0o755)
    port = common.free_port()
    (root / "dovecot.conf").write_text(dovecot_config(root, port))
    process = subprocess.Popen(
        ["/usr/sbin/dovecot", "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    common.wait_for_port(process, port, 15, f"dovecot did not start; see {root}/dovecot.log")
    return process, port, root


def b64(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def word(text: str, charset: str) -> str:
    codec = "gb18030" if charset in ("gb2312", "gbk") else charset
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def generate(rng: random.Random, count: int, run: int) -> list[bytes]:
    """``count`` mixed mails; Message-IDs unique to the run."""
    senders = [
        (
            rng.choice(SURNAMES) + rng.choice(GIVEN),
            f"c{i:04}@{rng.choice(['qq.com', '163.com', 'example.com', 'outlook.com'])}",
        )
        for i in range(max(10, count // 3))
    ]
    mails: list[bytes] = []
    ids: list[tuple[str, str]] = []  # (message-id, sender address)
    for i in range(count):
        name, address = rng.choice(senders)
        mid = f"<r{run}-m{i}@bench.example.com>"
        text = f"{rng.choice(PLACES)}{rng.randint(1, 30)}栋:{rng.choice(TROUBLES)}联系电话 1{rng.randint(3000000000, 9999999999)}"
        subject = text[:18]
        kind = rng.random()
        headers = [
            f"Message-ID: {mid}",
            "To: service@water.example.com",
            "Date: " + email.utils.format_datetime(email.utils.localtime()),
            "MIME-Version: 1.0",
        ]
        if rng.random() < 0.1 and ids:
            answered, address = rng.choice(ids)
            headers += [f"In-Reply-To: {answered}", f"References: {answered}"]
            subject = "回复: " + subject
        if rng.random() < 0.05:
            headers += ["Auto-Submitted: auto-replied"]
            subject = "自动回复: " + subject
        ids.append((mid, address))
        if rng.random() < 0.2:  # attachments, UTF-8
            msg = EmailMessage()
            msg["From"] = f"{name} <{address}>"
            msg["Subject"] = subject
            for line in headers:
                key, value = line.split(": ", 1)
                if key not in ("MIME-Version",):
                    msg[key] = value
            msg.set_content(text + "\n\n发自我的iPhone\n")
            for n in range(rng.randint(1, 3)):
                size = rng.randint(20_000, 200_000)
                msg.add_attachment(
                    rng.randbytes(size),
                    maintype="image",
                    subtype="jpeg",
                    filename=f"现场照片{n + 1}.jpg",
                )
            mails.append(msg.as_bytes(policy=email.policy.SMTP))
            continue
        if kind < 0.3:  # GB2312/GBK, Outlook reply quoting
            charset = rng.choice(["gb2312", "gbk"])
            body = (
                text
                + "\r\n\r\n-----原始邮件-----\r\n发件人: 阳光水务客服 <service@water.example.com>\r\n发送时间: 2026年12月1日 11:00\r\n收件人: "
                + name
                + "\r\n主题: 已受理\r\n\r\n您好,已受理。\r\n"
            )
            part = f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64(body.encode('gb18030'))}"
            sender, subj = f"{word(name, charset)} <{address}>", word(subject, charset)
        elif kind < 0.4:  # GB18030 8bit, Foxmail quoting
            body = (
                text
                + '\r\n\r\n------------------ 原始邮件 ------------------\r\n发件人: "客服"<service@water.example.com>;\r\n发送时间: 2026年12月1日\r\n\r\n旧内容\r\n'
            )
            part = "Content-Type: text/plain; charset=gb18030\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            mails.append(
                (
                    "\r\n".join(
                        [
                            f"From: {word(name, 'gb18030')} <{address}>",
                            f"Subject: {word(subject, 'gb18030')}",
                            *headers,
                        ]
                    )
                    + "\r\n"
                ).encode()
                + part.encode()
                + body.encode("gb18030")
            )
            continue
        elif kind < 0.6:  # UTF-8 base64, NetEase quoting
            body = (
                text
                + '\r\n\r\n在 2026-12-01 10:00:00,"客服" <service@water.example.com> 写道:\r\n>旧内容\r\n'
            )
            part = f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64(body.encode())}"
            sender, subj = f"{word(name, 'utf-8')} <{address}>", word(subject, "utf-8")
        elif kind < 0.8:  # UTF-8 quoted-printable, Gmail quoting
            body = (
                text
                + "\r\n\r\nOn Tue, Dec 1, 2026 at 10:00 AM 客服 <service@water.example.com> wrote:\r\n> 旧内容\r\n"
            )
            qp = quopri.encodestring(body.encode()).decode()
            part = f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{qp}"
            sender, subj = f"{word(name, 'utf-8')} <{address}>", word(subject, "utf-8")
        else:  # HTML only
            html = f"<html><body><div>{text}</div><div><br></div><div>来自网易邮箱大师</div><script>alert(1)</script></body></html>"
            part = f"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64(html.encode())}"
            sender, subj = f"{word(name, 'utf-8')} <{address}>", word(subject, "utf-8")
        mails.append(
            ("\r\n".join([f"From: {sender}", f"Subject: {subj}", *headers, part]) + "\r\n").encode()
        )
    return mails


def main() -> None:
    command = common.command_line()
    rng = random.Random(ARGS.seed)
    common.fresh_database(ENV)
    common.setup_django(ENV)
    from django.urls import reverse
    from imap_tools import MailBoxUnencrypted

    from kefu.demo import seed_organization
    from kefu.mail import services
    from kefu.mail.models import Mailbox
    from kefu.mail.parsing import parse
    from kefu.triage import services as triage

    seed_organization()
    # Warm-up, as in a worker that has run a while: triage's starter model is trained once per
    # process on its first intake (~10 s, sklearn), the URL resolver filled on first reverse().
    t0 = time.perf_counter()
    triage.current_model()
    reverse("workbench")
    log(f"warm-up (triage model, URLs) {time.perf_counter() - t0:.1f}s")
    process, port, root = start_dovecot()
    rows = []
    try:
        for run in range(1, ARGS.repeat + 1):
            mails = generate(rng, ARGS.mails, run)
            total_mb = sum(len(m) for m in mails) / 1048576
            folder = f"bench{run}"
            t0 = time.perf_counter()
            with MailBoxUnencrypted("127.0.0.1", port).login("kefu", "imap-secret") as client:
                client.folder.create(folder)
                for raw in mails:
                    client.append(raw, folder)
            append_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            limits = services.limits_of(Mailbox(max_mail_mb=15, max_attachments=20))
            for raw in mails:
                parse(raw, limits=limits)
            parse_rate = len(mails) / (time.perf_counter() - t0)
            box = Mailbox.objects.create(
                name=f"bench {run}",
                address="service@water.example.com",
                imap_host="127.0.0.1",
                imap_port=port,
                use_ssl=False,
                username="kefu",
                password="imap-secret",
                folder=folder,
            )
            del mails
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if ARGS.tracemalloc:
                tracemalloc.start()
            profiler = cProfile.Profile() if ARGS.profile else None
            t0 = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            result = services.poll_mailbox(box.pk)
            poll_s = time.perf_counter() - t0
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(ARGS.profile)
            heap = ""
            if ARGS.tracemalloc:
                heap = f", Python heap peak {tracemalloc.get_traced_memory()[1] / 1048576:.1f} MB"
                tracemalloc.stop()
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rate = result.fetched / poll_s
            rows.append((rate, parse_rate, rss_after))
            log(
                f"run {run}: {result.fetched} mails ({total_mb:.1f} MB; appended in {append_s:.1f}s): "
                f"{result.created} tickets, {result.joined} joined, {result.quarantined} quarantined, "
                f"error={result.error or '-'}"
            )
            log(
                f"run {run}: poll {poll_s:.1f}s = {rate:.1f} mails/s; parse only {parse_rate:.0f} mails/s; "
                f"peak RSS {rss_before:.0f} MB before, {rss_after:.0f} MB after{heap}"
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
    if len(rows) > 1:
        log(
            f"median of {len(rows)}: {statistics.median(r[0] for r in rows):.1f} mails/s, parse only "
            f"{statistics.median(r[1] for r in rows):.0f} mails/s, peak RSS {max(r[2] for r in rows):.0f} MB"
        )
    log(f"command: {command}")


if __name__ == "__main__":
    main()
