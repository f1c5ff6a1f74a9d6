"""Who takes a step: the signed-in user of a request (``request.user``), an anonymous visitor
(every access check refuses one), and ``None`` where the system acts (a worker, a command)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.utils.translation import gettext as _

from kefu.core.errors import Code, ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Actor: TypeAlias = "User | AnonymousUser"


def user_of(actor: Actor | None) -> User | None:
    """The user to record as having done a step: None for the system or an anonymous visitor."""
    if actor is None or not actor.is_authenticated:
        return None
    return actor


def signed_in(actor: Actor | None) -> User:
    """The signed-in user taking a step; FORBIDDEN (请先登录) for the system or a visitor."""
    user = user_of(actor)
    if user is None:
        raise ServiceError(Code.FORBIDDEN, _("请先登录"))
    return user
