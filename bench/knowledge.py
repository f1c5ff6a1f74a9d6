#!/usr/bin/env python
"""Kefu knowledge-search benchmark: agents' queries against a large knowledge base.

    .venv/bin/python bench/knowledge.py --db sqlite   [--articles 100000] [--rounds 20]
    .venv/bin/python bench/knowledge.py --db postgres [--articles 100000]

Creates a fresh database (SQLite in /tmp/kefu-bench-kb-sqlite, or DROP/CREATE of
postgres://postgres@127.0.0.1:5432/kefu_bench_kb), migrates, and loads N live articles written
from water-utility and logistics words (each in about one article in ten) among words of
jieba's dictionary drawn by their frequency, with the fixed --seed. Then runs the query mix below (whole
words, synonyms, several words, near misses, pinyin initials, a homophone typo, a word found
nowhere) --rounds times through kefu.knowledge.selectors.search_articles in this process, the
first page of 10 with its count, highlights included, and prints the median and p95 per query
and over all. Run both databases on one machine and compare.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_DOMAIN_WORDS = (
    "停水 水费 水表 缴费 发票 水压 水质 发黄 漏水 爆管 阶梯 水价 过户 开户 销户 抄表 违约金 营业厅 微信 支付宝 银行 代扣 自助 终端 公告 通知 恢复 供水 二次 "
    "加压 泵房 管道 维修 抢修 施工 道路 小区 用户 客户 热线 投诉 回访 时限 工作日 办理 材料 身份证 房产证 合同 押金 退款 快递 快件 包裹 取件 寄件 派送 签收 "
    "运费 保价 理赔 破损 丢失 改派 地址 代收 货款 到付 冷链 国际 禁寄 物品 时效 网点 快递员 电话 短信 预约 上门 时间 标准 规定 流程 说明 注意 事项 常见 问题 "
    "处理 方法 查询 方式 渠道 价格 费用 计算 规则"
)
WORDS = _DOMAIN_WORDS.split()
# A body's words: this share from the domain words above (each then in about one article in
# ten), the rest drawn from jieba's dictionary by its word frequencies (a natural spread).
DOMAIN_SHARE = 0.2
QUERIES = [
    "停水",
    "没水了怎么办",
    "水费 发票",
    "阶梯水价标准",
    "快递 理赔 时效",
    "包裹破损怎么赔",
    "tsh",
    "停谁",
    "过户需要什么材料",
    "冷链 国际 禁寄 物品",
    "停水 赔偿标准",
    "火星探测",
    # what the workbench's 知识推荐 panel sends: the request as the agent types it
    "客户来电反映小区停水三天了家里老人没法做饭问什么时候恢复供水",
    "快递显示已签收但是本人没有收到包裹要求理赔",
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kefu_bench_kb")
    p.add_argument("--data-dir", default="/tmp/kefu-bench-kb-sqlite")
    p.add_argument("--articles", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    return p.parse_args()


def general_vocabulary(size: int = 30000) -> tuple[list[str], list[int]]:
    """The ``size`` commonest Chinese words of jieba's dictionary, with their frequencies."""
    import jieba

    rows = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as words:
        for line in words:
            word, freq, *_ = line.split()
            if len(word) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                rows.append((int(freq), word))
    rows.sort(reverse=True)
    return [w for _, w in rows[:size]], [f for f, _ in rows[:size]]


def fresh_database(args) -> None:
    if args.db == "postgres":
        import psycopg

        base, _, name = args.pg_url.rpartition("/")
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        db = Path(args.data_dir) / "kefu.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)


def load(count: int, seed: int) -> None:
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from kefu.knowledge.models import Article, ArticleVersion
    from kefu.knowledge.search import pinyin_words

    rng = random.Random(seed)
    general, weights = general_vocabulary()
    cumulative = list(itertools.accumulate(weights))
    now = timezone.now()
    batch = 2000
    for start in range(0, count, batch):
        articles = []
        for index in range(start, min(start + batch, count)):
            title_words = rng.sample(WORDS, rng.randint(1, 2)) + rng.choices(
                general, cum_weights=cumulative, k=rng.randint(1, 2)
            )
            rng.shuffle(title_words)
            body_words = [
                rng.choice(WORDS) if rng.random() < DOMAIN_SHARE else word
                for word in rng.choices(general, cum_weights=cumulative, k=rng.randint(40, 120))
            ]
            title, body = "".join(title_words), "".join(body_words)
            articles.append(
                Article(
                    title=title[:100],
                    body=body,
                    state="published",
                    version_count=1,
                    search_title=" ".join(title_words),
                    search_body=" ".join(body_words),
                    search_pinyin=pinyin_words(title),
                    updated_at=now - dt.timedelta(minutes=index),
                )
            )
        with transaction.atomic():
            made = Article.objects.bulk_create(articles)
            versions = ArticleVersion.objects.bulk_create(
                ArticleVersion(
                    article=a,
                    number=1,
                    kind=a.kind,
                    audience=a.audience,
                    title=a.title,
                    body=a.body,
                    status="published",
                )
                for a in made
            )
            for article, version in zip(made, versions, strict=True):
                article.live_version = version
            Article.objects.bulk_update(made, ["live_version"])
        print(f"  loaded {min(start + batch, count)} articles", end="\r", flush=True)
    print()


def main() -> None:
    args = parse_args()
    data = Path(args.data_dir if args.db == "sqlite" else "/tmp/kefu-bench-kb-pg")
    data.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        KEFU_DATA_DIR=str(data),
        DATABASE_URL=args.pg_url if args.db == "postgres" else f"sqlite:///{data / 'kefu.sqlite3'}",
        KEFU_SECRET_KEY="kefu-bench-secret-key-not-for-production",
        KEFU_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="kefu.settings",
    )
    os.environ.pop("REDIS_URL", None)
    if not args.reuse:
        fresh_database(args)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from kefu.demo import seed_organization
    from kefu.knowledge.models import Article
    from kefu.knowledge.selectors import search_articles

    call_command("migrate", verbosity=0)
    seed_organization()
    if not Article.objects.exists():
        started = time.perf_counter()
        load(args.articles, args.seed)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE knowledge_article")
        print(f"load: {time.perf_counter() - started:.1f} s")
    agent = get_user_model().objects.get(username="agent")
    total = Article.objects.count()
    for query in QUERIES:  # warm: jieba, the synonyms, the page cache
        search_articles(agent, query)
    per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
    found: dict[str, tuple[int, str]] = {}
    for _ in range(args.rounds):
        for query in QUERIES:
            started = time.perf_counter()
            results = search_articles(agent, query)
            per_query[query].append((time.perf_counter() - started) * 1000)
            found[query] = (results.page.count, results.match)
    print(f"\nknowledge search, {args.db}, {total} articles, {args.rounds} rounds, in process")
    print(f"{'query':<24}{'found':>8}  {'match':<8}{'median ms':>10}{'p95 ms':>10}")
    every: list[float] = []
    for query, times in per_query.items():
        every.extend(times)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        count, match = found[query]
        print(
            f"{query:<24}{count:>8}  {match or '-':<8}{statistics.median(times):>10.1f}{p95:>10.1f}"
        )
    every.sort()
    print(
        f"{'all':<24}{'':>8}  {'':<8}{statistics.median(every):>10.1f}"
        f"{every[int(len(every) * 0.95) - 1]:>10.1f}"
    )
    print("\ncommand: .venv/bin/python bench/knowledge.py " + shlex.join(sys.argv[1:]))


if __name__ == "__main__":
    main()
