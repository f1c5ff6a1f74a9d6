"""The knowledge pages: search, write, review, versions, synonyms, the workbench panel."""

from __future__ import annotations

import pytest

from kefu.knowledge.models import Article, Category
from tests.knowledge.factories import publish, synonyms

pytestmark = pytest.mark.django_db


def test_an_agent_writes_a_lead_publishes_through_the_pages(web_as, agent, lead):
    Category.objects.create(name="停水与供水")
    page = web_as(agent)
    assert page.get("/knowledge/new").status_code == 200
    refused = page.post(
        "/knowledge/new", {"title": "", "body": "", "kind": "qa", "audience": "internal"}
    )
    assert refused.status_code == 422 and "输入有误" in refused.content.decode()
    saved = page.post(
        "/knowledge/new",
        {
            "title": "停水后水发黄怎么办",
            "kind": "qa",
            "audience": "public",
            "category": "停水与供水",
            "body": "先放水三五分钟。",
            "tags": "水质, 发黄",
            "ticket_types": ["inquiry"],
        },
    )
    assert saved.status_code == 302
    article = Article.objects.get()
    assert sorted(t.name for t in article.tags.all()) == ["发黄", "水质"]
    assert page.post(f"/knowledge/{article.pk}/submit").status_code == 302
    # The agent has no approve button and the step is refused.
    assert "kb-approve" not in page.get(f"/knowledge/{article.pk}/").content.decode()
    assert page.post(f"/knowledge/{article.pk}/approve").status_code == 403
    reviewer = web_as(lead)
    assert "停水后水发黄怎么办" in reviewer.get("/knowledge/").content.decode()  # review queue
    assert reviewer.post(f"/knowledge/{article.pk}/approve", {"note": "好"}).status_code == 302
    found = reviewer.get("/knowledge/", {"q": "停水"}).content.decode()
    assert "<mark>停水</mark>后水发黄怎么办" in found
    # A new version, then the diff of the two.
    edit = reviewer.post(
        f"/knowledge/{article.pk}/edit",
        {
            "title": "停水后水发黄怎么办",
            "kind": "qa",
            "audience": "public",
            "body": "先放水五分钟。",
        },
    )
    assert edit.status_code == 302
    detail = reviewer.get(f"/knowledge/{article.pk}/", {"old": 1, "new": 2}).content.decode()
    assert "- 先放水三五分钟。" in detail and "+ 先放水五分钟。" in detail


def test_refused_steps_are_shown_in_words(web_as, agent, lead):
    article = publish(agent, lead, "阶梯水价标准")
    answer = web_as(lead).post(f"/knowledge/{article.pk}/approve")
    assert answer.status_code == 409 and "不能审核通过" in answer.content.decode()
    assert web_as(lead).post("/knowledge/999/approve").status_code == 404
    assert web_as(lead).post(f"/knowledge/{article.pk}/nonsense").status_code == 404


def test_the_workbench_panel_suggests_articles(web_as, agent, lead):
    synonyms("停水", "没水")
    publish(agent, lead, "计划停水通知在哪里查", "看公告栏。")
    page = web_as(agent)
    assert 'data-testid="kb-panel"' in page.get("/").content.decode()
    panel = page.get("/knowledge/suggest", {"content": "客户来电说家里没水了", "type": "inquiry"})
    assert "计划<mark>停水</mark>通知在哪里查" in panel.content.decode()


def test_synonym_page_by_role(web_as, agent, lead):
    assert web_as(agent).post("/knowledge/synonyms/", {"words": "停水 没水"}).status_code == 403
    assert web_as(lead).post("/knowledge/synonyms/", {"words": "停水 没水"}).status_code == 302
    listing = web_as(agent).get("/knowledge/synonyms/").content.decode()
    assert "停水 没水" in listing and "synonym-form" not in listing


def test_readers_who_may_not_write_get_no_editor(web_as, people, agent, lead):
    article = publish(agent, lead, "阶梯水价标准")
    gm = web_as(people["gm"])
    assert gm.get("/knowledge/new").status_code == 404
    page = gm.get(f"/knowledge/{article.pk}/").content.decode()
    assert "阶梯水价标准" in page and "kb-actions" not in page
