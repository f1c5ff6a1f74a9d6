#!/usr/bin/env python
"""Kefu triage benchmark: the time to triage one request in process, the time to train on a
center's confirmed tickets, and the accuracy on the shipped test split.

    .venv/bin/python bench/triage.py [--tickets 100000] [--requests 360] [--rounds 5]

1. Trains on the starter corpus (as a center's first model) and prints its accuracy on
   kefu/triage/corpus/test-split.jsonl, which no training reads.
2. Times ``kefu.triage.learn.Triager.predict`` — one request at a time, as the workbench and
   ``POST /api/v1/triage`` ask — over every request of the test split, --rounds times: median
   and p95 in milliseconds. (The center's matter keywords add a dictionary scan on top;
   ``kefu.core.phrases``, well under a millisecond.)
3. Builds --tickets confirmed tickets from the starter corpus, each text varied the way real
   tickets differ (a building and room number, a date, an order or account number, the
   caller's own words around it, with the fixed --seed), with a department for each, and
   times one training on them plus the starter corpus.

No database: the model is plain data in, plain data out.
"""

from __future__ import annotations

import argparse
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kefu.triage.learn import Example, fit, score  # noqa: E402

CORPUS = ROOT / "kefu" / "triage" / "corpus"
_OPENINGS = [
    "客户来电反映:",
    "来电称",
    "你好,",
    "喂,",
    "请问",
    "麻烦问下,",
    "我想反映一下,",
    "您好,",
]
_CLOSINGS = ["谢谢", "麻烦尽快处理", "急", "等回复", "请回电", "辛苦了", "希望尽快解决", "好吗"]
_DEPARTMENTS = ["repair", "billing", "service", "lab", "logistics", "store", "network"]


def _read(name: str) -> list[Example]:
    import json

    rows = []
    for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            row.pop("industry", None)
            rows.append(Example(**row))
    return rows


def _starter() -> list[Example]:
    return [e for path in sorted(CORPUS.glob("starter-*.jsonl")) for e in _read(path.name)]


def _tickets(n: int, seed: int) -> list[Example]:
    rng = random.Random(seed)
    base = _starter()
    department = {m: rng.choice(_DEPARTMENTS) for m in sorted({e.matter or "" for e in base})}
    out = []
    for i in range(n):
        e = base[i % len(base)]
        text = (
            f"{rng.choice(_OPENINGS)}{e.text} {rng.randint(1, 40)}栋{rng.randint(1, 6)}单元"
            f"{rng.randint(101, 2808)},单号{rng.randint(10**9, 10**10)},"
            f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日,{rng.choice(_CLOSINGS)}"
        )
        out.append(
            Example(
                text=text,
                channel=e.channel,
                type=e.type,
                urgent=e.urgent,
                sentiment=e.sentiment,
                complaint_class=e.complaint_class,
                department=department[e.matter or ""],
                matter=e.matter,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=360)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print("$ .venv/bin/python bench/triage.py " + shlex.join(sys.argv[1:]))

    starter = _starter()
    split = _read("test-split.jsonl")
    started = time.perf_counter()
    model = fit(starter, seed=args.seed)
    print(
        f"starter model: {len(starter)} requests, trained in {time.perf_counter() - started:.1f} s"
    )
    print(f"accuracy on the test split ({len(split)} requests, never trained on):")
    for name, value in score(model, split).items():
        print(f"  {name:18} {value:.1%}")

    requests = [(e.text, e.channel) for e in split[: args.requests]]
    model.predict(*requests[0])  # jieba's dictionary loads once per process
    times = []
    for _ in range(args.rounds):
        for text, channel in requests:
            t = time.perf_counter()
            model.predict(text, channel)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"triage one request: median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms "
        f"({len(times)} requests)"
    )

    if args.tickets:
        tickets = _tickets(args.tickets, args.seed)
        started = time.perf_counter()
        big = fit([*starter, *tickets], seed=args.seed)
        took = time.perf_counter() - started
        print(
            f"training on {len(tickets):,} confirmed tickets + the starter corpus: {took:.1f} s "
            f"({len(big.dump()) / 1e6:.1f} MB model)"
        )


if __name__ == "__main__":
    main()
