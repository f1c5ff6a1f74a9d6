"""Who may read and publish notices."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError
from kefu.notices.models import Notice

PUBLISHER_ROLES: set[str] = {Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}


def can_read(actor) -> bool:
    return not scope_of(actor).nothing


def can_publish(actor) -> bool:
    scope = scope_of(actor)
    return not scope.nothing and scope.role in PUBLISHER_ROLES


def access_notice(actor, notice_id: int, *, for_update: bool = False) -> Notice:
    """The notice ``notice_id`` if ``actor`` may read notices, else ServiceError(NOT_FOUND).

    With ``for_update`` the row is locked until the caller's transaction ends.
    """
    if not can_read(actor):
        raise ServiceError(Code.NOT_FOUND, _("公告不存在"))
    rows = Notice.objects.select_for_update() if for_update else Notice.objects.all()
    try:
        return rows.get(pk=int(notice_id))
    except (Notice.DoesNotExist, TypeError, ValueError):
        raise ServiceError(Code.NOT_FOUND, _("公告不存在")) from None
