"""An article as the API and the pages hand it out."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from kefu.accounts.services import display_name
from kefu.knowledge.access import can_write
from kefu.knowledge.models import Article, ArticleAttachment, ArticleVersion, Question


def article_out(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "kind": article.kind,
        "audience": article.audience,
        "category": article.category.name if article.category else "",
        "title": article.title,
        "body": article.body,
        "tags": [t.name for t in article.tags.all()],
        "ticket_types": [t.code for t in article.ticket_types.all()],
        "areas": [a.code for a in article.areas.all()],
        "valid_from": article.valid_from,
        "valid_until": article.valid_until,
        "state": article.state,
        "live_version": article.live_version.number if article.live_version else None,
        "version_count": article.version_count,
        "updated_at": article.updated_at,
    }


def version_out(version: ArticleVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "status": version.status,
        "title": version.title,
        "body": version.body,
        "tags": version.tags,
        "note": version.note,
        "by": display_name(version.created_by),
        "at": version.created_at,
        "review_note": version.review_note,
        "reviewed_by": display_name(version.reviewed_by),
    }


def attachment_out(attachment: ArticleAttachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "url": reverse("knowledge-file", args=[attachment.pk]),
    }


def article_detail_out(actor, article: Article) -> dict[str, Any]:
    """The article with its versions (the live one only, for those who may not write) and its
    files."""
    versions = article.versions.select_related("created_by", "reviewed_by").order_by("-number")
    if not can_write(actor):
        versions = versions.filter(pk=article.live_version_id or 0)
    files = article.attachments.filter(removed_at__isnull=True)
    return article_out(article) | {
        "versions": [version_out(v) for v in versions],
        "attachments": [attachment_out(a) for a in files],
    }


def hit_out(hit, match: str) -> dict[str, Any]:
    """A search result (kefu.knowledge.selectors.Hit) and how the query matched."""
    article = hit.article
    return {
        "id": article.pk,
        "kind": article.kind,
        "audience": article.audience,
        "category": article.category.name if article.category else "",
        "title": article.title,
        "title_html": hit.title_html,
        "snippet_html": hit.snippet_html,
        "updated_at": article.updated_at,
        "match": match,
    }


def question_out(question: Question) -> dict[str, Any]:
    return {
        "id": question.pk,
        "serial": question.ticket.serial,
        "text": question.text,
        "asked_by": display_name(question.asked_by),
        "asked_at": question.asked_at,
        "promised_at": question.promised_at,
        "overdue": question.state == Question.State.OPEN and question.promised_at < timezone.now(),
        "state": question.state,
        "answer": question.answer,
        "answered_by": display_name(question.answered_by) if question.answered_by_id else "",
        "answered_at": question.answered_at,
        "callback_id": question.callback_id,
        "article_id": question.article_id,
    }
