"""Sign-in lockout: too many failed sign-ins lock the account, and the address they came from.

django-axes counts every failed password check (``authenticate()`` with the request: the login
page, the admin's login, which sends people to it) and every wrong 2FA code (``count_failure``).
An account is locked after ``LOGIN_FAILURES`` failures from anywhere, an address after
``LOGIN_ADDRESS_FAILURES`` failures whatever the usernames (0: never), each for
``LOGIN_LOCKOUT_MINUTES`` after the last failure; a try while locked starts the time again.
Administrators see the locks and the failures, and unlock (audited), on 登录安全.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.services import record_audit


class LoginGuard(AxesDatabaseHandler):
    """django-axes' database handler with a limit of its own for the address."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Failures that count against this sign-in, on the account's scale: at least
        ``LOGIN_FAILURES`` (locked) when the account or the address has reached its limit.
        (django-axes compares this one number with ``AXES_FAILURE_LIMIT``.)"""
        by_account, by_address = (
            qs.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for qs in self.get_user_attempts(request, credentials)
        )
        address_limit = settings.LOGIN_ADDRESS_FAILURES
        if address_limit and by_address >= address_limit:
            return max(int(by_account), settings.LOGIN_FAILURES)
        return int(by_account)


def is_locked(request: HttpRequest, username: str) -> bool:
    """Whether a sign-in as ``username`` from this request's address is refused now."""
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def count_failure(request: HttpRequest, username: str) -> bool:
    """Count a failed second step (a wrong 2FA code) as a failed sign-in; whether it locked."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


# ------------------------------------------------------------------------- what admins see


@dataclass(frozen=True)
class Lock:
    """Failures counted against one account or one address, within the lock time."""

    key: str  # the username or the address
    failures: int
    last_at: dt.datetime
    locked: bool

    @property
    def until(self) -> dt.datetime:
        return self.last_at + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _require_admin(actor: Actor) -> None:
    if scope_of(actor).role != Role.ADMIN:
        raise ServiceError(Code.FORBIDDEN, _("仅系统管理员可以操作"))


def list_account_locks(actor: Actor) -> list[Lock]:
    """Accounts with failures within the lock time, the locked ones first. Administrators."""
    _require_admin(actor)
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=_window_start(), username__isnull=False)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last_at=Max("attempt_time"))
    )
    locks = [
        Lock(r["username"], r["failures"], r["last_at"], r["failures"] >= settings.LOGIN_FAILURES)
        for r in rows
    ]
    return sorted(locks, key=lambda lock: (not lock.locked, -lock.last_at.timestamp()))


def list_address_locks(actor: Actor) -> list[Lock]:
    """Addresses with failures within the lock time, the locked ones first. Administrators."""
    _require_admin(actor)
    limit = settings.LOGIN_ADDRESS_FAILURES
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=_window_start(), ip_address__isnull=False)
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last_at=Max("attempt_time"))
    )
    locks = [
        Lock(r["ip_address"], r["failures"], r["last_at"], bool(limit) and r["failures"] >= limit)
        for r in rows
    ]
    return sorted(locks, key=lambda lock: (not lock.locked, -lock.last_at.timestamp()))


def list_recent_failures(actor: Actor, *, limit: int = 50) -> list[AccessFailureLog]:
    """The latest failed sign-ins (kept after an unlock), newest first. Administrators."""
    _require_admin(actor)
    return list(AccessFailureLog.objects.order_by("-attempt_time")[:limit])


@transaction.atomic
def unlock_account(username: str, *, actor: Actor) -> int:
    """Forget the failures counted against ``username`` (from every address) and the 2FA
    code throttle of its device; audited. Administrators. NOT_FOUND when nothing is counted."""
    _require_admin(actor)
    rows = list(AccessAttempt.objects.select_for_update().filter(username=username))
    if not rows:
        raise ServiceError(Code.NOT_FOUND, _("该账户没有需要解除的锁定"))
    user = get_user_model().objects.filter(username=username).first()
    record_audit(
        actor=actor,
        action="unlock_login",
        obj=user or rows[0],
        detail={
            "username": username,
            "failures": sum(r.failures_since_start for r in rows),
            "addresses": sorted({r.ip_address for r in rows if r.ip_address}),
        },
    )
    if user is not None:
        TOTPDevice.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
    count, _deleted = AccessAttempt.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return int(count)


@transaction.atomic
def unlock_address(address: str, *, actor: Actor) -> int:
    """Forget the failures counted from ``address`` (for every username); audited.
    Administrators. NOT_FOUND when nothing is counted."""
    _require_admin(actor)
    try:
        address = str(ipaddress.ip_address(address.strip()))
    except ValueError:
        raise ServiceError(Code.INVALID, _("地址格式不正确"), field="address")
    rows = list(AccessAttempt.objects.select_for_update().filter(ip_address=address))
    if not rows:
        raise ServiceError(Code.NOT_FOUND, _("该地址没有需要解除的锁定"))
    record_audit(
        actor=actor,
        action="unlock_login_address",
        obj=rows[0],
        detail={
            "address": address,
            "failures": sum(r.failures_since_start for r in rows),
            "usernames": sorted({r.username for r in rows if r.username}),
        },
    )
    count, _deleted = AccessAttempt.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return int(count)
