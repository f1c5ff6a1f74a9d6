"""Knowledge search: Chinese words, synonyms, pinyin and near misses, one ranking on SQLite and
PostgreSQL (the suite runs on both with the same expectations)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.knowledge import search, services
from kefu.knowledge.selectors import search_articles
from tests.knowledge.factories import article_in, publish, synonyms

pytestmark = pytest.mark.django_db


def titles(actor, query, **kwargs) -> list[str]:
    return [hit.article.title for hit in search_articles(actor, query, **kwargs).page.items]


@pytest.fixture
def kb(agent, lead):
    synonyms("停水", "没水", "断水", "不出水", "不来水")
    synonyms("水费", "水钱", "账单")
    made = {
        "yellow": publish(
            agent, lead, "停水后水发黄怎么办", "恢复供水后先打开水龙头放水三五分钟。", days_old=30
        ),
        "notice": publish(
            agent, lead, "计划停水通知在哪里查", "在公告栏、网站和短信中发布。", days_old=2
        ),
        "tariff": publish(
            agent,
            lead,
            "阶梯水价标准",
            "第一阶梯每立方米 3.45 元。停水期间不产生水费。",
            tags=["水价"],
            days_old=1,
        ),
        "payment": publish(
            agent, lead, "缴纳水费的渠道", "营业厅、银行代扣、微信、支付宝都可以缴费。", days_old=5
        ),
        "meter": publish(agent, lead, "水表冻裂怎么办", "冬季请给水表箱做好保温。", days_old=10),
    }
    return made


def test_every_word_found_title_hits_first_then_fresh(kb, agent):
    # 停水 is in three titles (fresher first) and in one body only (last).
    assert titles(agent, "停水") == ["计划停水通知在哪里查", "停水后水发黄怎么办", "阶梯水价标准"]


def test_synonyms_find_the_other_wordings(kb, agent):
    found = titles(agent, "家里没水了怎么办")
    assert found[:2] == ["计划停水通知在哪里查", "停水后水发黄怎么办"]
    assert "阶梯水价标准" in found
    assert titles(agent, "不出水") == titles(agent, "停水")
    # 水钱 → 水费: the payment article's title, the tariff's body.
    assert titles(agent, "水钱") == ["缴纳水费的渠道", "阶梯水价标准"]


def test_a_synonym_the_center_adds_works_at_once(kb, agent, lead):
    assert titles(agent, "冻坏") == []
    services.save_synonyms("冻裂 冻坏 冻爆", actor=lead)
    assert titles(agent, "冻坏") == ["水表冻裂怎么办"]


def test_near_miss_finds_the_most_words_found_together(kb, agent):
    results = search_articles(agent, "停水 赔偿 发黄")
    assert results.match == "any"
    # No article holds all three; one holds 停水 and 发黄 together.
    assert [h.article.title for h in results.page.items] == ["停水后水发黄怎么办"]
    # 赔偿 is found nowhere: the articles with 停水, those with it in the title first.
    assert titles(agent, "停水 赔偿") == [
        "计划停水通知在哪里查",
        "停水后水发黄怎么办",
        "阶梯水价标准",
    ]


def test_a_lone_character_counts_only_alone(kb, agent, lead):
    publish(agent, lead, "爆管抢修流程", "接报后三十分钟内到场关阀。", days_old=40)
    # 水 and 流 beside 爆管 would rank every article about water; they are left out.
    assert titles(agent, "门口爆管了水哗哗流") == ["爆管抢修流程"]
    assert [c.shown[0] for c in search.parse("门口爆管了水哗哗流")] == ["门口", "爆管", "哗哗"]
    assert [c.shown[0] for c in search.parse("水")] == ["水"]


@pytest.mark.parametrize("walk_from", [2000, 0])
def test_pages_follow_one_order_whichever_way_they_are_read(agent, lead, walk_from, monkeypatch):
    # Read by ids and sorted, or along the freshness index (a common word): the same pages.
    monkeypatch.setattr(search, "WALK_FROM", walk_from)
    for day in range(5):
        publish(agent, lead, f"停水须知{day}", "请提前储水。", days_old=day * 2)
        publish(
            agent, lead, f"供水说明{day}", f"第{day}条:停水期间请关好水龙头。", days_old=day * 2 + 1
        )
    whole = search_articles(agent, "停水", per_page=20)
    order = [h.article.title for h in whole.page.items]
    assert order == [f"停水须知{d}" for d in range(5)] + [f"供水说明{d}" for d in range(5)]
    assert whole.page.count == 10
    paged: list[str] = []
    for number in range(1, 5):
        page = search_articles(agent, "停水", page=number, per_page=3).page
        assert page.count == 10 and page.has_next == (number < 4)
        paged += [h.article.title for h in page.items]
    assert paged == order


def test_pinyin_initials_and_homophone_typos(kb, agent):
    results = search_articles(agent, "tsh")
    assert results.match == "pinyin"
    assert [h.article.title for h in results.page.items] == [
        "计划停水通知在哪里查",
        "停水后水发黄怎么办",
    ]
    assert "<mark>停水</mark>" in results.page.items[0].title_html
    assert titles(agent, "tingshui") == ["计划停水通知在哪里查", "停水后水发黄怎么办"]
    assert titles(agent, "停谁") == ["计划停水通知在哪里查", "停水后水发黄怎么办"]
    assert titles(agent, "sb") == ["水表冻裂怎么办"]  # 水表 shui biao


def test_highlight_marks_matches_and_escapes_the_rest(agent, lead):
    synonyms("停水", "没水")
    publish(agent, lead, "<b>没水</b> & 停水", "说明:" + "很长的内容。" * 40 + "停水时请储水。")
    hit = search_articles(agent, "停水").page.items[0]
    assert hit.title_html == "&lt;b&gt;<mark>没水</mark>&lt;/b&gt; &amp; <mark>停水</mark>"
    assert "<mark>停水</mark>时请储水" in hit.snippet_html
    assert hit.snippet_html.startswith("…")


def test_only_live_valid_articles_are_found(kb, agent, lead):
    draft = services.create_article(article_in("停水期间的临时供水点"), actor=agent)
    retired = publish(agent, lead, "停水赔偿旧规定")
    services.retire_article(retired.pk, actor=lead)
    today = timezone.localdate()
    publish(agent, lead, "停水旧通知", valid_until=today - dt.timedelta(days=1))
    publish(agent, lead, "停水新规定", valid_from=today + dt.timedelta(days=1))
    found = titles(agent, "停水")
    assert draft.title not in found and "停水赔偿旧规定" not in found
    assert "停水旧通知" not in found and "停水新规定" not in found


def test_an_edit_stays_unfound_until_approved(kb, agent, lead):
    article = kb["meter"]
    services.edit_article(
        article.pk, article_in("水表冻裂与防冻", "用旧棉絮包裹水表。"), actor=agent
    )
    assert titles(agent, "防冻") == []
    assert titles(agent, "冻裂") == ["水表冻裂怎么办"]  # the approved version is still live
    services.submit_article(article.pk, actor=agent)
    services.approve_article(article.pk, actor=lead)
    assert titles(agent, "防冻") == ["水表冻裂与防冻"]


def test_filters_type_area_category_audience(agent, lead, org):
    publish(agent, lead, "停水报修电话", ticket_types=["repair"], category="停水与供水")
    publish(agent, lead, "停水咨询口径", ticket_types=["inquiry"], audience="public")
    area = org["areas"][0] if isinstance(org.get("areas"), list) else None
    publish(agent, lead, "停水通用说明")
    assert titles(agent, "停水", ticket_type="repair") == ["停水通用说明", "停水报修电话"]
    assert titles(agent, "停水", category="停水与供水") == ["停水报修电话"]
    assert titles(agent, "停水", public_only=True) == ["停水咨询口径"]
    if area is not None:
        publish(agent, lead, "停水片区须知", areas=[area.code])
        assert "停水片区须知" in titles(agent, "停水", area=area.code)


def test_nothing_typed_lists_the_freshest(kb, agent):
    assert titles(agent, "")[:2] == ["阶梯水价标准", "计划停水通知在哪里查"]
    assert titles(agent, "的 了 吗") == titles(agent, "")  # only words without meaning


def test_odd_queries_do_not_break(kb, agent):
    for query in [
        '"',
        "停水\"'",
        "AND OR NOT",
        "(停水",
        "*",
        "停水 -",
        "'); DROP TABLE x;--",
        "ａｂｃ",
    ]:
        search_articles(agent, query)  # no exception, on both databases
    assert titles(agent, 'AND "停水"') == titles(agent, "停水")


def test_index_columns():
    columns = search.index_columns("停水后水发黄", "放水三分钟", ["水质"])
    assert "停水" in columns["search_title"].split()
    assert "水质" in columns["search_body"].split()
    assert {"tingshui", "tsh", "ts"} <= set(columns["search_pinyin"].split())


def test_a_homophone_typo_is_highlighted_as_the_word_meant(kb, agent):
    hit = search_articles(agent, "停谁").page.items[0]
    assert "<mark>停水</mark>" in hit.title_html


def test_where_and_when_the_caller_says_do_not_narrow_the_search(kb, agent, lead):
    publish(agent, lead, "水龙头滴水怎么处理", "家里没水时先看公告,家里滴水请关阀门。")
    # 家里 is no part of the question: the articles about 没水 (停水) come first, by title.
    assert titles(agent, "家里没水了")[:2] == ["计划停水通知在哪里查", "停水后水发黄怎么办"]
