"""Who takes a step: the signed-in user of a request (``request.user``), an anonymous visitor
(every access check refuses one), and ``None`` where the system acts (a worker, a command)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Actor: TypeAlias = "User | AnonymousUser"


def user_of(actor: Actor | None) -> User | None:
    """The user to record as having done a step: None for the system or an anonymous visitor."""
    if actor is None or not actor.is_authenticated:
        return None
    return actor
