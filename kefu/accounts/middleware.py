"""Where two-step sign-in is required, no session of those roles goes on without it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from kefu.accounts.two_factor import required_for


def session_verified(request: HttpRequest) -> bool:
    """Whether this session's sign-in passed the second step with a device the user still has."""
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.confirmed and device.user_id == request.user.pk


def _check(request: HttpRequest) -> None:
    """With ``KEFU_2FA_REQUIRED``, sign out a session of a two-step role that did not pass the
    second step (signed in before it was required, or its authenticator was reset since): the
    page then asks for a sign-in, the API answers 401. A request with an API token has no
    session and is not touched."""
    user = request.user
    if not user.is_authenticated or not required_for(user) or session_verified(request):
        return
    logout(request)
    if not request.path.startswith("/api/"):
        messages.warning(request, _("系统要求两步验证,请重新登录"))


class TwoFactorRequired:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        if settings.TWO_FACTOR_REQUIRED:
            _check(request)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        if settings.TWO_FACTOR_REQUIRED:
            await sync_to_async(_check)(request)
        response: Awaitable[HttpResponse] = self.get_response(request)
        return await response
