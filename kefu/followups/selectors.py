"""Reads of callbacks and surveys: the task lists, one task with its attempts, and the rates
the reports use (per agent and per department)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError
from kefu.core.paging import PER_PAGE, Page, paginate
from kefu.followups import rates
from kefu.followups.access import access_task, visible_tasks
from kefu.followups.models import CallbackTask, Survey
from kefu.followups.services import EXCLUDED_BY_CUSTOMER
from kefu.tickets.access import scoped_to_tickets

VIEWS = ("mine", "open", "overdue")
MAX_RANGE_DAYS = 366


def list_tasks(
    actor, *, view: str = "mine", page: int = 1, per_page: int = PER_PAGE
) -> Page[CallbackTask]:
    """Open callback tasks: ``mine`` (assigned to the actor), ``open`` (all), ``overdue`` (past
    their due time), one page (kefu.core.paging). The next to call first: a retry whose time
    came, then by due time. Two queries (count, page)."""
    if view not in VIEWS:
        raise ServiceError(Code.INVALID, _("视图无效"), field="view")
    qs = visible_tasks(actor).filter(state=CallbackTask.State.OPEN)
    if view == "mine":
        qs = qs.filter(assignee=actor)
    elif view == "overdue":
        qs = qs.filter(due_at__lt=timezone.now())
    rows = qs.select_related("ticket__type", "assignee__staff").order_by("due_at", "id")
    return paginate(rows, page=page, per_page=per_page)


def get_task(actor, task_id: int) -> CallbackTask:
    """One task with its ticket, attempts and survey, if the actor may see its ticket."""
    task = access_task(actor, task_id)
    task.attempt_list = list(task.attempt_rows.select_related("actor__staff"))
    task.survey_list = list(task.surveys.all())
    return task


def task_for_ticket(actor, ticket) -> CallbackTask | None:
    """The ticket's latest callback task (for a link from its page)."""
    return visible_tasks(actor).filter(ticket=ticket).order_by("-id").first()


# ---------------------------------------------------------------------------------- rates


@dataclass
class Rates:
    """One row of the callback report. ``due`` counts every callback owed (not the excluded);
    the callback rate leaves out those the customer refused at the call, as those who declined
    at intake."""

    key: int | None = None
    name: str = ""
    due: int = 0
    done: int = 0
    in_time: int = 0
    open: int = 0
    excluded: int = 0
    not_sampled: int = 0
    given_up: int = 0
    refused: int = 0
    satisfied: int = 0
    unsatisfied: int = 0
    invited: int = 0  # surveys sent or made
    surveys: int = 0  # surveys answered
    score_sum: int = 0

    @property
    def callback_rate(self) -> float | None:
        return rates.callback_rate(done=self.done, due=self.due, refused=self.refused)

    @property
    def satisfaction_rate(self) -> float | None:
        return rates.satisfaction_rate(satisfied=self.satisfied, unsatisfied=self.unsatisfied)

    @property
    def average_score(self) -> float | None:
        return rates.average_score(score_sum=self.score_sum, surveys=self.surveys)

    def add(self, other: Rates) -> None:
        for name in TASK_COUNTS + SURVEY_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "id": self.key,
            "name": self.name,
            **{name: getattr(self, name) for name in TASK_COUNTS},
            "invited": self.invited,
            "surveys": self.surveys,
            "callback_rate": self.callback_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "average_score": self.average_score,
        }


Excluded = CallbackTask.Excluded
TASK_AGGREGATES = {
    **rates.task_counts(),
    "excluded": Count("id", filter=Q(excluded_reason__in=EXCLUDED_BY_CUSTOMER)),
    "not_sampled": Count("id", filter=Q(excluded_reason=Excluded.NOT_SAMPLED)),
}
TASK_COUNTS = tuple(TASK_AGGREGATES)
SURVEY_COUNTS = ("invited", "surveys", "score_sum")


@dataclass
class Report:
    date_from: dt.date
    date_to: dt.date
    agents: list[Rates]
    departments: list[Rates]
    total: Rates


def _bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    date_from = date_from or today.replace(day=1)
    date_to = date_to or today
    if date_from > date_to:
        raise ServiceError(Code.INVALID, _("开始日期不能晚于结束日期"), field="date_from")
    if (date_to - date_from).days > MAX_RANGE_DAYS:
        raise ServiceError(Code.INVALID, _("统计区间最长一年"), field="date_to")
    return date_from, date_to


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


STATS_ROLES: set[str] = {
    Role.TEAM_LEAD,
    Role.SUPERVISOR,
    Role.GENERAL_MANAGER,
    Role.QUALITY,
    Role.ADMIN,
    Role.DEPT_HEAD,
}


def can_read_rates(actor) -> bool:
    return scope_of(actor).role in STATS_ROLES


def callback_rates(actor, *, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """Callbacks due in the range (by due date, the center's days) and surveys sent in it, per
    agent (the callback's assignee; the survey's serving agent) and per department, with the
    totals. Four queries, whatever the size. Statistics are for those who manage (team leads,
    supervisors, the general manager, quality, administrators; department heads their own
    department): FORBIDDEN for the others (DOMAIN §11)."""
    if not can_read_rates(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权查看回访统计"))
    date_from, date_to = _bounds(date_from, date_to)
    start, end = _midnight(date_from), _midnight(date_to + dt.timedelta(days=1))
    tasks = visible_tasks(actor).filter(due_at__gte=start, due_at__lt=end)
    surveys = _visible_surveys(actor).filter(created_at__gte=start, created_at__lt=end)
    answered = {"invited": Count("id"), **rates.survey_counts()}
    by_agent: dict = {}
    for row in (
        tasks.values("assignee", "assignee__staff__display_name", "assignee__username")
        .annotate(**TASK_AGGREGATES)
        .order_by()
    ):
        _row(by_agent, row["assignee"], _agent_name(row, "assignee"), row, TASK_COUNTS)
    for row in (
        surveys.values("agent", "agent__staff__display_name", "agent__username")
        .annotate(**answered)
        .order_by()
    ):
        _row(by_agent, row["agent"], _agent_name(row, "agent"), row, SURVEY_COUNTS)
    by_dept: dict = {}
    for row in (
        tasks.values("department", "department__name").annotate(**TASK_AGGREGATES).order_by()
    ):
        _row(by_dept, row["department"], row["department__name"] or _("未派部门"), row, TASK_COUNTS)
    for row in surveys.values("department", "department__name").annotate(**answered).order_by():
        _row(
            by_dept, row["department"], row["department__name"] or _("未派部门"), row, SURVEY_COUNTS
        )
    total = Rates(name=_("合计"))
    for agent_row in by_agent.values():
        total.add(agent_row)
    order = lambda r: (r.key is None, r.name, r.key or 0)  # noqa: E731
    return Report(
        date_from,
        date_to,
        sorted(by_agent.values(), key=order),
        sorted(by_dept.values(), key=order),
        total,
    )


def _agent_name(row: dict, prefix: str) -> str:
    if row[prefix] is None:
        return _("未分配")
    return row[f"{prefix}__staff__display_name"] or row[f"{prefix}__username"]


def _row(rows: dict, key, name: str, values: dict, names) -> None:
    row = rows.setdefault(key, Rates(key=key, name=name))
    for attr in names:
        setattr(row, attr, getattr(row, attr) + (values[attr] or 0))


def _visible_surveys(actor):
    return scoped_to_tickets(Survey.objects.all(), actor, through="ticket__")
