"""Articles for the knowledge tests, written and published through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.knowledge import services
from kefu.knowledge.models import Article, Category, SynonymGroup
from kefu.knowledge.schemas import ArticleIn


def article_in(title: str, body: str = "正文", **fields) -> ArticleIn:
    return ArticleIn(title=title, body=body, **fields)


def publish(author, reviewer, title: str, body: str = "正文", *, days_old: int = 0, **fields):
    """An article written by ``author``, submitted and approved by ``reviewer``; ``days_old``
    sets how long ago it was last changed (the freshness the ranking uses)."""
    if fields.get("category"):
        Category.objects.get_or_create(name=fields["category"])
    article = services.create_article(article_in(title, body, **fields), actor=author)
    services.submit_article(article.pk, actor=author)
    services.approve_article(article.pk, actor=reviewer)
    if days_old:
        Article.objects.filter(pk=article.pk).update(
            updated_at=timezone.now() - dt.timedelta(days=days_old)
        )
    article.refresh_from_db()
    return article


def synonyms(*words: str) -> SynonymGroup:
    return SynonymGroup.objects.create(words=" ".join(words))
