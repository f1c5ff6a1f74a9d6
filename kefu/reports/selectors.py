"""The monthly complaint figures (DOMAIN §2, "Statistics"): complaints received in a month of
the center's time, by category and responsibility class, severity, handling status, result
time limit, callbacks, department and agent, with the causes and corrective actions.

Aggregate queries only: ``monthly_statistics`` runs the same seven queries whatever the size of
the month, each an index range read of the month's complaints (``complaint_received``) joined
to their tickets, deadlines, callback tasks and surveys by key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints.models import Complaint
from kefu.core.calendar import next_month, parse_month
from kefu.core.models import PhraseUse
from kefu.followups import rates
from kefu.followups.models import CallbackTask, Survey
from kefu.followups.services import EXCLUDED_BY_CUSTOMER
from kefu.reports.access import access_reports
from kefu.sla.models import ComplaintClass, Deadline, Severity
from kefu.tickets.models import OPEN_STATUSES, Status

RESULT_TARGET = "result"  # the time limit the report counts (处理结果)
LESSONS_LIMIT = 2000  # causes listed; the count says how many there were
UNDETERMINED = ""  # a complaint whose class is not decided yet
CLASSES = (
    ComplaintClass.RESPONSIBLE,
    ComplaintClass.NOT_RESPONSIBLE,
    ComplaintClass.ASSIST,
    UNDETERMINED,
)


def class_label(code: str) -> str:
    return str(ComplaintClass(code).label) if code in ComplaintClass.values else _("未界定")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# ---------------------------------------------------------------------------------- months


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month at midnight in the center's time zone."""
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(next_month(month), dt.time.min, tzinfo=zone)


# ---------------------------------------------------------------------------------- figures


@dataclass
class Severities:
    general: int = 0
    major: int = 0
    collective: int = 0  # complaints belonging to a collective complaint
    collective_groups: int = 0  # the collective complaints they make up
    repeat: int = 0  # complaints repeating an earlier one


@dataclass
class Statuses:
    open: int = 0
    resolved: int = 0
    followed_up: int = 0
    closed: int = 0
    cancelled: int = 0  # cancelled or merged into another ticket


@dataclass
class TimeLimits:
    """The result time limit (处理结果) of the month's complaints."""

    met: int = 0
    late: int = 0  # done after the limit
    breached: int = 0  # past the limit and still not done
    running: int = 0  # still within the limit
    cancelled: int = 0  # stopped (the ticket ended otherwise)

    @property
    def on_time_rate(self) -> float | None:
        """Met of all whose limit was reached: met, late, breached."""
        return _rate(self.met, self.met + self.late + self.breached)


@dataclass
class Callbacks:
    """Callback tasks of the month's complaints, counted as kefu.followups counts them: ``due``
    is every callback owed (not the excluded); the rate leaves out those the customer refused."""

    due: int = 0
    done: int = 0
    in_time: int = 0
    open: int = 0
    given_up: int = 0  # unreachable after the last attempt
    refused: int = 0
    declined: int = 0  # excluded: the customer declined a callback at intake
    anonymous: int = 0  # excluded: anonymous
    not_sampled: int = 0  # excluded: not drawn by the rule's sample
    satisfied: int = 0
    unsatisfied: int = 0
    surveys: int = 0  # satisfaction surveys answered
    score_sum: int = 0

    @property
    def excluded(self) -> int:
        return self.declined + self.anonymous + self.not_sampled

    @property
    def callback_rate(self) -> float | None:
        return rates.callback_rate(done=self.done, due=self.due, refused=self.refused)

    @property
    def satisfaction_rate(self) -> float | None:
        return rates.satisfaction_rate(satisfied=self.satisfied, unsatisfied=self.unsatisfied)

    @property
    def average_score(self) -> float | None:
        return rates.average_score(score_sum=self.score_sum, surveys=self.surveys)


@dataclass
class Row:
    """One department or one agent (the agent who took the complaint)."""

    key: int | None = None
    name: str = ""
    complaints: int = 0
    resolved: int = 0  # resolved at some time (resolved, followed up or closed since)
    time_limits: TimeLimits = field(default_factory=TimeLimits)
    callbacks: Callbacks = field(default_factory=Callbacks)


@dataclass
class MatrixRow:
    key: int | None
    name: str
    cells: dict[str, int]  # complaint class ("" undetermined) → count
    total: int = 0

    @property
    def counts(self) -> list[int]:
        """The cells in the order of CLASSES (the table's columns)."""
        return [self.cells.get(code, 0) for code in CLASSES]


@dataclass
class Lesson:
    serial: str
    received_at: str  # ISO, the center's time
    category: str
    department: str
    complaint_class: str
    severity: str
    cause: str
    corrective_action: str


@dataclass
class MonthlyStats:
    month: dt.date
    branch: str  # a branch's code, or "" for the whole center
    generated_at: dt.datetime
    total: int = 0
    severity: Severities = field(default_factory=Severities)
    status: Statuses = field(default_factory=Statuses)
    matrix: list[MatrixRow] = field(default_factory=list)
    class_totals: dict[str, int] = field(default_factory=dict)
    time_limits: TimeLimits = field(default_factory=TimeLimits)
    callbacks: Callbacks = field(default_factory=Callbacks)
    departments: list[Row] = field(default_factory=list)
    agents: list[Row] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)
    lessons_total: int = 0  # complaints with a cause or corrective action recorded

    @property
    def classes(self) -> list[tuple[str, str]]:
        return [(code, class_label(code)) for code in CLASSES]

    @property
    def class_counts(self) -> list[int]:
        return [self.class_totals.get(code, 0) for code in CLASSES]

    def as_dict(self) -> dict:
        """JSON-ready, rates included (the API body and the report's snapshot)."""
        data = asdict(self)
        data["month"] = f"{self.month:%Y-%m}"
        data["generated_at"] = self.generated_at.isoformat()
        data["time_limits"]["on_time_rate"] = self.time_limits.on_time_rate
        data["callbacks"].update(_callback_rates(self.callbacks))
        for name in ("departments", "agents"):
            for row, out in zip(getattr(self, name), data[name], strict=True):
                out["time_limits"]["on_time_rate"] = row.time_limits.on_time_rate
                out["callbacks"].update(_callback_rates(row.callbacks))
        return data

    @classmethod
    def from_dict(cls, data: dict) -> MonthlyStats:
        """The figures back from ``as_dict()`` (a snapshot), rates recomputed."""

        def build(kind, values: dict):
            names = {f.name for f in fields(kind)}
            return kind(**{k: v for k, v in values.items() if k in names})

        def row(values: dict) -> Row:
            return Row(
                key=values["key"],
                name=values["name"],
                complaints=values["complaints"],
                resolved=values["resolved"],
                time_limits=build(TimeLimits, values["time_limits"]),
                callbacks=build(Callbacks, values["callbacks"]),
            )

        return cls(
            month=parse_month(data["month"]),
            branch=data["branch"],
            generated_at=dt.datetime.fromisoformat(data["generated_at"]),
            total=data["total"],
            severity=build(Severities, data["severity"]),
            status=build(Statuses, data["status"]),
            matrix=[build(MatrixRow, r) for r in data["matrix"]],
            class_totals=data["class_totals"],
            time_limits=build(TimeLimits, data["time_limits"]),
            callbacks=build(Callbacks, data["callbacks"]),
            departments=[row(r) for r in data["departments"]],
            agents=[row(r) for r in data["agents"]],
            lessons=[build(Lesson, r) for r in data["lessons"]],
            lessons_total=data["lessons_total"],
        )


def _callback_rates(callbacks: Callbacks) -> dict:
    return {
        "excluded": callbacks.excluded,
        "callback_rate": callbacks.callback_rate,
        "satisfaction_rate": callbacks.satisfaction_rate,
        "average_score": callbacks.average_score,
    }


# ---------------------------------------------------------------------------------- queries

DeadlineState, TaskState, Excluded = Deadline.State, CallbackTask.State, CallbackTask.Excluded
DEADLINE_COUNTS = {
    "met": Count("id", filter=Q(state=DeadlineState.MET)),
    "late": Count("id", filter=Q(state=DeadlineState.LATE)),
    "breached": Count("id", filter=Q(state=DeadlineState.BREACHED)),
    "running": Count("id", filter=Q(state=DeadlineState.PENDING)),
    "cancelled": Count("id", filter=Q(state=DeadlineState.CANCELLED)),
}
CALLBACK_COUNTS = {
    **rates.task_counts(),
    "declined": Count("id", filter=Q(excluded_reason=Excluded.DECLINED)),
    "anonymous": Count("id", filter=Q(excluded_reason=Excluded.ANONYMOUS)),
    "not_sampled": Count("id", filter=Q(excluded_reason=Excluded.NOT_SAMPLED)),
}
assert set(EXCLUDED_BY_CUSTOMER) == {Excluded.DECLINED, Excluded.ANONYMOUS}
# Answered ones, counted by filter rather than in WHERE: the read then goes by the month's
# tickets (the ticket index), not through every answered survey of all time (the state index).
SURVEY_COUNTS = rates.survey_counts()
DEPT, AGENT = "ticket__department_id", "ticket__created_by_id"


def monthly_statistics(month: dt.date, *, branch=None) -> MonthlyStats:
    """The figures of the complaints received in ``month`` (any day of it; the center's time),
    of the whole center or of ``branch`` (a Branch). Seven queries, whatever the month's size.
    Reads only; the caller checks who may see them."""
    month = parse_month(month)
    start, end = month_bounds(month)
    complaints = Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
    if branch is not None:
        complaints = complaints.filter(ticket__branch=branch)
    stats = MonthlyStats(
        month=month, branch=branch.code if branch is not None else "", generated_at=timezone.now()
    )
    _totals(stats, complaints)
    _matrix(stats, complaints)
    _people(stats, complaints)
    _lessons(stats, complaints)
    return stats


def _totals(stats: MonthlyStats, complaints) -> None:
    cancelled = (Status.CANCELLED, Status.MERGED)
    row = complaints.aggregate(
        total=Count("id"),
        general=Count("id", filter=Q(severity=Severity.GENERAL)),
        major=Count("id", filter=Q(severity=Severity.MAJOR)),
        collective=Count("id", filter=Q(group__isnull=False)),
        collective_groups=Count("group", distinct=True),
        repeat=Count("id", filter=Q(repeat_of__isnull=False)),
        open=Count("id", filter=Q(ticket__status__in=OPEN_STATUSES)),
        resolved=Count("id", filter=Q(ticket__status=Status.RESOLVED)),
        followed_up=Count("id", filter=Q(ticket__status=Status.FOLLOWED_UP)),
        closed=Count("id", filter=Q(ticket__status=Status.CLOSED)),
        cancelled=Count("id", filter=Q(ticket__status__in=cancelled)),
        lessons=Count("id", filter=~Q(cause="") | ~Q(corrective_action="")),
    )
    stats.total = row["total"]
    stats.severity = Severities(**{f.name: row[f.name] for f in fields(Severities)})
    stats.status = Statuses(**{f.name: row[f.name] for f in fields(Statuses)})
    stats.lessons_total = row["lessons"]


def _matrix(stats: MonthlyStats, complaints) -> None:
    rows: dict = {}
    grouped = (
        complaints.values("category_id", "category__name", "category__order", "complaint_class")
        .annotate(n=Count("id"))
        .order_by()
    )
    order = {}
    for r in grouped:
        key = r["category_id"]
        line = rows.setdefault(
            key,
            MatrixRow(key, r["category__name"] or _("未分类"), dict.fromkeys(CLASSES, 0)),
        )
        order[key] = (key is None, r["category__order"] or 0, key or 0)
        klass = r["complaint_class"] if r["complaint_class"] in CLASSES else UNDETERMINED
        line.cells[klass] += r["n"]
        line.total += r["n"]
    stats.matrix = sorted(rows.values(), key=lambda line: order[line.key])
    stats.class_totals = {c: sum(line.cells[c] for line in stats.matrix) for c in CLASSES}


def _people(stats: MonthlyStats, complaints) -> None:
    """Per department and per agent: one grouped query each for the complaints, their result
    deadlines, callback tasks and answered surveys, by (department, agent); summed here."""
    ids = complaints.values("ticket_id")
    departments: dict = {}
    agents: dict = {}
    grouped = (
        complaints.values(
            DEPT,
            AGENT,
            "ticket__department__name",
            "ticket__created_by__staff__display_name",
            "ticket__created_by__username",
        )
        .annotate(
            complaints=Count("id"),
            resolved=Count("id", filter=Q(ticket__resolved_at__isnull=False)),
        )
        .order_by()
    )
    for r in grouped:
        dept_name = r["ticket__department__name"] or _("未派部门")
        if r[AGENT] is None:
            agent_name = _("未知")
        else:
            agent_name = (
                r["ticket__created_by__staff__display_name"] or r["ticket__created_by__username"]
            )
        for rows, key, name in ((departments, r[DEPT], dept_name), (agents, r[AGENT], agent_name)):
            row = rows.setdefault(key, Row(key=key, name=name))
            row.complaints += r["complaints"]
            row.resolved += r["resolved"]

    def add(queryset, counts: dict, part: str, total) -> None:
        for r in queryset.values(DEPT, AGENT).annotate(**counts).order_by():
            values = {k: r[k] or 0 for k in counts}
            for rows, key in ((departments, r[DEPT]), (agents, r[AGENT])):
                row = rows.setdefault(key, Row(key=key, name=_("未知")))
                _add(getattr(row, part), values)
            _add(total, values)

    add(
        Deadline.objects.filter(ticket_id__in=ids, code=RESULT_TARGET),
        DEADLINE_COUNTS,
        "time_limits",
        stats.time_limits,
    )
    add(
        CallbackTask.objects.filter(ticket_id__in=ids),
        CALLBACK_COUNTS,
        "callbacks",
        stats.callbacks,
    )
    add(
        Survey.objects.filter(ticket_id__in=ids),
        SURVEY_COUNTS,
        "callbacks",
        stats.callbacks,
    )
    order = lambda row: (row.key is None, -row.complaints, row.name, row.key or 0)  # noqa: E731
    stats.departments = sorted(departments.values(), key=order)
    stats.agents = sorted(agents.values(), key=order)


def _add(target, values: dict) -> None:
    for name, value in values.items():
        setattr(target, name, getattr(target, name) + value)


def _lessons(stats: MonthlyStats, complaints) -> None:
    rows = (
        complaints.filter(~Q(cause="") | ~Q(corrective_action=""))
        .values(
            "ticket__serial",
            "received_at",
            "category__name",
            "ticket__department__name",
            "complaint_class",
            "severity",
            "cause",
            "corrective_action",
        )
        .order_by("received_at", "id")[:LESSONS_LIMIT]
    )
    stats.lessons = [
        Lesson(
            serial=r["ticket__serial"],
            received_at=timezone.localtime(r["received_at"]).isoformat(timespec="minutes"),
            category=r["category__name"] or _("未分类"),
            department=r["ticket__department__name"] or _("未派部门"),
            complaint_class=class_label(r["complaint_class"]),
            severity=str(Severity(r["severity"]).label) if r["severity"] in Severity.values else "",
            cause=r["cause"],
            corrective_action=r["corrective_action"],
        )
        for r in rows
    ]


def phrase_uses(actor, month_text: str) -> dict:
    """Forbidden phrases per agent in a month (服务禁语统计, for quality): how many each agent
    sent after a warning, how many were stopped, and which phrases. A branch's reader sees
    the agents of that branch."""
    branch = access_reports(actor)
    month = parse_month(month_text)
    start, end = month_bounds(month)
    uses = PhraseUse.objects.filter(at__gte=start, at__lt=end, user__isnull=False)
    if branch is not None:
        uses = uses.filter(user__staff__branch=branch)
    agents: dict[int, dict] = {}
    rows = uses.values_list(
        "user_id", "user__staff__employee_no", "user__staff__display_name", "phrase", "blocked"
    ).order_by("user__staff__employee_no", "id")
    for user_id, number, name, phrase, blocked in rows:
        row = agents.setdefault(
            user_id,
            {
                "employee_no": number or "",
                "name": name or "",
                "sent": 0,
                "blocked": 0,
                "phrases": {},
            },
        )
        row["blocked" if blocked else "sent"] += 1
        row["phrases"][phrase] = row["phrases"].get(phrase, 0) + 1
    return {"month": f"{month:%Y-%m}", "agents": list(agents.values())}
