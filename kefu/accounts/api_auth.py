"""API authentication: integrators send ``Authorization: Bearer <token>``; the browser its session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from kefu.accounts.services import authenticate_token

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]
