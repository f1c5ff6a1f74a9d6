"""Sign-in (password, then a 2FA code where enrolled), 我的账户, and 登录安全 for administrators."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from kefu.accounts import lockout, two_factor
from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.accounts.services import staff_of
from kefu.core.errors import Code, ServiceError

# The sign-in between its two steps: the password was right, the code is still to come.
PENDING = "kefu_login_pending"
PENDING_SECONDS = 300


class SignInView(LoginView):
    """The password step. Where the user signs in with two steps, it signs nobody in yet: it
    keeps who passed (for five minutes) and goes on to the code."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not two_factor.asks_code(user):
            return super().form_valid(form)
        if two_factor.confirmed_device(user) is None:  # required, and enrolled at this sign-in
            two_factor.start_enrolment(user)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("login-code")


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if (
        not isinstance(pending, dict)
        or not isinstance(pending.get("user"), int)
        or time.time() - pending.get("at", 0) > PENDING_SECONDS
    ):
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request: HttpRequest) -> HttpResponseBase:
    """The second step: the authenticator's 6-digit code, or, where two steps are required
    and none is enrolled, the enrolment. A wrong code is a failed sign-in (lockout)."""
    found = _pending_user(request)
    if found is None:
        messages.warning(request, _("请重新输入用户名和密码"))
        return redirect("login")
    user, pending = found
    device = two_factor.confirmed_device(user) or two_factor.enrolling_device(user)
    if device is None:  # reset by an administrator meanwhile
        request.session.pop(PENDING, None)
        return redirect("login")
    enrolling = not device.confirmed
    error = ""
    if request.method == "POST":
        if lockout.is_locked(request, user.username):
            request.session.pop(PENDING, None)
            return locked_out(request)
        if two_factor.valid_code(device, request.POST.get("code", "")):
            request.session.pop(PENDING, None)
            if enrolling:
                device = two_factor.enrol_device(device)
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
        if lockout.count_failure(request, user.username):
            request.session.pop(PENDING, None)
            return locked_out(request)
        error = _("动态码不正确,请核对手机时间后重新输入")
    context: dict[str, Any] = {"enrolling": enrolling, "error": error, "username": user.username}
    if enrolling:
        context |= {"uri": device.config_url, "qr": two_factor.qr_svg(device.config_url)}
    return render(request, "registration/login_code.html", context, status=422 if error else 200)


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The sign-in page saying the account or the address is locked (django-axes' lockout
    response, 429), in place of the page the refused sign-in would have shown."""
    if getattr(original_response, "kefu_locked_out", False):
        return original_response  # type: ignore[no-any-return]
    response = render(
        request,
        "registration/login.html",
        {"form": AuthenticationForm(request), "locked_minutes": settings.LOGIN_LOCKOUT_MINUTES},
        status=429,
    )
    response.kefu_locked_out = True  # type: ignore[attr-defined]
    return response


# --------------------------------------------------------------------------------- 我的账户


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


def _account_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "account_staff": staff_of(user),
        "may_enrol": two_factor.may_enrol(user),
        "required": two_factor.required_for(user),
        "device": two_factor.confirmed_device(user),
        "is_admin": scope_of(user).role == Role.ADMIN,
        "error": error,
    }
    enrolling = two_factor.enrolling_device(user)
    if context["may_enrol"] and context["device"] is None and enrolling is not None:
        context |= {"enrolling": enrolling, "qr": two_factor.qr_svg(enrolling.config_url)}
    return render(request, "accounts/me.html", context, status=status)


@login_required
@require_POST
def two_factor_start(request: HttpRequest) -> HttpResponse:
    try:
        two_factor.start_enrolment(request.user)  # type: ignore[arg-type]
    except ServiceError as exc:
        return _account_page(request, error=exc.detail, status=exc.status)
    return redirect("my-account")


@login_required
@require_POST
@sensitive_post_parameters("code")
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    try:
        device = two_factor.confirm_enrolment(request.user, request.POST.get("code", ""))  # type: ignore[arg-type]
    except ServiceError as exc:
        return _account_page(request, error=exc.detail, status=exc.status)
    otp_login(request, device)  # this session has just shown the code
    messages.success(request, _("两步验证已启用,以后登录时需要输入手机验证器上的动态码"))
    return redirect("my-account")


# --------------------------------------------------------------------------------- 登录安全


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Locked accounts and addresses, the latest failed sign-ins, and who has enrolled two-step
    sign-in; unlock and reset buttons. Administrators."""
    return _security_page(request)


def _security_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    try:
        context: dict[str, Any] = {
            "accounts": lockout.list_account_locks(request.user),
            "addresses": lockout.list_address_locks(request.user),
            "failures": lockout.list_recent_failures(request.user),
            "enrolments": two_factor.list_enrolments(request.user),
        }
    except ServiceError as exc:
        raise PermissionDenied(exc.detail)
    context |= {
        "error": error,
        "account_limit": settings.LOGIN_FAILURES,
        "address_limit": settings.LOGIN_ADDRESS_FAILURES,
        "minutes": settings.LOGIN_LOCKOUT_MINUTES,
        "required": settings.TWO_FACTOR_REQUIRED,
    }
    return render(request, "accounts/security.html", context, status=status)


@login_required
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    try:
        if request.POST.get("address"):
            lockout.unlock_address(request.POST["address"], actor=request.user)
        else:
            lockout.unlock_account(request.POST.get("username", ""), actor=request.user)
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        return _security_page(request, error=exc.detail, status=exc.status)
    messages.success(request, _("已解除锁定"))
    return redirect("login-security")


@login_required
@require_POST
def two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        two_factor.reset_two_factor(user_id, actor=request.user)
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            raise PermissionDenied(exc.detail)
        return _security_page(request, error=exc.detail, status=exc.status)
    messages.success(request, _("已重置两步验证,该员工下次登录时重新绑定"))
    return redirect("login-security")
