"""Staff accounts, role groups and integrator tokens."""

from __future__ import annotations

import copy
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import DEPARTMENT_ROLES, ApiToken, Branch, Department, Role, StaffProfile
from kefu.core import refcache
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Every role but quality inspection sees phone numbers in full: agents call back, departments
# go on site. Administrators change this per group in the admin.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: ["core.view_pii"],
    Role.TEAM_LEAD: ["core.view_pii"],
    Role.SUPERVISOR: ["core.view_pii"],
    Role.DEPT_HANDLER: ["core.view_pii"],
    Role.DEPT_HEAD: ["core.view_pii"],
    Role.GENERAL_MANAGER: ["core.view_pii"],
    Role.QUALITY: [],
    Role.ADMIN: ["core.view_pii"],
    # Field staff phone the customer and go to the address on their work orders.
    Role.FIELD_STAFF: ["core.view_pii"],
}


def role_group(role: str) -> Group:
    """The permission group of a role, created with its default permissions on first use."""
    group, created = Group.objects.get_or_create(name=f"role:{role}")
    if created:
        for label in ROLE_PERMISSIONS[role]:
            app_label, codename = label.split(".")
            perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(perm)
    return group


@transaction.atomic
def create_staff(
    *,
    username: str,
    password: str,
    employee_no: str,
    display_name: str,
    role: str,
    branch: Branch | None = None,
    department: Department | None = None,
    phone: str = "",
) -> User:
    """Create a login with its staff profile and role group.

    Raises ServiceError(INVALID) for an unknown role, a department role without a department,
    or a username / employee number already taken.
    """
    if role not in Role.values:
        raise ServiceError(Code.INVALID, _("未知角色"), field="role")
    if role in DEPARTMENT_ROLES and department is None:
        raise ServiceError(Code.INVALID, _("部门人员必须指定部门"), field="department")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ServiceError(Code.CONFLICT, _("用户名已存在"), field="username")
    if StaffProfile.objects.filter(employee_no=employee_no).exists():
        raise ServiceError(Code.CONFLICT, _("工号已存在"), field="employee_no")
    if department is not None and branch is None:
        branch = department.branch
    user = User.objects.create_user(
        username=username,
        password=password,
        first_name=display_name,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    StaffProfile.objects.create(
        user=user,
        employee_no=employee_no,
        display_name=display_name,
        role=role,
        branch=branch,
        department=department,
        phone=phone,
    )
    user.groups.add(role_group(role))
    return user


def sync_role_group(user: User) -> None:
    """Put ``user`` in the permission group of its staff role, and in no other role group."""
    staff = staff_of(user)
    stale = user.groups.filter(name__startswith="role:")
    if staff is not None:
        stale = stale.exclude(name=f"role:{staff.role}")
    user.groups.remove(*stale)
    if staff is not None:
        user.groups.add(role_group(staff.role))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(*, user: User, name: str = "") -> tuple[str, ApiToken]:
    """Create a token for ``user``; returns the token (shown once) and its record."""
    if not user.is_active:
        raise ServiceError(Code.INVALID, _("该用户已停用"), field="user")
    token = "kefu_" + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(user=user, name=name, prefix=token[:12], digest=_digest(token))
    return token, record


def authenticate_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    digest = _digest(token)
    # Kept per process (kefu.core.refcache): a revoked token or a deactivated user is refused
    # here at once and by every other process within a second.
    record = refcache.get(
        ("api_token", digest),
        lambda: (
            ApiToken.objects.select_related("user", "user__staff")
            .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
            .first()
        ),
    )
    if record is None:
        return None
    now = timezone.now()
    # Write the last-use time at most once a minute: a busy PBX must not turn reads into writes.
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > 60:
        record.last_used_at = now
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    # Each request its own user object: what a request sets on it stays with that request.
    return copy.copy(record.user)


def revoke_api_tokens(*, prefix: str) -> int:
    """Revoke the live tokens starting with ``prefix`` (as printed, ``kefu_XXXXXXX``); how
    many. Every process refuses them from now on (kefu.core.refcache)."""
    count = ApiToken.objects.filter(prefix=prefix[:12], revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if count:
        refcache.changed()  # an update() sends no signal: every process forgets them now
    return count


def display_name(user: Actor | None) -> str:
    """How a person is named on pages, timelines and messages: the staff name, else the
    login; "" for nobody."""
    if user is None:
        return ""
    staff = staff_of(user)
    if staff is not None and staff.display_name:
        return staff.display_name
    return str(user.get_username()) if user.is_authenticated else ""


def floor_leads() -> list[Any]:
    """The active team leads and supervisors, by 工号: the shift leaders and the people a
    problem goes to, as forms offer them."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, staff__role__in=[Role.TEAM_LEAD, Role.SUPERVISOR])
        .select_related("staff")
        .order_by("staff__employee_no")
    )


def floor_lead_choices() -> list[tuple[int, str]]:
    """floor_leads as (user id, "工号 name") for a form's choices."""
    return [(u.pk, f"{u.staff.employee_no} {u.staff.display_name}") for u in floor_leads()]


def staff_of(user: Actor | None) -> StaffProfile | None:
    if user is None or not user.is_authenticated:  # no profile to read
        return None
    try:
        return user.staff
    except (StaffProfile.DoesNotExist, AttributeError):
        return None
