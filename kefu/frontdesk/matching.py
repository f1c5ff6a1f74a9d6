"""Matching found items and loss reports, both ways.

A found item proposes the open loss reports it may answer, a loss report the found items still
at the center — scored by category, time, place and description. To stay fast against a
hundred thousand open reports (bench/lostfound.py) the database chooses a bounded set of
candidates first (same category or 其他, lost in the window before the find, the viewer's
branch: the ``loss_match`` / ``found_match`` indexes), and only those are scored, on words cut
once when each row was written (``words``, ``place_words``): nothing is cut while scoring.

The score (0–1): 0.4 description similarity (cosine of the two word sets:
kefu.complaints.matching.similarity), 0.2 place similarity, 0.2 time (1 when found the moment
it was lost, 0 at the window's end), 0.2 category (1 the same, 0.5 when one side is 其他).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kefu.complaints.matching import similarity
from kefu.core.actor import Actor
from kefu.frontdesk import access
from kefu.frontdesk.models import Category, FoundItem, LossReport
from kefu.tickets.search import tokenize_for_index

# Things are found after they are lost: a report counts for finds up to WINDOW after the loss,
# and SLACK before it (the owner guessed the time).
WINDOW = dt.timedelta(days=7)
SLACK = dt.timedelta(hours=2)
CANDIDATES = 400  # scored at most, the most recent first
SHOWN = 10
MIN_SCORE = 0.3

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "在",
        "有",
        "一个",
        "个",
        "和",
        "与",
        "及",
        "也",
        "还",
        "很",
        "里",
        "内",
        "上",
        "下",
        "左右",
        "大概",
        "可能",
        "好像",
        "时候",
        "丢",
        "丢了",
        "掉",
        "掉了",
        "遗失",
        "丢失",
        "捡到",
        "拾到",
        "拾获",
        "东西",
        "物品",
    ]
)


def words_of(text: str) -> str:
    """The words ``text`` is matched by, stored with the row: jieba's words (without the
    words every description shares) and the character bigrams of its Chinese runs (which
    catch wordings jieba cuts differently: 黑色钱包 / 黑钱包)."""
    text = (text or "").lower()
    words = [w for w in tokenize_for_index(text).split() if w not in _STOPWORDS]
    for run in _HAN.findall(text):
        words.extend("^" + run[i : i + 2] for i in range(len(run) - 1))
    return " ".join(dict.fromkeys(words))


@dataclass(frozen=True)
class Match:
    score: float
    description: float
    place: float
    time: float
    category: float
    item: FoundItem
    report: LossReport


def score(item: FoundItem, report: LossReport) -> Match:
    gap = item.found_at - report.lost_at
    time_score = 0.0 if gap < -SLACK or gap > WINDOW else 1.0 - max(gap, dt.timedelta(0)) / WINDOW
    category = 1.0 if item.category == report.category else 0.5
    description = similarity(frozenset(item.words.split()), frozenset(report.words.split()))
    place = similarity(frozenset(item.place_words.split()), frozenset(report.place_words.split()))
    total = 0.4 * description + 0.2 * place + 0.2 * time_score + 0.2 * category
    return Match(round(total, 3), description, place, time_score, category, item, report)


def _categories(category: str) -> list[str] | None:
    """The categories a row of ``category`` is compared with; None: any (其他 may be anything)."""
    return None if category == Category.OTHER else [category, Category.OTHER]


def _best(matches: list[Match], limit: int) -> list[Match]:
    kept = [m for m in matches if m.score >= MIN_SCORE]
    kept.sort(key=lambda m: (-m.score, -m.report.lost_at.timestamp()))
    return kept[:limit]


MATCH_FIELDS = ("words", "place_words", "category", "status", "branch_id")


def reports_for(actor: Actor | None, item: FoundItem, *, limit: int = SHOWN) -> list[Match]:
    """The open loss reports ``item`` may answer, best first (at most ``limit``)."""
    rows = access.visible_reports(actor).filter(
        status=LossReport.Status.OPEN,
        lost_at__gte=item.found_at - WINDOW,
        lost_at__lte=item.found_at + SLACK,
    )
    categories = _categories(item.category)
    if categories is not None:
        rows = rows.filter(category__in=categories)
    if item.branch_id is not None:
        rows = rows.filter(branch_id=item.branch_id)
    candidates = rows.order_by("-lost_at").only(
        "serial",
        "lost_at",
        "lost_place",
        "description",
        "owner_name",
        "owner_phone",
        "channel",
        *MATCH_FIELDS,
    )[:CANDIDATES]
    return _best([score(item, report) for report in candidates], limit)


def items_for(actor: Actor | None, report: LossReport, *, limit: int = SHOWN) -> list[Match]:
    """The found items still at the center that may be ``report``'s, best first."""
    rows = access.visible_items(actor).filter(
        status__in=FoundItem.OPEN_STATUSES,
        report__isnull=True,
        found_at__gte=report.lost_at - SLACK,
        found_at__lte=report.lost_at + WINDOW,
    )
    categories = _categories(report.category)
    if categories is not None:
        rows = rows.filter(category__in=categories)
    if report.branch_id is not None:
        rows = rows.filter(branch_id=report.branch_id)
    candidates = rows.order_by("found_at")[:CANDIDATES]
    return _best([score(item, report) for item in candidates], limit)
