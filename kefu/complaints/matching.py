"""Is it the same matter? Two complaints in different words about one thing (停水, 没水了,
小区全停了吧?马桶都冲不了) must be recognised as one, so collective and repeat complaints are
found; two complaints from one 小区 about different things (停水 and 水费) must not.

What a complaint is about comes first from its triage (``kefu.triage``): the matter the agent
confirmed or the model is sure of. Two complaints whose matters are known and differ are not
the same matter, however many words they share; two with the same matter are. Where a matter
is unsure or unknown, their words decide: each text is put into the center's usual words
(没有水, 不出水, 断水 → 停水; see ``SYNONYMS``), the places are taken out (the area's name,
小区, 村 and street names, building and room numbers: everyone in an outage names them, and they
say nothing about the matter), and what remains becomes a set of features: its jieba words
without the words every complaint shares (pronouns, particles, 投诉), plus its character
bigrams (which catch wordings jieba cuts differently). The similarity of two texts is the
cosine of their feature sets.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import jieba.posseg

from kefu.tickets.search import tokenize_for_index

_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")
# Words that say nothing about the matter: pronouns, particles, complaint boilerplate.
_STOPWORDS_TEXT = (
    "的 了 是 我 我们 你 你们 他 她 在 有 没 都 也 就 和 与 及 又 还 很 太 啊 吧 呢 吗 呀 "
    "一直 已经 现在 今天 昨天 什么 怎么 为什么 请 请问 希望 尽快 投诉 反映 要求 问题 情况 "
    "处理 一下 这个 那个 这里 那里 家里 一 个 把 被 给 让 说 到 从 对 不 没有 "
    "小区 片区 楼 整栋 单元 家 邻居 住户 居民 开始 早上 晚上 上午 下午"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split(" "))
# Many wordings of one matter, each mapped to the word the center uses for it.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "停水": (
        "没有水",
        "没水",
        "不出水",
        "断水",
        "无水",
        "不来水",
        "停了水",
        "全停了",
        "冲不了",
        "一滴水",
        "一滴都没有",
    ),
    "水压低": ("水压不足", "水压很低", "水压小", "水很小", "水流小", "上不去水", "用不上水"),
    "水质差": ("发黄", "浑浊", "有异味", "有味道", "异味", "水黄", "水质"),
    "漏水": ("爆管", "爆裂", "滴漏", "渗水", "冒水", "跑水"),
    "态度差": ("态度恶劣", "态度不好", "态度很差", "骂人", "不耐烦", "服务差"),
    "收费高": ("水费高", "水费异常", "金额异常", "账单异常", "多收费", "乱收费", "偏高"),
    "迟到": ("没按时", "不按时", "迟迟不来", "一直没来", "还没来"),
}
_SYNONYM_PATTERN = re.compile(
    "|".join(sorted((v for vs in SYNONYMS.values() for v in vs), key=len, reverse=True))
)
_CANONICAL = {variant: word for word, variants in SYNONYMS.items() for variant in variants}


def normalize(text: str) -> str:
    """``text`` in the center's usual words for a matter."""
    return _SYNONYM_PATTERN.sub(lambda m: _CANONICAL[m.group(0)], (text or "").lower())


# A word naming a kind of place ends a place name: the words before it are the name.
_PLACE_WORDS_TEXT = (
    "小区 花园 家园 新村 新城 公寓 大厦 大院 广场 社区 街道 片区 园区 村 镇 乡 县 区 街 路 "
    "巷 弄 胡同 苑 里 园 庄 湾 府 城 期 号院"
)
PLACE_WORDS = frozenset(_PLACE_WORDS_TEXT.split(" "))
# What jieba tags as a place or a person's name, and the kinds of word a place name is made of.
_NAME_FLAGS = ("ns", "nr", "nt")
_NAME_PART_FLAGS = ("n", "a", "f", "m", "j", "b", "vn", "zg")
_NUMBERED = re.compile(
    r"[0-9一二三四五六七八九十百零两]+\s*(?:号楼|栋|幢|座|单元|楼|层|室|号|户|期|组|排)"
)


def without_places(text: str, places: tuple[str, ...] = ()) -> str:
    """``text`` without the places it names: ``places`` (the area's names), building and room
    numbers, and the names jieba finds before a place word (幸福里小区, 东湖村, 建设街)."""
    for place in sorted(places, key=len, reverse=True):
        if place:
            text = text.replace(place, " ")
    text = _NUMBERED.sub(" ", text)
    pairs = [(p.word, p.flag) for p in jieba.posseg.cut(text)]
    drop = set()
    for i, (word, flag) in enumerate(pairs):
        if flag.startswith(_NAME_FLAGS):
            drop.add(i)
        elif word in PLACE_WORDS or (len(word) > 2 and word[-2:] in PLACE_WORDS):
            drop.add(i)
            j = i - 1
            while j >= 0 and i - j <= 2 and pairs[j][1].startswith(_NAME_PART_FLAGS):
                drop.add(j)
                j -= 1
    return "".join(" " if i in drop else word for i, (word, _flag) in enumerate(pairs))


# Bigrams made only of such characters carry no meaning either.
_WEAK_CHARS = frozenset("的了是我们你他她在有都也就和还很太啊吧呢吗呀一个这那请小区家楼")


# A complaint's text never changes, and each intake compares itself with the area's recent
# complaints: their features are worked out once per process, not once per comparison.
@functools.lru_cache(maxsize=8192)
def features(text: str, places: tuple[str, ...] = ()) -> frozenset[str]:
    """The words and character bigrams of ``text`` that describe the matter, its places left
    out (``places``: the names of the complaint's area)."""
    text = without_places(normalize(text), tuple(normalize(p) for p in places))
    words = {w for w in tokenize_for_index(text).split() if w not in STOPWORDS}
    bigrams = set()
    for run in _HAN_OR_WORD.findall(text):
        for i in range(len(run) - 1):
            pair = run[i : i + 2]
            if not (pair[0] in _WEAK_CHARS or pair[1] in _WEAK_CHARS):
                bigrams.add("^" + pair)
    return frozenset(words | bigrams)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of two feature sets: 1.0 the same, 0.0 nothing in common."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


OTHER = "other"


@dataclass(frozen=True)
class Subject:
    """What a complaint is about, as matching compares it: its matter (``sure`` when the agent
    confirmed it or the triage was confident) and its features."""

    matter: str
    sure: bool
    features: frozenset[str]


def same_matter(a: Subject, b: Subject, threshold: float) -> bool:
    """Known matters decide: the same matter is the same, different ones are different unless
    both are unsure guesses. Where a matter is unknown (or "other"), or both guesses are
    unsure and differ, the words decide, places left out."""
    if a.matter and b.matter and OTHER not in (a.matter, b.matter):
        if a.matter == b.matter:
            return True
        if a.sure or b.sure:
            return False
    return similarity(a.features, b.features) >= threshold
