"""The knowledge base through the API: an article's life by role, versions and their diff,
files, synonyms, and refused input that leaves nothing half-written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.core.models import AuditLog
from kefu.knowledge.models import Article, ArticleAttachment, ArticleVersion, Category

pytestmark = pytest.mark.django_db

BODY = {"title": "阶梯水价标准", "body": "第一阶梯每立方米 3.45 元。", "tags": ["水价"]}


@pytest.fixture
def category(db):
    return Category.objects.create(name="水价与收费")


def test_draft_review_publish_retire(api_as, agent, lead, people, category):
    writer, reviewer = api_as(agent), api_as(lead)
    created = writer.post("/knowledge/articles", BODY | {"category": "水价与收费"})
    assert created.status_code == 201, created.json()
    article = created.json()
    assert article["state"] == "draft" and article["live_version"] is None
    assert article["category"] == "水价与收费" and article["tags"] == ["水价"]
    pk = article["id"]

    # A reader who may not write sees nothing before it is live; searches find nothing.
    department = api_as(people["dept_handler"])
    assert api_as(people["gm"]).get(f"/knowledge/articles/{pk}").status_code == 404
    assert writer.get("/knowledge/search", {"q": "水价"}).json()["count"] == 0

    # An agent may not approve; a team lead may not approve a draft not submitted.
    assert reviewer.post(f"/knowledge/articles/{pk}/approve").status_code == 409
    assert writer.post(f"/knowledge/articles/{pk}/submit").json()["state"] == "review"
    refused = writer.post(f"/knowledge/articles/{pk}/approve")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # Rejecting needs a reason.
    no_reason = reviewer.post(f"/knowledge/articles/{pk}/reject", {"note": " "})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "note"
    approved = reviewer.post(f"/knowledge/articles/{pk}/approve", {"note": "可以"})
    assert approved.json()["state"] == "published" and approved.json()["live_version"] == 1
    assert writer.get("/knowledge/search", {"q": "水价"}).json()["count"] == 1
    assert api_as(people["gm"]).get(f"/knowledge/articles/{pk}").status_code == 200
    assert department.get("/knowledge/search", {"q": "阶梯"}).json()["count"] == 1

    retired = reviewer.post(f"/knowledge/articles/{pk}/retire", {"note": "价格调整"})
    assert retired.json()["state"] == "retired" and retired.json()["live_version"] is None
    assert writer.get("/knowledge/search", {"q": "水价"}).json()["count"] == 0
    # Submitted again and approved, it is back.
    writer.post(f"/knowledge/articles/{pk}/submit")
    reviewer.post(f"/knowledge/articles/{pk}/approve")
    assert writer.get("/knowledge/search", {"q": "水价"}).json()["count"] == 1
    actions = list(
        AuditLog.objects.filter(object_id=str(pk), action__startswith="knowledge.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "knowledge.create",
        "knowledge.submit",
        "knowledge.approve",
        "knowledge.retire",
        "knowledge.submit",
        "knowledge.approve",
    ]


def test_every_version_is_kept_and_the_diff_shows_the_change(api_as, agent, lead):
    writer, reviewer = api_as(agent), api_as(lead)
    pk = writer.post("/knowledge/articles", BODY).json()["id"]
    writer.post(f"/knowledge/articles/{pk}/submit")
    reviewer.post(f"/knowledge/articles/{pk}/approve")
    edited = writer.put(
        f"/knowledge/articles/{pk}",
        BODY | {"body": "第一阶梯每立方米 3.60 元。", "note": "调价"},
    )
    assert edited.status_code == 200
    detail = edited.json()
    # The approved text stays what readers get until the new version is approved.
    assert detail["state"] == "draft" and detail["live_version"] == 1
    assert detail["body"] == "第一阶梯每立方米 3.45 元。"
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][0]["note"] == "调价"
    same = writer.put(f"/knowledge/articles/{pk}", BODY | {"body": "第一阶梯每立方米 3.60 元。"})
    assert same.status_code == 422  # nothing changed: no empty version
    diff = writer.get(f"/knowledge/articles/{pk}/diff", {"old": 1, "new": 2}).json()["lines"]
    assert {"op": "-", "text": "第一阶梯每立方米 3.45 元。"} in diff
    assert {"op": "+", "text": "第一阶梯每立方米 3.60 元。"} in diff
    writer.post(f"/knowledge/articles/{pk}/submit")
    reviewer.post(f"/knowledge/articles/{pk}/approve")
    assert writer.get(f"/knowledge/articles/{pk}").json()["body"] == "第一阶梯每立方米 3.60 元。"
    statuses = dict(ArticleVersion.objects.filter(article_id=pk).values_list("number", "status"))
    assert statuses == {1: "superseded", 2: "published"}
    # Reviewers read the history too.
    lead_view = api_as(lead)
    assert lead_view.get(f"/knowledge/articles/{pk}/diff", {"old": 1, "new": 2}).status_code == 200
    assert len(lead_view.get(f"/knowledge/articles/{pk}").json()["versions"]) == 2


def test_readers_get_the_live_version_only(api_as, agent, lead, people):
    writer = api_as(agent)
    pk = writer.post("/knowledge/articles", BODY).json()["id"]
    writer.post(f"/knowledge/articles/{pk}/submit")
    api_as(lead).post(f"/knowledge/articles/{pk}/approve")
    writer.put(f"/knowledge/articles/{pk}", BODY | {"title": "阶梯水价标准(征求意见稿)"})
    gm = api_as(people["gm"])
    detail = gm.get(f"/knowledge/articles/{pk}").json()
    assert detail["title"] == "阶梯水价标准"
    assert [v["number"] for v in detail["versions"]] == [1]
    assert gm.get(f"/knowledge/articles/{pk}/diff", {"old": 1, "new": 2}).status_code == 403
    assert gm.post("/knowledge/articles", BODY).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": " ", "body": "x"}, "title"),
        ({"title": "x", "body": ""}, "body"),
        ({"title": "x" * 101, "body": "x"}, "title"),
        ({"title": "x", "body": "x", "category": "没有这个分类"}, "category"),
        ({"title": "x", "body": "x", "ticket_types": ["nonsense"]}, "ticket_types"),
        ({"title": "x", "body": "x", "areas": ["nowhere"]}, "areas"),
        ({"title": "x", "body": "x", "kind": "poem"}, "kind"),
        ({"title": "x", "body": "x", "audience": "world"}, "audience"),
        (
            {"title": "x", "body": "x", "valid_from": "2026-05-01", "valid_until": "2026-04-01"},
            "valid_until",
        ),
        ({"title": "x", "body": "x", "valid_from": "2026-13-01"}, "valid_from"),
        ({"title": "x\x00", "body": "x"}, None),
        ({"title": "x", "body": "x", "tags": ["t" * 41]}, "tags.0"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(api_as, agent, body, field):
    answer = api_as(agent).post("/knowledge/articles", body)
    assert answer.status_code == 422, answer.json()
    assert answer.json()["detail"]
    if field:
        assert answer.json()["field"] == field
    assert not Article.objects.exists() and not ArticleVersion.objects.exists()


def test_unknown_articles_and_steps(api_as, agent, lead):
    assert api_as(agent).get("/knowledge/articles/999").status_code == 404
    assert api_as(lead).post("/knowledge/articles/999/approve").status_code == 404
    assert api_as(agent).get("/knowledge/articles/99999999999999999999").status_code in (404, 422)


def test_attachments_are_kept_when_removed(api_as, agent, lead, client, tmp_path, settings):
    # (the settings fixture alone: with override_settings too, the limit outlived the test)
    settings.MEDIA_ROOT, settings.MAX_UPLOAD_MB = tmp_path, 1
    writer = api_as(agent)
    pk = writer.post("/knowledge/articles", BODY).json()["id"]
    upload = SimpleUploadedFile("水价表.pdf", b"%PDF-1.4 tariff", content_type="application/pdf")
    answer = writer.client.post(
        f"/api/v1/knowledge/articles/{pk}/attachments", {"file": upload}, **writer.auth
    )
    assert answer.status_code == 201, answer.json()
    file_id = answer.json()["id"]
    too_big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))
    refused = writer.client.post(
        f"/api/v1/knowledge/articles/{pk}/attachments", {"file": too_big}, **writer.auth
    )
    assert refused.status_code == 413
    client.force_login(agent)
    download = client.get(f"/knowledge/files/{file_id}")
    assert (
        download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 tariff"
    )
    removed = writer.post(f"/knowledge/articles/{pk}/attachments/{file_id}/remove")
    assert removed.status_code == 200
    assert writer.get(f"/knowledge/articles/{pk}").json()["attachments"] == []
    kept = ArticleAttachment.objects.get(pk=file_id)
    assert kept.removed_at is not None and kept.removed_by == agent
    assert writer.post(f"/knowledge/articles/{pk}/attachments/{file_id}/remove").status_code == 404


def test_synonyms_by_role(api_as, agent, lead):
    refused = api_as(agent).post("/knowledge/synonyms", {"words": "停水 没水"})
    assert refused.status_code == 403
    made = api_as(lead).post("/knowledge/synonyms", {"words": "停水, 没水,断水 停水"})
    assert made.status_code == 201 and made.json()["words"] == ["停水", "没水", "断水"]
    one = api_as(lead).post("/knowledge/synonyms", {"words": "停水"})
    assert one.status_code == 422 and one.json()["field"] == "words"
    gid = made.json()["id"]
    changed = api_as(lead).put(f"/knowledge/synonyms/{gid}", {"words": "停水 没水 不出水"})
    assert changed.json()["words"] == ["停水", "没水", "不出水"]
    off = api_as(lead).post(f"/knowledge/synonyms/{gid}/deactivate")
    assert off.json()["is_active"] is False
    listed = {g["id"]: g["is_active"] for g in api_as(agent).get("/knowledge/synonyms").json()}
    assert listed[gid] is False and len(listed) > 1  # the defaults a center starts with
