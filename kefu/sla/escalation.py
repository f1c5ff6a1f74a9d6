"""Who hears of a ticket's time limits, and the escalation chain after a breach.

Level 1 is the ticket's assignee (or, unassigned, its department's staff, or the center's team
leads while no department has it); then the department head, the supervisor (客服主管) and
the general manager (总经理), one level every ``Policy.escalation_minutes`` while the target
stays unmet. A level with nobody in it is passed over. Each step is claimed with a
conditional update, so two workers never escalate one deadline twice.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Role
from kefu.sla.models import Deadline

LEVELS = {
    1: _("处理人"),
    2: _("部门负责人"),
    3: _("客服主管"),
    4: _("总经理"),
}
TOP = max(LEVELS)
BATCH = 500


def _staff(**filters):
    return get_user_model().objects.filter(is_active=True, **filters)


def people_at(ticket, level: int) -> list:
    """The users to tell at ``level`` of the chain for ``ticket`` (may be empty)."""
    match level:
        case 1:
            if ticket.assignee_id:
                return [ticket.assignee]
            if ticket.department_id:
                return list(_staff(staff__department_id=ticket.department_id))
            return list(_staff(staff__role=Role.TEAM_LEAD).filter(_branch(ticket)))
        case 2:
            if not ticket.department_id:
                return []
            return list(
                _staff(staff__department_id=ticket.department_id, staff__role=Role.DEPT_HEAD)
            )
        case 3:
            return list(_staff(staff__role=Role.SUPERVISOR).filter(_branch(ticket)))
        case 4:
            return list(_staff(staff__role=Role.GENERAL_MANAGER))
    return []


def _branch(ticket) -> Q:
    """Center staff without a branch, or of the ticket's branch."""
    return Q(staff__branch__isnull=True) | Q(staff__branch_id=ticket.branch_id)


def _context(row: Deadline) -> dict:
    return {
        "target": row.name,
        "due": timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M"),
    }


def tell(row: Deadline, what: str) -> None:
    """Notify level 1 of a warning or a breach (the timeline row is written by the caller)."""
    from kefu.notify.services import emit_webhook, notify_users

    ticket = row.ticket
    key = f"deadline:{row.pk}:{what}"
    notify_users(
        f"sla.{what}", users=people_at(ticket, 1), context=_context(row), key=key, ticket=ticket
    )
    payload = {"serial": ticket.serial, "target_code": row.code} | _context(row)
    emit_webhook(f"sla.{what}", payload, key=key)


def start_chain(row: Deadline, now: dt.datetime) -> None:
    """A breach was just recorded: level 1 is told, the next level is due after the interval."""
    Deadline.objects.filter(pk=row.pk).update(
        escalation_level=1,
        next_escalation_at=now + dt.timedelta(minutes=row.policy.escalation_minutes),
    )


def escalate(now: dt.datetime | None = None) -> int:
    """Take one step up the chain for every breached deadline whose next step is due. Returns
    the number of steps taken."""
    from kefu.notify.services import emit_webhook, notify_users
    from kefu.tickets.models import TicketEvent
    from kefu.tickets.timeline import record_event

    now = now or timezone.now()
    due = Deadline.objects.filter(
        state=Deadline.State.BREACHED, next_escalation_at__isnull=False, next_escalation_at__lte=now
    ).values_list("pk", "escalation_level")
    steps = 0
    for pk, level in list(due[:BATCH]):
        with transaction.atomic():
            row = Deadline.objects.select_related("ticket__assignee", "policy").get(pk=pk)
            ticket = row.ticket
            target, people = level + 1, []
            while target <= TOP:
                people = people_at(ticket, target)
                if people:
                    break
                target += 1
            last = target >= TOP
            claimed = Deadline.objects.filter(
                pk=pk, state=Deadline.State.BREACHED, escalation_level=level
            ).update(
                escalation_level=min(target, TOP),
                next_escalation_at=None
                if last
                else now + dt.timedelta(minutes=row.policy.escalation_minutes),
            )
            if not claimed or not people:
                continue
            label = str(LEVELS[target])
            record_event(
                ticket,
                actor=None,
                kind=TicketEvent.Kind.SLA,
                action="escalation",
                note=_("%(name)s 超时未完成,已升级至%(level)s:%(people)s")
                % {
                    "name": row.name,
                    "level": label,
                    "people": "、".join(p.first_name or p.username for p in people),
                },
                data={"target": row.code, "level": target},
            )
            key = f"deadline:{row.pk}:escalation:{target}"
            context = _context(row) | {"level": label}
            notify_users("sla.escalation", users=people, context=context, key=key, ticket=ticket)
            payload = {"serial": ticket.serial, "target_code": row.code, "level_number": target}
            emit_webhook("sla.escalation", payload | context, key=key)
            steps += 1
    return steps
