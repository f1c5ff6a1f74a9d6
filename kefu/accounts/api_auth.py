"""API authentication: integrators send ``Authorization: Bearer <token>``; the browser its session."""

from __future__ import annotations

from ninja.security import HttpBearer, django_auth

from kefu.accounts.services import authenticate_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]
