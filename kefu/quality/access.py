"""Who may do what in quality (质检).

- Scorecards and the sampling settings: the quality inspector, supervisors and admins.
- Drawing samples, scoring them, sending work back: the quality inspector, supervisors and
  admins (INSPECT_ROLES), over the agents of their reach (a branch's: that branch's agents).
- Reading inspections: the inspectors; the general manager; a team lead those of their
  branch's agents (a lead of no branch: all); an agent only their own.
- A send-back's recipient (the agent, or the staff of the department it went to) reads it
  and records the fix; department staff see nothing else of quality.
- An appeal is the inspection's agent's, once; a team lead whose reach covers the agent
  decides it, as may supervisors and admins.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.quality.models import Appeal, Inspection, Sample, Scorecard, SendBack

DEFINE_ROLES = {Role.QUALITY, Role.SUPERVISOR, Role.ADMIN}
INSPECT_ROLES = DEFINE_ROLES
DECIDE_ROLES = {Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}
READ_ALL_ROLES = INSPECT_ROLES | {Role.GENERAL_MANAGER, Role.TEAM_LEAD}


def may_define(actor: Actor | None) -> bool:
    return scope_of(actor).role in DEFINE_ROLES


def may_inspect(actor: Actor | None) -> bool:
    return scope_of(actor).role in INSPECT_ROLES


def may_use(actor: Actor | None) -> bool:
    """Quality pages open for center staff and for department staff (their send-backs)."""
    scope = scope_of(actor)
    return scope.is_center or (scope.is_department and scope.role != Role.FIELD_STAFF)


def require_define(actor: Actor | None) -> None:
    if not may_define(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有质检员、客服主管和管理员可以维护评分表"))


def require_inspect(actor: Actor | None) -> None:
    if not may_inspect(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有质检员、客服主管和管理员可以质检"))


def require_use(actor: Actor | None) -> None:
    if not may_use(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权使用质检"))


def _key(value: int, message: str) -> None:
    if not isinstance(value, int) or not 0 < value < 2**62:
        raise ServiceError(Code.NOT_FOUND, message)


def agents_filter(actor: Actor | None, field: str = "agent") -> Q | None:
    """The Q on ``field`` (a user) limiting rows to the agents the actor reads; None: none."""
    scope = scope_of(actor)
    if actor is None or scope.nothing:
        return None
    if scope.role in READ_ALL_ROLES:
        if scope.everything:
            return Q()
        return Q(**{f"{field}__staff__branch_id": scope.branch_id})
    if scope.is_center:
        return Q(**{f"{field}_id": actor.pk})
    return None


def covers_agent(actor: Actor | None, agent_branch_id: int | None) -> bool:
    scope = scope_of(actor)
    return scope.everything or (scope.branch_id is not None and scope.branch_id == agent_branch_id)


def access_scorecard(actor: Actor | None, scorecard_id: int) -> Scorecard:
    """Any version: the inspectors and the readers of inspections (they see the items)."""
    require_use(actor)
    _key(scorecard_id, _("评分表不存在"))
    found = Scorecard.objects.filter(pk=scorecard_id).first()
    if found is None or not scope_of(actor).is_center:
        raise ServiceError(Code.NOT_FOUND, _("评分表不存在"))
    return found


def visible_samples(actor: Actor | None) -> QuerySet[Sample]:
    """The inspectors' samples (of the agents in their reach); nobody else's."""
    if not may_inspect(actor):
        return Sample.objects.none()
    where = agents_filter(actor)
    return Sample.objects.none() if where is None else Sample.objects.filter(where)


def access_sample(actor: Actor | None, sample_id: int, *, for_update: bool = False) -> Sample:
    require_inspect(actor)
    _key(sample_id, _("样本不存在"))
    rows = visible_samples(actor).filter(pk=sample_id)
    if for_update:
        rows = Sample.objects.select_for_update(of=("self",)).filter(pk__in=rows.values("pk"))
    found = rows.select_related("ticket", "call", "agent__staff", "draw").first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("样本不存在"))
    return found


def visible_inspections(actor: Actor | None) -> QuerySet[Inspection]:
    where = agents_filter(actor)
    return Inspection.objects.none() if where is None else Inspection.objects.filter(where)


def access_inspection(
    actor: Actor | None, inspection_id: int, *, for_update: bool = False
) -> Inspection:
    require_use(actor)
    _key(inspection_id, _("质检记录不存在"))
    rows = visible_inspections(actor).filter(pk=inspection_id)
    if for_update:
        rows = Inspection.objects.select_for_update(of=("self",)).filter(pk__in=rows.values("pk"))
    found = rows.select_related("sample__ticket", "sample__call", "agent__staff").first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("质检记录不存在"))
    return found


def visible_send_backs(actor: Actor | None) -> QuerySet[SendBack]:
    """Inspectors and readers: those of the inspections they read; anyone: those sent to
    them or (department staff) to their department."""
    scope = scope_of(actor)
    if actor is None or scope.nothing:
        return SendBack.objects.none()
    mine = Q(to_user_id=actor.pk)
    if scope.is_department and scope.department_id is not None:
        mine |= Q(to_department_id=scope.department_id)
    where = agents_filter(actor, "inspection__agent")
    if where is not None and scope.role in READ_ALL_ROLES:
        if not where:  # the whole center (an empty Q would drop out of the OR)
            return SendBack.objects.all()
        mine |= where
    return SendBack.objects.filter(mine)


def access_send_back(
    actor: Actor | None, send_back_id: int, *, for_update: bool = False
) -> SendBack:
    require_use(actor)
    _key(send_back_id, _("整改单不存在"))
    rows = visible_send_backs(actor).filter(pk=send_back_id)
    if for_update:
        rows = SendBack.objects.select_for_update(of=("self",)).filter(pk__in=rows.values("pk"))
    found = rows.select_related("inspection__sample__ticket", "to_department").first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("整改单不存在"))
    return found


def is_recipient(actor: Actor | None, send_back: SendBack) -> bool:
    scope = scope_of(actor)
    if actor is None or scope.nothing:
        return False
    if send_back.to_user_id is not None and send_back.to_user_id == actor.pk:
        return True
    return (
        send_back.to_department_id is not None
        and scope.is_department
        and scope.department_id == send_back.to_department_id
    )


def visible_appeals(actor: Actor | None) -> QuerySet[Appeal]:
    where = agents_filter(actor)
    return Appeal.objects.none() if where is None else Appeal.objects.filter(where)


def access_appeal(actor: Actor | None, appeal_id: int, *, for_update: bool = False) -> Appeal:
    require_use(actor)
    _key(appeal_id, _("申诉不存在"))
    rows = visible_appeals(actor).filter(pk=appeal_id)
    if for_update:
        rows = Appeal.objects.select_for_update(of=("self",)).filter(pk__in=rows.values("pk"))
    found = rows.select_related("inspection", "agent__staff").first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("申诉不存在"))
    return found


def may_decide(actor: Actor | None, agent_branch_id: int | None) -> bool:
    """A team lead whose reach covers the agent (their branch, or all for a lead of none);
    supervisors and admins likewise."""
    scope = scope_of(actor)
    return scope.role in DECIDE_ROLES and covers_agent(actor, agent_branch_id)
