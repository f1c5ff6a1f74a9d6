"""API authentication: integrators send ``Authorization: Bearer <token>``; the browser its session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from kefu.accounts.services import authenticate_token

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """The browser's session. Its CSRF check is for a request a session would let in: a
    request with no session (a missing, wrong or revoked token) is 401, not a CSRF 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


API_AUTH = [BearerToken(), Session()]
