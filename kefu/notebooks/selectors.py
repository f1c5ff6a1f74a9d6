"""Reads of the notebooks: the lists, the service count and the grumble statistics.

The service count is computed in the database, one grouped query per source of the agent's
work — tickets taken (受理: created by the agent), calls answered (telephony), callbacks done
(followups), replies written in conversations, found items registered at the desk — and one
for the manual entries, each counted per agent and local day; never a loop over rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from kefu.accounts.scope import INTAKE_ROLES, scope_of
from kefu.complaints.models import COMPLAINT_TYPE, Complaint
from kefu.conversations.models import Direction, Message
from kefu.followups.models import CallbackTask
from kefu.frontdesk.models import FoundItem
from kefu.notebooks import access
from kefu.notebooks.models import (
    EntryKind,
    Grumble,
    Problem,
    ServiceEntry,
    WeeklyCollection,
)
from kefu.telephony.models import CallRecord
from kefu.tickets.models import Ticket

# The counted sources, as the count's columns name them.
SOURCES = (
    ("tickets", _lazy("受理工单")),
    ("calls", _lazy("接听电话")),
    ("callbacks", _lazy("完成回访")),
    ("messages", _lazy("回复消息")),
    ("found_items", _lazy("拾物登记")),
)


def list_problems(
    actor: Any, *, status: str = "", category: str = "", mine: bool = False
) -> QuerySet[Problem]:
    rows = access.visible_problems(actor)
    if status:
        rows = rows.filter(status=status)
    if category:
        rows = rows.filter(category=category)
    if mine and actor is not None:
        rows = rows.filter(created_by=actor)
    return rows.select_related(
        "created_by__staff", "ticket", "answered_by__staff", "forwarded_to__staff"
    ).order_by("-created_at", "-id")


def list_collections(actor: Any) -> QuerySet[WeeklyCollection]:
    """The weekly collections: a team lead's own; a supervisor's and an admin's, those of the
    leads of their team."""
    if not access.may_lead(actor) or actor is None:
        return WeeklyCollection.objects.none()
    scope = scope_of(actor)
    rows = WeeklyCollection.objects.all()
    if scope.role == "team_lead":
        rows = rows.filter(lead=actor)
    elif not scope.everything:
        branch = scope.branch_id or 0  # a center role without a branch sees everything
        rows = rows.filter(lead__staff__branch_id=branch)
    return (
        rows.select_related("lead__staff")
        .annotate(
            problem_count=Count("problems", distinct=True),
            answered=Count(
                "problems", filter=Q(problems__status=Problem.Status.ANSWERED), distinct=True
            ),
        )
        .order_by("-week_start", "id")
    )


def problems_of(collection: WeeklyCollection) -> QuerySet[Problem]:
    return collection.problems.select_related("created_by__staff", "ticket").order_by(
        "created_at", "id"
    )


def list_entries(
    actor: Any,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    agent_id: int | None = None,
) -> QuerySet[ServiceEntry]:
    rows = access.visible_entries(actor)
    if first is not None:
        rows = rows.filter(day__gte=first)
    if last is not None:
        rows = rows.filter(day__lte=last)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    return rows.select_related("agent__staff", "created_by__staff").order_by("-day", "-id")


def list_grumbles(
    actor: Any,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    escalated: bool | None = None,
) -> QuerySet[Grumble]:
    rows = access.visible_grumbles(actor)
    if first is not None:
        rows = rows.filter(at__gte=_start(first))
    if last is not None:
        rows = rows.filter(at__lt=_start(last + dt.timedelta(days=1)))
    if escalated is not None:
        rows = rows.filter(ticket__isnull=not escalated)
    return rows.select_related("created_by__staff", "category", "ticket").order_by("-at", "-id")


# --- the service count ------------------------------------------------------------------------


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def team_of(actor: Any, agent_id: int | None = None) -> QuerySet[Any]:
    """The staff whose count ``actor`` sees: an agent themselves; a lead (and the readers) the
    intake staff of their team. ``agent_id`` narrows to one of them."""
    User = get_user_model()
    scope = scope_of(actor)
    if not scope.is_center or actor is None:
        return User.objects.none()
    if scope.can_intake and not scope.leads_floor:
        rows = User.objects.filter(pk=actor.pk)
    else:
        rows = User.objects.filter(staff__role__in=INTAKE_ROLES)
        if not scope.everything:
            rows = rows.filter(staff__branch_id=scope.branch_id or 0)
    if agent_id is not None:
        rows = rows.filter(pk=agent_id)
    return rows


@dataclass
class CountRow:
    agent_id: int
    employee_no: str
    name: str
    day: dt.date | None  # None: the agent's total of the period
    counts: dict[str, int] = field(default_factory=dict)  # source → n
    manual: dict[str, int] = field(default_factory=dict)  # entry kind → n

    @property
    def manual_total(self) -> int:
        return sum(self.manual.values())

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + self.manual_total

    def add(self, other: CountRow) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, n in other.manual.items():
            self.manual[key] = self.manual.get(key, 0) + n


@dataclass
class ServiceCount:
    first: dt.date
    last: dt.date
    days: list[CountRow]  # per agent and day, by agent then day
    agents: list[CountRow]  # per agent, the period's total
    total: CountRow


def _per_day(rows: QuerySet[Any], who: str, moment: str) -> QuerySet[Any]:
    """``rows`` counted per person (``who``, as ``person``) and local day of ``moment``."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        rows.annotate(local_day=TruncDate(moment, tzinfo=zone), person=F(who))
        .values("person", "local_day")
        .annotate(n=Count("id"))
        .order_by()
    )


def service_count(
    actor: Any, *, first: dt.date, last: dt.date, agent_id: int | None = None
) -> ServiceCount:
    """服务统计 of ``actor``'s team (kefu.notebooks.access) from ``first`` to ``last``
    (local days, both included): per agent and day, per agent, and in all. Seven queries,
    whatever the number of agents and rows."""
    access.require_read(actor)
    team = {
        u.pk: u
        for u in team_of(actor, agent_id).select_related("staff").order_by("staff__employee_no")
    }
    start, end = _start(first), _start(last + dt.timedelta(days=1))
    ids = list(team)
    sources: dict[str, QuerySet[Any]] = {
        "tickets": _per_day(
            Ticket.objects.filter(created_by_id__in=ids, created_at__gte=start, created_at__lt=end),
            "created_by_id",
            "created_at",
        ),
        "calls": _per_day(
            CallRecord.objects.filter(
                agent_id__in=ids, answered_at__gte=start, answered_at__lt=end
            ),
            "agent_id",
            "answered_at",
        ),
        "callbacks": _per_day(
            CallbackTask.objects.filter(
                assignee_id__in=ids,
                state=CallbackTask.State.DONE,
                finished_at__gte=start,
                finished_at__lt=end,
            ),
            "assignee_id",
            "finished_at",
        ),
        "messages": _per_day(
            Message.objects.filter(
                author_id__in=ids,
                direction=Direction.OUT,
                automatic=False,
                at__gte=start,
                at__lt=end,
            ),
            "author_id",
            "at",
        ),
        "found_items": _per_day(
            FoundItem.objects.filter(
                registered_by_id__in=ids, registered_at__gte=start, registered_at__lt=end
            ),
            "registered_by_id",
            "registered_at",
        ),
    }
    cells: dict[tuple[int, dt.date], CountRow] = {}

    def cell(agent: int, day: dt.date) -> CountRow:
        if (agent, day) not in cells:
            user = team[agent]
            cells[agent, day] = CountRow(
                agent, user.staff.employee_no, user.staff.display_name, day
            )
        return cells[agent, day]

    for source, rows in sources.items():
        for row in rows:
            cell(row["person"], row["local_day"]).counts[source] = row["n"]
    manual = (
        ServiceEntry.objects.filter(agent_id__in=ids, day__gte=first, day__lte=last)
        .values("agent_id", "day", "kind")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in manual:
        if row["n"]:
            cell(row["agent_id"], row["day"]).manual[row["kind"]] = row["n"]
    days = sorted(cells.values(), key=lambda r: (r.employee_no, r.day or first))
    per_agent: dict[int, CountRow] = {}
    for row in days:
        if row.agent_id not in per_agent:
            per_agent[row.agent_id] = CountRow(row.agent_id, row.employee_no, row.name, None)
        per_agent[row.agent_id].add(row)
    total = CountRow(0, "", "", None)
    for row in per_agent.values():
        total.add(row)
    return ServiceCount(first, last, days, list(per_agent.values()), total)


def count_header() -> list[str]:
    return (
        [str(_lazy("工号")), str(_lazy("姓名")), str(_lazy("日期"))]
        + [str(label) for _code, label in SOURCES]
        + [str(label) for label in EntryKind.labels]
        + [str(_lazy("合计"))]
    )


def count_sheet_rows(result: ServiceCount) -> list[list[Any]]:
    def line(row: CountRow, day: str) -> list[Any]:
        return (
            [row.employee_no, row.name, day]
            + [row.counts.get(code, 0) for code, _label in SOURCES]
            + [row.manual.get(kind, 0) for kind in EntryKind.values]
            + [row.total]
        )

    rows = [line(r, r.day.isoformat() if r.day else "") for r in result.days]
    rows += [line(r, str(_lazy("月合计"))) for r in result.agents]
    rows.append(line(result.total, str(_lazy("合计"))))
    return rows


# --- grumbles vs complaints -------------------------------------------------------------------


@dataclass
class GrumbleStats:
    first: dt.date
    last: dt.date
    agents: list[dict[str, Any]]  # agent, grumbles, satisfied, escalated, complaints
    categories: list[dict[str, Any]]  # category, grumbles, complaints
    grumbles: int
    complaints: int


def grumble_stats(actor: Any, *, first: dt.date, last: dt.date) -> GrumbleStats:
    """抱怨 counted apart from 投诉: the month's grumbles per agent and per category, next to
    the complaint tickets the same agents took. Five queries."""
    access.require_read(actor)
    team = {u.pk: u for u in team_of(actor).select_related("staff")}
    start, end = _start(first), _start(last + dt.timedelta(days=1))
    grumbles = Grumble.objects.filter(created_by_id__in=list(team), at__gte=start, at__lt=end)
    complaints = Ticket.objects.filter(
        created_by_id__in=list(team),
        type__code=COMPLAINT_TYPE,
        created_at__gte=start,
        created_at__lt=end,
    )
    agents: dict[int, dict[str, Any]] = {}

    def agent_row(pk: int) -> dict[str, Any]:
        if pk not in agents:
            staff = team[pk].staff
            agents[pk] = {
                "agent_id": pk,
                "employee_no": staff.employee_no,
                "name": staff.display_name,
                "grumbles": 0,
                "satisfied": 0,
                "escalated": 0,
                "complaints": 0,
            }
        return agents[pk]

    for g in (
        grumbles.values("created_by_id")
        .annotate(
            n=Count("id"),
            n_satisfied=Count("id", filter=Q(satisfied=True)),
            n_escalated=Count("ticket"),
        )
        .order_by()
    ):
        agent_row(g["created_by_id"]).update(
            grumbles=g["n"], satisfied=g["n_satisfied"], escalated=g["n_escalated"]
        )
    for c in complaints.values("created_by_id").annotate(n=Count("id")).order_by():
        agent_row(c["created_by_id"])["complaints"] = c["n"]
    categories: dict[str, dict[str, Any]] = {}

    def category_row(name: str | None) -> dict[str, Any]:
        key = name or ""
        if key not in categories:
            categories[key] = {"category": key, "grumbles": 0, "complaints": 0}
        return categories[key]

    for gc in grumbles.values("category__name").annotate(n=Count("id")).order_by():
        category_row(gc["category__name"])["grumbles"] = gc["n"]
    for cc in (
        Complaint.objects.filter(ticket__in=complaints)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by()
    ):
        category_row(cc["category__name"])["complaints"] = cc["n"]
    agent_rows = sorted(agents.values(), key=lambda r: r["employee_no"])
    category_rows = sorted(categories.values(), key=lambda r: (r["category"] == "", r["category"]))
    return GrumbleStats(
        first,
        last,
        agent_rows,
        category_rows,
        sum(r["grumbles"] for r in agent_rows),
        sum(r["complaints"] for r in agent_rows),
    )


def month_of(year: int | None, month: int | None) -> tuple[dt.date, dt.date]:
    """The first and last day of the month named (each part defaults to today's)."""
    today = timezone.localdate()
    return month_bounds(year or today.year, month or today.month)


def period_of(year: int | None, month: int | None) -> tuple[dt.date | None, dt.date | None]:
    """A list's month filter: none when neither part is given."""
    if year is None and month is None:
        return None, None
    return month_of(year, month)
