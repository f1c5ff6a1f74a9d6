"""Who hears of a ticket's time limits, and the escalation chain after a breach.

Level 1 is the ticket's assignee (or, unassigned, its department's staff, or the center's team
leads while no department has it); then the department head, the supervisor (客服主管) and
the general manager (总经理), one level every ``Policy.escalation_minutes`` while the target
stays unmet. A level with nobody in it is passed over. Rows are claimed a batch at a time
(locked with SKIP LOCKED on PostgreSQL; SQLite has one writer at a time), so two workers never
escalate one deadline twice; a batch's timeline rows, notifications and webhooks are written
together, in a fixed number of statements.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role
from kefu.core.said import said, written
from kefu.notify.services import Alert, emit_webhooks, notify_many
from kefu.sla.models import Deadline
from kefu.tickets.models import TicketEvent

LEVELS = {
    1: _("处理人"),
    2: _("部门负责人"),
    3: _("客服主管"),
    4: _("总经理"),
}
TOP = max(LEVELS)
BATCH = 500


def people_at_many(tickets: list, level: int) -> dict[int, list]:
    """The users to tell at ``level`` of the chain, for each ticket id (maybe empty lists):
    one query per level, whatever the number of tickets."""
    found: dict[int, list] = {ticket.id: [] for ticket in tickets}
    staff = get_user_model().objects.filter(is_active=True).select_related("staff")
    if level == 1:
        unassigned = [t for t in tickets if not t.assignee_id]
        for ticket in tickets:
            if ticket.assignee_id:
                found[ticket.id] = [ticket.assignee]
        by_department: dict[int | None, list] = defaultdict(list)
        departments = {t.department_id for t in unassigned if t.department_id}
        if departments:
            for user in staff.filter(staff__department_id__in=departments).order_by("pk"):
                by_department[user.staff.department_id].append(user)
        leads = []
        if any(not t.department_id for t in unassigned):
            leads = list(staff.filter(staff__role=Role.TEAM_LEAD).order_by("pk"))
        for ticket in unassigned:
            if ticket.department_id:
                found[ticket.id] = by_department[ticket.department_id]
            else:
                found[ticket.id] = _of_branch(leads, ticket)
    elif level == 2:
        heads: dict[int | None, list] = defaultdict(list)
        departments = {t.department_id for t in tickets if t.department_id}
        if departments:
            chosen = staff.filter(staff__department_id__in=departments, staff__role=Role.DEPT_HEAD)
            for user in chosen.order_by("pk"):
                heads[user.staff.department_id].append(user)
        for ticket in tickets:
            found[ticket.id] = heads[ticket.department_id] if ticket.department_id else []
    elif level == 3:
        supervisors = list(staff.filter(staff__role=Role.SUPERVISOR).order_by("pk"))
        for ticket in tickets:
            found[ticket.id] = _of_branch(supervisors, ticket)
    elif level == 4:
        managers = list(staff.filter(staff__role=Role.GENERAL_MANAGER).order_by("pk"))
        for ticket in tickets:
            found[ticket.id] = managers
    return found


def people_at(ticket, level: int) -> list:
    """The users to tell at ``level`` of the chain for ``ticket`` (may be empty)."""
    return people_at_many([ticket], level)[ticket.id]


def _of_branch(users: list, ticket) -> list:
    """Center staff without a branch, or of the ticket's branch."""
    return [u for u in users if u.staff.branch_id in (None, ticket.branch_id)]


def _key(row: Deadline, what: str) -> str:
    """Once per deadline, step and due time: a clock moved by a new severity may warn, breach
    and climb again."""
    return f"deadline:{row.pk}:{what}:{int(row.due_at.timestamp())}"


def _context(row: Deadline) -> dict:
    return {
        "target": row.name,
        "due": timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M"),
    }


def tell_many(rows: list[Deadline], what: str) -> None:
    """Notify level 1 of each row's warning or breach, and the webhooks (the timeline rows are
    written by the caller). Rows come with ``ticket__assignee`` loaded."""
    people = people_at_many([row.ticket for row in rows], 1)
    alerts, hooks = [], []
    for row in rows:
        key = _key(row, what)
        context = _context(row)
        alerts.append(Alert(f"sla.{what}", people[row.ticket_id], context, key, row.ticket))
        payload = {"serial": row.ticket.serial, "target_code": row.code} | context
        hooks.append((f"sla.{what}", payload, key))
    notify_many(alerts)
    emit_webhooks(hooks)


def start_chains(rows: list[Deadline], now: dt.datetime) -> None:
    """Breaches just recorded: level 1 is told, the next level is due after the interval."""
    for row in rows:
        row.escalation_level = 1
        row.next_escalation_at = now + dt.timedelta(minutes=row.policy.escalation_minutes)
    Deadline.objects.bulk_update(rows, ["escalation_level", "next_escalation_at"])


def escalate(now: dt.datetime | None = None) -> int:
    """Take one step up the chain for every breached deadline whose next step is due. Returns
    the number of steps taken."""
    now = now or timezone.now()
    steps = 0
    while True:
        with transaction.atomic():
            rows = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    state=Deadline.State.BREACHED,
                    next_escalation_at__isnull=False,
                    next_escalation_at__lte=now,
                )
                .select_related("ticket__assignee", "policy")
                .order_by("next_escalation_at", "id")[:BATCH]
            )
            if not rows:
                return steps
            steps += _climb(rows, now)
        if len(rows) < BATCH:
            return steps


def _climb(rows: list[Deadline], now: dt.datetime) -> int:
    tickets = [row.ticket for row in rows]
    levels = {level: people_at_many(tickets, level) for level in range(2, TOP + 1)}
    events, alerts, hooks = [], [], []
    for row in rows:
        target, people = row.escalation_level + 1, []
        while target <= TOP:
            people = levels[target][row.ticket_id]
            if people:
                break
            target += 1
        row.escalation_level = min(target, TOP)
        row.next_escalation_at = (
            None if target >= TOP else now + dt.timedelta(minutes=row.policy.escalation_minutes)
        )
        if not people:
            continue
        label = str(LEVELS[target])
        note, data = written(
            said(
                gettext_noop("%(name)s 超时未完成,已升级至%(level)s:%(people)s"),
                labels={"name": row.name},
                level=LEVELS[target],
                people="、".join(p.first_name or p.username for p in people),
            ),
            {"target": row.code, "level": target},
        )
        events.append(
            TicketEvent(
                ticket=row.ticket,
                at=now,
                kind=TicketEvent.Kind.SLA,
                action="escalation",
                note=note,
                data=data,
            )
        )
        key = _key(row, f"escalation:{target}")
        context = _context(row) | {"level": label}
        alerts.append(Alert("sla.escalation", people, context, key, row.ticket))
        payload = {"serial": row.ticket.serial, "target_code": row.code, "level_number": target}
        hooks.append(("sla.escalation", payload | context, key))
    Deadline.objects.bulk_update(rows, ["escalation_level", "next_escalation_at"])
    TicketEvent.objects.bulk_create(events)
    notify_many(alerts)
    emit_webhooks(hooks)
    return len(events)
