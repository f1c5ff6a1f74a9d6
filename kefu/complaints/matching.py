"""Is it the same matter? Two complaints in different words about one thing (停水, 没水了,
水龙头不出水) must be recognised as one, so collective and repeat complaints are found.

Each text is first put into the center's usual words (没有水, 不出水, 断水 → 停水; see
``SYNONYMS``), then becomes a set of features: its jieba words without the words every
complaint shares (pronouns, particles, 小区, 投诉), plus its character bigrams (which catch
wordings jieba cuts differently). The similarity of two texts is the cosine of their feature
sets.
"""

from __future__ import annotations

import functools
import math
import re

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
    "停水": ("没有水", "没水", "不出水", "断水", "无水", "不来水", "停了水"),
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


# Bigrams made only of such characters carry no meaning either.
_WEAK_CHARS = frozenset("的了是我们你他她在有都也就和还很太啊吧呢吗呀一个这那请小区家楼")


# A complaint's text never changes, and each intake compares itself with the area's recent
# complaints: their features are worked out once per process, not once per comparison.
@functools.lru_cache(maxsize=8192)
def features(text: str) -> frozenset[str]:
    """The words and character bigrams of ``text`` that describe the matter."""
    text = normalize(text)
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
