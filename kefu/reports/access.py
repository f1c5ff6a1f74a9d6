"""Who may read the reports, and of which branch."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts import org
from kefu.accounts.models import STATISTICS_ROLES
from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError

# Statistics are restricted (DOMAIN §11): the center's managers, quality and administrators.
READ_ROLES = STATISTICS_ROLES


def can_read(actor) -> bool:
    scope = scope_of(actor)
    return not scope.nothing and scope.role in READ_ROLES


def access_reports(actor):
    """The branch whose figures ``actor`` may read (None: the whole center). FORBIDDEN for
    agents, department staff and anyone outside the center."""
    scope = scope_of(actor)
    if scope.nothing or scope.role not in READ_ROLES:
        raise ServiceError(Code.FORBIDDEN, _("无权查看统计报表"))
    if scope.branch_id is None:
        return None
    return org.branch(scope.branch_id)
