"""Two-step sign-in (两步验证) with a TOTP authenticator app (django-otp).

Administrators, general managers and supervisors — the roles that see the whole center, change
its configuration or read its reports — may enrol one authenticator app on 我的账户; with
``KEFU_2FA_REQUIRED=1`` they must, at their next sign-in. Once enrolled, the sign-in asks for
the app's 6-digit code after the password; a wrong code counts as a failed sign-in
(kefu.accounts.lockout). A lost phone: an administrator resets the enrolment (audited) and the
person enrols again. API tokens are not affected: an integrator's token is its own secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.accounts.services import display_name, staff_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.services import record_audit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TWO_FACTOR_ROLES: set[str] = {Role.ADMIN, Role.GENERAL_MANAGER, Role.SUPERVISOR}
CODE = re.compile(r"^\d{6}$")


def may_enrol(user: Actor) -> bool:
    """Whether ``user``'s role signs in with two steps (when enrolled, or when required)."""
    return scope_of(user).role in TWO_FACTOR_ROLES


def required_for(user: Actor) -> bool:
    return bool(settings.TWO_FACTOR_REQUIRED) and may_enrol(user)


def confirmed_device(user: Actor) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def enrolling_device(user: Actor) -> TOTPDevice | None:
    """The authenticator ``user`` has started to enrol and not yet confirmed, if any."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-pk").first()


def asks_code(user: Actor) -> bool:
    """Whether the sign-in of ``user`` takes a second step: a code, or a first enrolment."""
    return confirmed_device(user) is not None or required_for(user)


def start_enrolment(user: User) -> TOTPDevice:
    """The authenticator ``user`` is enrolling: the unconfirmed one, else a new secret.
    FORBIDDEN for other roles, CONFLICT when one is enrolled already."""
    if not may_enrol(user):
        raise ServiceError(Code.FORBIDDEN, _("您的角色不使用两步验证"))
    if confirmed_device(user) is not None:
        raise ServiceError(Code.CONFLICT, _("已启用两步验证"))
    device = enrolling_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("手机验证器"), confirmed=False)
    return device


def valid_code(device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is the device's current code (django-otp refuses a code used before and
    answers no for a moment after each wrong one)."""
    code = (code or "").replace(" ", "").strip()
    return bool(CODE.match(code)) and bool(device.verify_token(code))


def confirm_enrolment(user: User, code: str) -> TOTPDevice:
    """Enrol the authenticator ``user`` is enrolling, proved by its current ``code``; audited.
    INVALID (field ``code``) for a wrong code, nothing changed."""
    device = start_enrolment(user)
    if not valid_code(device, code):
        raise ServiceError(Code.INVALID, _("动态码不正确,请核对手机时间后重新输入"), field="code")
    return enrol_device(device)


@transaction.atomic
def enrol_device(device: TOTPDevice) -> TOTPDevice:
    """Make ``device``, whose code was just shown valid, the user's authenticator; audited."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
    record_audit(
        actor=device.user, action="enable_two_factor", obj=device.user, detail={"device": device.pk}
    )
    return device


@transaction.atomic
def reset_two_factor(user_id: int, *, actor: Actor) -> int:
    """Remove ``user_id``'s authenticator (a lost or changed phone); audited. The person signs
    in with the password alone, or enrols again where it is required. Administrators only."""
    if scope_of(actor).role != Role.ADMIN:
        raise ServiceError(Code.FORBIDDEN, _("仅系统管理员可以操作"))
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise ServiceError(Code.NOT_FOUND, _("用户不存在"))
    devices = list(TOTPDevice.objects.select_for_update().filter(user=user))
    if not devices:
        raise ServiceError(Code.NOT_FOUND, _("该用户未启用两步验证"))
    record_audit(
        actor=actor,
        action="reset_two_factor",
        obj=user,
        detail={"username": user.username, "confirmed": any(d.confirmed for d in devices)},
    )
    TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).delete()
    return len(devices)


@dataclass(frozen=True)
class Enrolment:
    user_id: int
    username: str
    name: str
    role: str
    enrolled: bool
    pending: bool


def list_enrolments(actor: Actor) -> list[Enrolment]:
    """Who signs in with two steps and whether they have enrolled. Administrators only."""
    if scope_of(actor).role != Role.ADMIN:
        raise ServiceError(Code.FORBIDDEN, _("仅系统管理员可以操作"))
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(staff__role__in=TWO_FACTOR_ROLES) | Q(staff__isnull=True, is_superuser=True))
        .select_related("staff")
        .order_by("username")
    )
    states: dict[int, set[bool]] = {}
    for user_id, confirmed in TOTPDevice.objects.filter(user__in=users).values_list(
        "user_id", "confirmed"
    ):
        states.setdefault(user_id, set()).add(confirmed)
    rows = []
    for u in users:
        staff = staff_of(u)
        rows.append(
            Enrolment(
                user_id=u.pk,
                username=u.username,
                name=display_name(u),
                role=staff.get_role_display() if staff is not None else str(Role.ADMIN.label),
                enrolled=True in states.get(u.pk, set()),
                pending=states.get(u.pk) == {False},
            )
        )
    return rows


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an inline SVG drawn here (no image service: centers are often on
    an intranet)."""
    return str(segno.make(text, error="m").svg_inline(scale=5, dark="#111", light="#fff"))
