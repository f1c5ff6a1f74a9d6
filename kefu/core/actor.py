"""Who takes a step: the signed-in user of a request (``request.user``), an anonymous visitor
(every access check refuses one), and ``None`` where the system acts (a worker, a command)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Actor: TypeAlias = "User | AnonymousUser"
