"""Who may see and do what at the lost and found.

The front-desk roles map onto the center's roles (kefu.accounts.scope): the desk staff are the
agents (and everyone who takes requests: leads, supervisors, admins) — they register found
items and loss reports, record claims and hand items to the custodian; the shift leader and
the custodian are the team leads and supervisors (and admins) — they stand for an on-the-spot
registration and hand unclaimed items to finance; the quality inspector and the general
manager read, personal data masked by permission (core.view_pii). A branch's staff see their
branch's items and reports, the center's own staff all of them.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.frontdesk.models import FoundItem, LossReport


def may_read(actor: Actor | None) -> bool:
    return scope_of(actor).is_center


def may_desk(actor: Actor | None) -> bool:
    return scope_of(actor).can_intake


def may_lead(actor: Actor | None) -> bool:
    return scope_of(actor).leads_floor


def require_read(actor: Actor | None) -> None:
    if not may_read(actor):
        raise ServiceError(Code.FORBIDDEN, _("失物招领仅限客服中心人员查看"))


def require_desk(actor: Actor | None) -> None:
    if not may_desk(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权办理失物招领"))


def require_lead(actor: Actor | None) -> None:
    if not may_lead(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、主管和管理员可以办理此项移交"))


def _scoped(actor: Actor | None, rows):
    scope = scope_of(actor)
    if not scope.is_center:
        return rows.none()
    if scope.everything:
        return rows
    if scope.branch_id is None:
        return rows.none()
    return rows.filter(branch_id=scope.branch_id)


def visible_items(actor: Actor | None) -> QuerySet[FoundItem]:
    return _scoped(actor, FoundItem.objects.all())


def visible_reports(actor: Actor | None) -> QuerySet[LossReport]:
    return _scoped(actor, LossReport.objects.all())


def _by_id(rows, key: int, *, for_update: bool, message: str):
    if not 0 < key < 2**62:
        raise ServiceError(Code.NOT_FOUND, message)
    if for_update:
        rows = rows.model.objects.select_for_update().filter(pk__in=rows.values("pk"))
    found = rows.filter(pk=key).first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, message)
    return found


def access_item(actor: Actor | None, item_id: int, *, for_update: bool = False) -> FoundItem:
    """The found item if ``actor`` may see it (row-locked with ``for_update``); NOT_FOUND
    otherwise, FORBIDDEN for a user who sees no lost and found at all."""
    require_read(actor)
    item: FoundItem = _by_id(
        visible_items(actor), item_id, for_update=for_update, message=_("拾获物品不存在")
    )
    return item


def access_report(actor: Actor | None, report_id: int, *, for_update: bool = False) -> LossReport:
    require_read(actor)
    report: LossReport = _by_id(
        visible_reports(actor), report_id, for_update=for_update, message=_("失物登记不存在")
    )
    return report
