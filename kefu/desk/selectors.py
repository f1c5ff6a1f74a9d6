"""Reads of the desk's own records."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.core.actor import Actor, user_of
from kefu.desk.models import SavedView


def saved_views(actor: Actor) -> QuerySet[SavedView]:
    """The user's saved queue views, by name."""
    user = user_of(actor)
    if user is None:
        return SavedView.objects.none()
    return SavedView.objects.filter(owner=user, is_active=True)
