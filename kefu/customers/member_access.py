"""Who may see members, their purchases and the member analyses, and of which stores.

- A member's number, level and store are part of the customer's archive: whoever may see the
  customer sees them (kefu.customers.access), agents included — on the customer page.
- The member lists and analyses (new, expiring, spending, gender and age, RFM, churn) are
  statistics (DOMAIN §11): the roles that read the reports — team leads, supervisors, the
  general manager, quality and administrators (``accounts.models.STATISTICS_ROLES``, as the
  reports) — and of their reach: a branch's staff the stores
  of their branch, the center's own staff every store.
- Purchases are imported by supervisors and administrators (and integrators' tokens of those
  roles), into the stores of their reach.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.models import STATISTICS_ROLES, Role
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.customers.models import Store

ANALYSIS_ROLES = STATISTICS_ROLES
IMPORT_ROLES: set[str] = {Role.SUPERVISOR, Role.ADMIN}
# Who enrols a customer as a member or changes the membership: those who keep the archive.
ENROL_ROLES: set[str] = {Role.AGENT, Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}


def may_analyse(actor: Actor | None) -> bool:
    scope = scope_of(actor)
    return not scope.nothing and scope.role in ANALYSIS_ROLES


def may_import(actor: Actor | None) -> bool:
    scope = scope_of(actor)
    return not scope.nothing and scope.role in IMPORT_ROLES


def may_enrol(actor: Actor | None) -> bool:
    scope = scope_of(actor)
    return not scope.nothing and scope.role in ENROL_ROLES


def visible_stores(actor: Actor | None) -> QuerySet[Store]:
    """The stores of ``actor``'s reach: all for the center's own staff, their branch's for a
    branch's staff, none for anyone else."""
    scope = scope_of(actor)
    stores = Store.objects.all()
    if scope.nothing or not scope.is_center:
        return stores.none()
    if scope.everything:
        return stores
    if scope.branch_id is None:
        return stores.none()
    return stores.filter(branch_id=scope.branch_id)


def require_analyst(actor: Actor | None) -> None:
    if not may_analyse(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查看会员分析"))


def require_importer(actor: Actor | None) -> None:
    if not may_import(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有主管和管理员可以导入消费记录"))


def analysed_stores(actor: Actor | None, *, store: str = "", branch: str = "") -> QuerySet[Store]:
    """The stores whose members an analysis counts: those of ``actor``'s reach, narrowed to
    one store (its code) or one branch (its code). FORBIDDEN for roles that may not read
    statistics; INVALID naming the field for a store outside the reach."""
    require_analyst(actor)
    stores = visible_stores(actor)
    if store:
        if not stores.filter(code=store).exists():
            raise ServiceError(Code.INVALID, _("门店不存在:%s") % store[:20], field="store")
        stores = stores.filter(code=store)
    if branch:  # another branch than a branch's staff's own: no store, nothing counted
        stores = stores.filter(branch__code=branch)
    return stores
