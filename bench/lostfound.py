#!/usr/bin/env python
"""Kefu lost-and-found benchmark: matching a new found item against the open loss reports,
and a loss report against the found items at the center.

    .venv/bin/python bench/lostfound.py [--reports 100000] [--items 20000] [--runs 300] [--postgres]

Creates a fresh database (SQLite in /tmp/kefu-bench-lostfound, or with --postgres the database
kefu_bench_lostfound on 127.0.0.1), migrates, seeds the demo organization, then bulk-loads
--reports open loss reports (lost over the last 365 days, twelve categories, descriptions and
places varied from a pool with the fixed --seed, their words cut as the service cuts them) and
--items found items still at the center. Then it times, --runs times each, in process:

- ``kefu.frontdesk.matching.reports_for``: a new found item (as just registered, found at a
  random moment of the year) against the open reports — the goal is p95 ≤ 100 ms at 100k;
- ``kefu.frontdesk.matching.items_for``: a loss report against the found items;
- ``register_found_item`` whole (validation, words, serial, insert, timeline, audit).

Prints the median and p95 of each in milliseconds, the candidates scored, and the exact command.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import common

log = common.make_log("lostfound")

COLOURS = ["黑色", "白色", "红色", "蓝色", "灰色", "棕色", "粉色", "绿色", "银色", "金色"]
THINGS = {
    "id_card": ["身份证", "学生证", "驾驶证", "护照"],
    "cash": ["现金", "一叠百元钞票", "零钱"],
    "phone": ["苹果手机", "华为手机", "小米手机", "OPPO手机"],
    "camera": ["佳能相机", "索尼微单", "尼康单反", "运动相机"],
    "keys": ["一串钥匙", "车钥匙", "门禁卡和钥匙"],
    "bag": ["双肩包", "手提包", "帆布袋", "腰包"],
    "wallet": ["皮质钱包", "长款钱包", "卡包"],
    "clothing": ["外套", "围巾", "帽子", "羽绒服"],
    "electronics": ["充电宝", "耳机", "平板电脑", "智能手表"],
    "jewelry": ["项链", "手镯", "戒指", "耳环"],
    "toy": ["毛绒玩具", "玩具车", "积木"],
    "other": ["雨伞", "水杯", "眼镜", "书"],
}
DETAILS = [
    "里面有银行卡",
    "有划痕",
    "挂着小熊挂件",
    "贴了贴纸",
    "装在袋子里",
    "有名字缩写",
    "屏幕碎了",
    "带着保护套",
    "有两张照片",
    "很旧了",
]
PLACES = [
    "游客中心东门",
    "游客中心西门",
    "售票处",
    "一号停车场",
    "二号停车场",
    "观光车站",
    "儿童乐园",
    "餐厅",
    "卫生间旁",
    "湖边长椅",
    "索道下站",
    "索道上站",
    "纪念品商店",
    "检票口",
    "广场喷泉",
    "服务台",
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--reports", type=int, default=100_000)
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--runs", type=int, default=300)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--postgres", action="store_true")
    return p.parse_args()


def ms(samples: list[float]) -> str:
    values = sorted(s * 1000 for s in samples)
    return f"median {values[len(values) // 2]:7.1f} ms   p95 {common.p95(values):7.1f} ms"


def main() -> None:
    args = parse_args()
    data_dir = Path("/tmp/kefu-bench-lostfound")
    url = (
        "postgres://postgres@127.0.0.1:5432/kefu_bench_lostfound"
        if args.postgres
        else common.sqlite_url(data_dir)
    )
    env = common.bench_env(data_dir, url)
    common.fresh_database(env)
    common.setup_django(env)

    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from kefu import demo
    from kefu.frontdesk import matching, services
    from kefu.frontdesk.models import FoundItem, LossReport

    demo.seed_organization()
    agent = get_user_model().objects.get(username="agent")
    rng = random.Random(args.seed)
    now = timezone.now()
    categories = list(THINGS)

    def text(category: str) -> str:
        return f"{rng.choice(COLOURS)}{rng.choice(THINGS[category])},{rng.choice(DETAILS)}"

    words: dict[str, str] = {}

    def cut(value: str) -> str:
        if value not in words:
            words[value] = matching.words_of(value)
        return words[value]

    began = time.perf_counter()
    batch = []
    for n in range(args.reports):
        category = rng.choice(categories)
        description, place = text(category), rng.choice(PLACES)
        lost_at = now - dt.timedelta(seconds=rng.randint(3600, 365 * 86400))
        batch.append(
            LossReport(
                serial=f"BL{n:09d}",
                channel="phone",
                owner_name=f"失主{n}",
                owner_phone=f"138{n:08d}",
                category=category,
                description=description,
                words=cut(description),
                lost_place=place,
                place_words=cut(place),
                lost_at=lost_at,
                created_by=agent,
                created_at=lost_at + dt.timedelta(hours=1),
            )
        )
        if len(batch) == 5000:
            LossReport.objects.bulk_create(batch)
            batch = []
    LossReport.objects.bulk_create(batch)
    batch_items = []
    for n in range(args.items):
        category = rng.choice(categories)
        description, place = text(category), rng.choice(PLACES)
        found_at = now - dt.timedelta(seconds=rng.randint(3600, 365 * 86400))
        batch_items.append(
            FoundItem(
                serial=f"BF{n:09d}",
                source="visitor",
                category=category,
                value_class="ordinary",
                description=description,
                words=cut(description),
                found_place=place,
                place_words=cut(place),
                found_at=found_at,
                finder_name="游客",
                registered_by=agent,
                registered_at=found_at,
            )
        )
    FoundItem.objects.bulk_create(batch_items, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(
        f"loaded {args.reports} reports and {args.items} items in {time.perf_counter() - began:.0f} s"
    )

    forward, backward, register, scored, proposed = [], [], [], [], []
    reports = list(LossReport.objects.order_by("?")[: args.runs])
    for n in range(args.runs):
        category = rng.choice(categories)
        found_at = now - dt.timedelta(seconds=rng.randint(3600, 360 * 86400))
        began = time.perf_counter()
        item = services.register_found_item(
            agent,
            services.FoundItemIn(
                source="visitor",
                category=category,
                description=text(category),
                found_place=rng.choice(PLACES),
                found_at=found_at,
                finder_name="游客",
            ),
        )
        register.append(time.perf_counter() - began)
        began = time.perf_counter()
        found = matching.reports_for(agent, item)
        forward.append(time.perf_counter() - began)
        proposed.append(len(found))
        candidates = LossReport.objects.filter(
            status="open",
            lost_at__gte=item.found_at - matching.WINDOW,
            lost_at__lte=item.found_at + matching.SLACK,
            category__in=[category, "other"] if category != "other" else categories,
        ).count()
        scored.append(min(candidates, matching.CANDIDATES))
        began = time.perf_counter()
        matching.items_for(agent, reports[n % len(reports)])
        backward.append(time.perf_counter() - began)

    print()
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
    print(f"open loss reports: {args.reports}, found items at the center: {args.items}")
    print(f"a new item against the reports (reports_for):  {ms(forward)}")
    print(
        f"  candidates scored: median {sorted(scored)[len(scored) // 2]}, max {max(scored)}; "
        f"proposed: median {sorted(proposed)[len(proposed) // 2]}"
    )
    print(f"a report against the items (items_for):       {ms(backward)}")
    print(f"registering a found item (whole service):     {ms(register)}")
    print(f"command: {common.command_line()}")


if __name__ == "__main__":
    main()
