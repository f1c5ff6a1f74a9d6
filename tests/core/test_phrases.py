"""Forbidden phrases (服务禁语): found however the agent spaces, punctuates, widens or cases them,
not found inside the longer words a center allows, and marked where the agent typed them."""

from __future__ import annotations

import html
import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.core.phrases import Hit, Phrase, PhraseList, normalize

PHRASES = [
    Phrase("这是公司的规定", "我帮您看看还有什么办法"),
    Phrase("我不知道", "我帮您查一下"),
    Phrase("不知道", "我帮您确认一下", allowed=("您不知道",)),
    Phrase("不可能", "我尽量帮您争取"),
    Phrase("这不是我的工作", "我帮您转给负责的同事"),
    Phrase("我办不了", "我帮您转给能办的同事"),
    Phrase("没办法", "我们一起想想办法"),
    Phrase("你没看见我忙着吗", "请您稍等，我马上来"),
    Phrase("喂", "您好", allowed=("喂养", "喂奶", "喂食")),
    Phrase("NO WAY", "Let me see what I can do"),
    Phrase("100%保证", "我们会尽力"),
]
LIST = PhraseList(PHRASES)
BY_TEXT = {phrase.text: phrase for phrase in PHRASES}


def only_hit(text: str) -> Hit:
    hits = LIST.find(text)
    assert len(hits) == 1, hits
    return hits[0]


@pytest.mark.parametrize(
    ("text", "expected", "index"),
    [
        ("", "", []),
        ("我 不", "我不", [0, 2]),
        ("ＮＯ　ＷＡＹ", "noway", [0, 1, 3, 4, 5]),
        ("a\u200bB", "ab", [0, 2]),
        ("１００％", "100", [0, 1, 2]),
        ("e\u0301x", "éx", [0, 2]),  # a combining accent composes with its letter
        ("不\u0336知", "不知", [0, 2]),  # one that does not is dropped
        ("Straße", "strasse", [0, 1, 2, 3, 4, 4, 5]),  # ß gives two, both from index 4
        ("沒辦法", "没办法", [0, 1, 2]),
        ("!?… \t\n", "", []),
    ],
)
def test_normalize_keeps_letters_and_digits_with_their_original_index(text, expected, index):
    assert normalize(text) == (expected, index)


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("我不知道", "我不知道"),
        ("我 不 知 道", "我不知道"),
        ("我\u3000不\u3000知\u3000道", "我不知道"),
        ("我\t不\n知\r\n道", "我不知道"),
        ("我\u200b不\u200c知\u200d道", "我不知道"),
        ("我\ufeff不\u2060知道", "我不知道"),
        ("我,不.知-道", "我不知道"),
        ("我*不*知*道", "我不知道"),
        ("我~不…知道", "我不知道"),
        ("我😀不🙈知道", "我不知道"),
        ("我👍🏻不❤️知道", "我不知道"),  # skin tone, variation selector
        ("我\u0336不\u0336知\u0336道\u0336", "我不知道"),  # struck through: the last mark too
        ("没 办 法", "没办法"),
        ("沒辦法", "没办法"),
        ("這是公司的規定", "这是公司的规定"),
        ("你沒看見我忙著嗎", "你没看见我忙着吗"),
        ("这是公司\n的规定", "这是公司的规定"),
        ("这-不-是-我-的-工-作", "这不是我的工作"),
        ("不[可]能", "不可能"),
        ("喂", "喂"),
        ("NO WAY", "NO WAY"),
        ("no way", "NO WAY"),
        ("No Way", "NO WAY"),
        ("noway", "NO WAY"),
        ("n.o w-a_y", "NO WAY"),
        ("ＮＯ ＷＡＹ", "NO WAY"),
        ("ｎｏ\u3000ｗａｙ", "NO WAY"),
        ("１００％保证", "100%保证"),
        ("100 % 保 证", "100%保证"),
    ],
)
def test_evasions_are_found_and_the_hit_spans_exactly_what_was_typed(typed, phrase):
    text = f"您好，{typed}！谢谢。"
    hit = only_hit(text)
    assert hit.phrase == BY_TEXT[phrase]
    assert text[hit.start : hit.end] == typed


@pytest.mark.parametrize(
    "text",
    [
        "请按时喂养宠物",
        "宝宝喂奶的时间到了",
        "给鱼喂食",
        "喂-养",  # an allowed word is normalized like the text
        "您不知道也没关系",
        "这是我的工作",
        "我知道了，我们有办法",
        "不可以",
        "the casino way is closed",  # Latin phrases do not start or end inside a word
        "no ways",
        "",
    ],
)
def test_allowed_words_and_other_texts_give_no_hit(text):
    assert LIST.find(text) == []
    assert LIST.mark(text) == html.escape(text)


def test_an_allowed_word_excuses_only_the_match_it_covers():
    text = "喂，喂养的事，您不知道，我不知道"
    hits = LIST.find(text)
    assert [(hit.phrase.text, text[hit.start : hit.end]) for hit in hits] == [
        ("喂", "喂"),
        ("我不知道", "我不知道"),
    ]
    assert hits[0].start == 0


def test_two_phrases_in_one_text_come_in_text_order_with_their_suggestions():
    text = "没办法，我 不 知 道。"
    hits = LIST.find(text)
    assert hits == [
        Hit(BY_TEXT["没办法"], 0, 3),
        Hit(BY_TEXT["我不知道"], 4, 11),
    ]
    assert [hit.phrase.suggestion for hit in hits] == ["我们一起想想办法", "我帮您查一下"]


def test_overlapping_phrases_prefer_the_longer():
    assert only_hit("真的，我不知道").phrase.text == "我不知道"
    # The longer wins even when the shorter starts first.
    phrases = PhraseList([Phrase("不知"), Phrase("知道个屁")])
    assert [(hit.phrase.text, hit.start, hit.end) for hit in phrases.find("不知道个屁")] == [
        ("知道个屁", 1, 5)
    ]
    # Of two as long, the earlier.
    phrases = PhraseList([Phrase("知道"), Phrase("不知")])
    assert [hit.phrase.text for hit in phrases.find("不知道")] == ["不知"]


def test_the_span_runs_from_the_first_to_the_last_character_of_the_phrase():
    text = "您好, 我,不.知-道!!"
    hit = only_hit(text)
    assert (hit.start, hit.end) == (4, 11)
    assert text[hit.start] == "我"
    assert text[hit.end - 1] == "道"


@pytest.mark.parametrize("before", ["Straße ", "cafe\u0301 ", "❤\ufe0f ", "ﬁ "])
def test_characters_that_expand_or_combine_do_not_shift_the_span(before):
    text = f"{before}我,不知道。"
    hit = only_hit(text)
    assert text[hit.start : hit.end] == "我,不知道"


def test_mark_escapes_everything_and_marks_each_hit():
    text = '<script>alert("x")</script>我<>不知道 & 没办法'
    assert LIST.mark(text) == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        '<mark class="forbidden">我&lt;&gt;不知道</mark> &amp; '
        '<mark class="forbidden">没办法</mark>'
    )


def test_a_latin_phrase_is_found_between_chinese_characters_but_not_inside_a_word():
    text = "我说NO WAY啊"
    hit = only_hit(text)
    assert text[hit.start : hit.end] == "NO WAY"
    assert LIST.find("knoway") == []
    assert LIST.find("no wayx") == []


def test_empty_text():
    assert LIST.find("") == []
    assert LIST.mark("") == ""


def test_an_empty_list_finds_nothing():
    empty = PhraseList([])
    assert len(empty) == 0
    assert empty.find("我不知道") == []
    assert empty.mark("我不知道<br>") == "我不知道&lt;br&gt;"


def test_phrases_of_only_punctuation_are_ignored_and_duplicates_kept_once():
    phrases = PhraseList(
        [Phrase("！？…"), Phrase(" \u200b "), Phrase("我不知道", "A"), Phrase("我 不 知 道", "B")]
    )
    assert len(phrases) == 1
    assert phrases.find("！？… 好的") == []
    assert [hit.phrase.suggestion for hit in phrases.find("我不知道")] == ["A"]


# Property: whatever is put between the characters of a phrase (and around it), it is found
# once, from its first character to its last, however its Latin letters are cased or widened.
SEPARATORS = (
    " \u3000\t\n\r\u200b\u200c\u200d\ufeff\u2060,.-*~…，。、！？·_/|【】“”()<>&'\"#@%^+=😀🙈👍❤★♥→"
)


def _variants(ch: str) -> list[str]:
    if ch.isascii() and ch.isalnum():
        return [
            ch.lower(),
            ch.upper(),
            chr(ord(ch.upper()) + 0xFEE0),
            chr(ord(ch.lower()) + 0xFEE0),
        ]
    return [ch]


@st.composite
def _disguised(draw: st.DrawFn) -> tuple[Phrase, str, str, str]:
    phrase = draw(st.sampled_from(PHRASES))
    gaps = st.text(alphabet=SEPARATORS, max_size=3)
    chars = [draw(st.sampled_from(_variants(ch))) for ch in phrase.text if ch not in SEPARATORS]
    typed = chars[0] + "".join(draw(gaps) + ch for ch in chars[1:])
    return phrase, draw(gaps), typed, draw(gaps)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(_disguised())
def test_inserted_separators_never_hide_a_phrase(case):
    phrase, before, typed, after = case
    hits = LIST.find(before + typed + after)
    assert hits == [Hit(phrase, len(before), len(before) + len(typed))]


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("我不知道喂养没办法noway") + list(SEPARATORS))))
def test_hits_never_overlap_and_mark_loses_nothing(text):
    hits = LIST.find(text)
    assert all(a.end <= b.start for a, b in pairwise(hits))
    for hit in hits:
        assert normalize(text[hit.start : hit.end])[0] == normalize(hit.phrase.text)[0]
    marked = LIST.mark(text)
    assert marked.count('<mark class="forbidden">') == len(hits)
    assert html.unescape(re.sub(r'</?mark(?: class="forbidden")?>', "", marked)) == text
