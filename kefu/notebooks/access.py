"""Who may see and do what in the notebooks.

The notebooks are kept by the center's staff who take requests (kefu.accounts.scope
INTAKE_ROLES: agents, team leads, supervisors, admins); the quality inspector and the general
manager read them; department and field staff see none of them. An agent sees their own rows;
a team lead, a supervisor and an admin (FLOOR_LEADS), and the readers, the rows of their team —
their branch's, or the whole center's for the center's own staff. Personal data (a grumbling
customer's phone) is masked for a viewer without core.view_pii (kefu.core.masking).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.notebooks.models import Grumble, Problem, ServiceEntry


def may_read(actor: Actor | None) -> bool:
    return scope_of(actor).is_center


def may_use(actor: Actor | None) -> bool:
    return scope_of(actor).can_intake


def may_lead(actor: Actor | None) -> bool:
    scope = scope_of(actor)
    return scope.can_intake and scope.leads_floor


def require_read(actor: Actor | None) -> None:
    if not may_read(actor):
        raise ServiceError(Code.FORBIDDEN, _("记录本仅限客服中心人员查看"))


def require_use(actor: Actor | None) -> None:
    if not may_use(actor):
        raise ServiceError(Code.FORBIDDEN, _("记录本仅限客服中心坐席和班长使用"))


def require_lead(actor: Actor | None) -> None:
    if not may_lead(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、主管和管理员可以办理"))


def scoped(actor: Actor | None, rows: QuerySet[Any], *, owner: str = "created_by") -> QuerySet[Any]:
    """``rows`` the actor may see: an agent's own (``owner``), a lead's team's."""
    scope = scope_of(actor)
    if not scope.is_center or actor is None:
        return rows.none()
    if scope.can_intake and not scope.leads_floor:
        return rows.filter(**{owner: actor})
    if scope.everything:
        return rows
    if scope.branch_id is None:
        return rows.none()
    return rows.filter(branch_id=scope.branch_id)


def visible_problems(actor: Actor | None) -> QuerySet[Problem]:
    return scoped(actor, Problem.objects.all())


def visible_entries(actor: Actor | None) -> QuerySet[ServiceEntry]:
    return scoped(actor, ServiceEntry.objects.all(), owner="agent")


def visible_grumbles(actor: Actor | None) -> QuerySet[Grumble]:
    return scoped(actor, Grumble.objects.all())


def _by_id(rows: QuerySet[Any], key: int, *, for_update: bool, message: str) -> Any:
    if not 0 < key < 2**62:
        raise ServiceError(Code.NOT_FOUND, message)
    if for_update:
        rows = rows.model.objects.select_for_update().filter(pk__in=rows.values("pk"))
    found = rows.filter(pk=key).first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, message)
    return found


def access_problem(actor: Actor | None, problem_id: int, *, for_update: bool = False) -> Problem:
    """The problem if ``actor`` may see it (row-locked with ``for_update``); NOT_FOUND
    otherwise, FORBIDDEN for a user who sees no notebook."""
    require_read(actor)
    problem: Problem = _by_id(
        visible_problems(actor), problem_id, for_update=for_update, message=_("问题登记不存在")
    )
    return problem


def access_entry(actor: Actor | None, entry_id: int, *, for_update: bool = False) -> ServiceEntry:
    require_read(actor)
    entry: ServiceEntry = _by_id(
        visible_entries(actor), entry_id, for_update=for_update, message=_("服务登记不存在")
    )
    return entry


def access_grumble(actor: Actor | None, grumble_id: int, *, for_update: bool = False) -> Grumble:
    require_read(actor)
    grumble: Grumble = _by_id(
        visible_grumbles(actor), grumble_id, for_update=for_update, message=_("抱怨登记不存在")
    )
    return grumble
